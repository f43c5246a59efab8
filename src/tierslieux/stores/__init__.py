"""Where a release is queried: the :class:`~.base.Store` protocol and its three stores.

* :mod:`.embedded`: the release's Oxigraph store, in this process;
* :mod:`.query_processes`: the same store queried in child processes killed at the time limit (what the service uses);
* :mod:`.remote`: an external SPARQL 1.1 server; :mod:`.publish` loads a release into one (Graph Store Protocol).
"""
