"""The fast engine's SHACL report as the project's :class:`~tierslieux.validation.ValidationOutcome`, normalised like pySHACL's."""

from __future__ import annotations

from rdflib import BNode, Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ...namespaces import bind_prefixes
from ..outcome import ValidationOutcome, results_from_report


def ask_components(shapes: Graph) -> set[Node]:
    """Return the SPARQL-based constraint components of ``shapes`` whose validator is an ASK query."""
    return {
        component
        for keyword in (SH.validator, SH.propertyValidator)
        for component, validator in shapes.subject_objects(keyword)
        if shapes.value(validator, SH.ask) is not None
    }


def _move_structure(source: Graph, node: Node, target: Graph, *, remove: bool) -> None:
    """Copy (or, with ``remove``, delete) the blank node structure of a path expression at ``node``."""
    if not isinstance(node, BNode):
        return
    for predicate, obj in list(source.predicate_objects(node)):
        if remove:
            source.remove((node, predicate, obj))
        else:
            target.add((node, predicate, obj))
        _move_structure(source, obj, target, remove=remove)


def like_pyshacl(report: Graph, shapes: Graph) -> Graph:
    """Normalise ``report`` where pySHACL's differs from the engine's, and return it.

    * pySHACL gives no ``sh:value`` in results of an ASK-validated constraint
      component on a property shape (a result with a ``sh:resultPath``); the SHACL
      specification gives the value node there, and so does the ``shacl`` engine.
    * A path that is not an IRI (an inverse path…) is the source shape's own
      ``sh:path`` node in pySHACL's report; the engine writes a copy.
    """
    valueless = ask_components(shapes)
    for result in list(report.subjects(RDF.type, SH.ValidationResult)):
        path = report.value(result, SH.resultPath)
        if path is None:
            continue
        if report.value(result, SH.sourceConstraintComponent) in valueless:
            report.remove((result, SH.value, None))
        shape_path = shapes.value(report.value(result, SH.sourceShape), SH.path)
        if isinstance(path, BNode) and isinstance(shape_path, BNode):
            _move_structure(report, path, report, remove=True)
            report.set((result, SH.resultPath, shape_path))
            _move_structure(shapes, shape_path, report, remove=False)
    return report


def outcome(report: Graph, shapes: Graph) -> ValidationOutcome:
    """Return the :class:`ValidationOutcome` of the engine's ``report``, normalised by :func:`like_pyshacl`."""
    report = bind_prefixes(like_pyshacl(report, shapes))
    root = report.value(predicate=RDF.type, object=SH.ValidationReport)
    if root is None:
        raise RuntimeError("the SHACL engine's report has no sh:ValidationReport")
    return ValidationOutcome(conforms=bool(report.value(root, SH.conforms).toPython()), report=report, results=results_from_report(report))
