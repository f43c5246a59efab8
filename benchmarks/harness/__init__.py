"""The benchmark harness behind ``make bench`` (``benchmarks/run.py``).

Modules, one job each: ``load`` sends bounded HTTP load and summarises
latencies; ``servers`` starts and stops the three SPARQL servers compared
(this project's service, Oxigraph server, rdflib-endpoint) and reads their
memory; ``datasets`` prepares the real and generated graphs and times builds
and validation; ``machine`` describes the computer; ``report`` writes
``RESULTS.md``.
"""
