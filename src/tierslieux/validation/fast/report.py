"""The fast engine's results as the project's :class:`~tierslieux.validation.ValidationOutcome`, report graph included."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ...namespaces import bind_prefixes
from ..outcome import ValidationOutcome, results_from_report
from .engine import RawResult

#: Severities that do not break conformance, as pySHACL counts them with ``allow_warnings=True``.
ALLOWED_SEVERITIES = (SH.Warning, SH.Info)


def _copy_path(shapes: Graph, node: Node, report: Graph) -> None:
    """Copy a path expression (blank nodes and lists) of the shapes graph into the report."""
    if not isinstance(node, BNode):
        return
    for predicate, obj in shapes.predicate_objects(node):
        report.add((node, predicate, obj))
        _copy_path(shapes, obj, report)


def ask_components(shapes: Graph) -> set[Node]:
    """Return the SPARQL-based constraint components of ``shapes`` whose validator is an ASK query."""
    return {
        component
        for keyword in (SH.validator, SH.propertyValidator)
        for component, validator in shapes.subject_objects(keyword)
        if shapes.value(validator, SH.ask) is not None
    }


def report_graph(raw: list[RawResult], shapes: Graph, *, like_pyshacl: bool = True) -> Graph:
    """Return the SHACL validation report of ``raw`` results.

    A path that is not an IRI (an inverse path…) is copied from the source
    shape's ``sh:path`` in ``shapes``, whose blank nodes the engine kept.
    ``like_pyshacl`` leaves out ``sh:value`` where pySHACL does: in results of
    an ASK-validated constraint component on a property shape (the SHACL
    specification gives the value node there, as TopQuadrant's engine does).
    """
    valueless = ask_components(shapes) if like_pyshacl else set()
    report = bind_prefixes(Graph())
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(all(r.severity in ALLOWED_SEVERITIES for r in raw))))
    for result in raw:
        node = BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, result.focus_node))
        report.add((node, SH.resultSeverity, result.severity))
        report.add((node, SH.sourceShape, result.source_shape))
        report.add((node, SH.sourceConstraintComponent, result.component))
        if result.path is not None:
            report.add((node, SH.resultPath, result.path))
        elif result.complex_path:
            path = shapes.value(result.source_shape, SH.path)
            if path is not None:
                report.add((node, SH.resultPath, path))
                _copy_path(shapes, path, report)
        on_property_shape = shapes.value(result.source_shape, SH.path) is not None
        if result.value is not None and not (result.component in valueless and on_property_shape):
            report.add((node, SH.value, result.value))
        for message in result.messages:
            report.add((node, SH.resultMessage, message))
    return report


def outcome(raw: list[RawResult], shapes: Graph) -> ValidationOutcome:
    """Return the :class:`ValidationOutcome` of ``raw`` results, built like the pySHACL one (same results, same order)."""
    report = report_graph(raw, shapes)
    conforms = bool(report.value(report.value(predicate=RDF.type, object=SH.ValidationReport), SH.conforms).toPython())
    return ValidationOutcome(conforms=conforms, report=report, results=results_from_report(report))
