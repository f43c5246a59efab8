"""Sub-commands of the ``tierslieux`` command line, one module each."""
