"""Importing real places: other datasets' exports turned into the graph by declarative mappings.

A mapping file (``mappings/*.yarrrml.yml``) is a YARRRML mapping, run by the importer's own engine (:mod:`.engine`),
plus a ``tierslieux:`` import profile. :func:`~.pipeline.run_import` checks each record, runs the
mapping, merges duplicates, matches the places already in the graph and assigns final IRIs;
``docs/mappings.md`` and ``docs/census.md`` describe the rules.
"""
