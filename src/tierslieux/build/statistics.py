"""Whole-graph figures computed once per release: the statistics graph (``…/graph/statistics``).

Counting the places per region and kind, per founding year or per network is
a query over every place, whose cost grows with the graph (seconds at a
million triples on disk). The named queries and the observatory charts that
show these figures read them from the statistics graph instead, which the
build writes into every release, so they cost the same at any size.

Each statistic is a CONSTRUCT query of ``queries/statistics/``, run over the
union of the release's graphs (the sources and the resolved view, so the
counts are of the published values) before the dumps and the store are
written. Its triples are RDF Data Cube observations: ``qb:Observation`` in a
``qb:DataSet`` named after the file, dimensions ``tl:countedRegion``,
``tl:countedKind``, ``tl:countedYear``, ``tl:countedNetwork``, measures
``tl:placeCount``, ``tl:placesWithWebsite``, ``tl:placesWithWikidataItem``.

The graph is derived: it states no fact of a source, so the shapes do not
validate it, and a SPARQL Update of a served store does not recompute it (the
next build does).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..namespaces import graph_iri
from ..paths import STATISTICS_QUERIES_DIR

#: the named graph of the statistics
STATISTICS_GRAPH = graph_iri("statistics")


def statistics_queries(queries_dir: Path = STATISTICS_QUERIES_DIR) -> list[Path]:
    """The CONSTRUCT queries that make the statistics, in a stable order."""
    return sorted(queries_dir.glob("*.rq"))


def statistics_quads(store: ox.Store, queries_dir: Path = STATISTICS_QUERIES_DIR) -> list[ox.Quad]:
    """Run every statistics query over the union of ``store``'s graphs; return their triples in the statistics graph, sorted.

    Sorted, so that two builds of the same sources write the same dumps
    (an in-memory store returns quads in the order they were added).
    """
    graph = ox.NamedNode(str(STATISTICS_GRAPH))
    quads: set[ox.Quad] = set()
    for path in statistics_queries(queries_dir):
        for triple in store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True):
            quads.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    return sorted(quads, key=str)
