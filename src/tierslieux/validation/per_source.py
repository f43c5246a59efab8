"""The shapes' cardinality limits applied to each source graph on its own.

The build validates the *resolved view* with the SHACL engine (the union of the
sources, each disputed single-valued group taken from one source: see
:mod:`tierslieux.build.resolve`), so two honest sources that disagree never
refuse a build. A source that contradicts *itself* (two latitudes for one place
in one file) is still an error: every property shape with an IRI ``sh:path`` and
an ``sh:maxCount`` under a node shape with an ``sh:targetClass`` is checked here
in every named graph, and each excess is reported as a SHACL result of that
shape, its message naming the source graph. The limits are read from the shapes,
so they are stated once.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH


def _limits(shapes: Graph) -> list[tuple[URIRef, URIRef, URIRef, int]]:
    """Return (class, property shape, path, maxCount) for every limit the shapes set on a class's property."""
    limits = []
    for node_shape, target in shapes.subject_objects(SH.targetClass):
        for shape in shapes.objects(node_shape, SH.property):
            path, count = shapes.value(shape, SH.path), shapes.value(shape, SH.maxCount)
            if isinstance(path, URIRef) and isinstance(target, URIRef) and count is not None:
                limits.append((target, shape, path, int(count)))
    return sorted(set(limits))


def check_sources(store: ox.Store, shapes: Graph, report: Graph) -> int:
    """Add to ``report`` a result for every node that exceeds a shape's ``sh:maxCount`` within one named graph of ``store``.

    The node's class may be stated by any graph. Returns how many results were added.
    """
    report_node = next(iter(report.subjects(RDF.type, SH.ValidationReport)), None)
    if report_node is None:
        report_node = BNode()
        report.add((report_node, RDF.type, SH.ValidationReport))
    added = 0
    for target, shape, path, count in _limits(shapes):
        rows = store.query(f"""SELECT ?s ?g (COUNT(DISTINCT ?o) AS ?n) WHERE {{
            GRAPH ?t {{ ?s a <{target}> }} GRAPH ?g {{ ?s <{path}> ?o }}
        }} GROUP BY ?s ?g HAVING (COUNT(DISTINCT ?o) > {count})""")
        for row in rows:
            result = BNode()
            report.add((report_node, SH.result, result))
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, URIRef(row["s"].value) if isinstance(row["s"], ox.NamedNode) else BNode(row["s"].value)))
            report.add((result, SH.resultPath, path))
            report.add((result, SH.resultSeverity, shapes.value(shape, SH.severity) or SH.Violation))
            report.add((result, SH.sourceShape, shape))
            report.add((result, SH.sourceConstraintComponent, SH.MaxCountConstraintComponent))
            values = row["n"].value
            for message in shapes.objects(shape, SH.message):
                if isinstance(message, Literal):
                    where = (f" (source graph <{row['g'].value}> states {values} values)" if message.language != "fr"
                             else f" (le graphe source <{row['g'].value}> en donne {values})")
                    report.add((result, SH.resultMessage, Literal(str(message) + where, lang=message.language)))
            added += 1
    if added:
        report.set((report_node, SH.conforms, Literal(False)))
    return added
