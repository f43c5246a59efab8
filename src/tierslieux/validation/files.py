"""Judge some data files on their own: with the model, and the descriptions of what they and the model refer to.

A data file is not a graph on its own: its places name communes, datasets and
source documents described in other files, and the vocabularies' concepts cite
source documents described in ``data/curated/sources.ttl``. Validated alone,
every such reference was a false violation (35 ``dct:source`` ones on the
vocabularies' concepts for any file). So the files are validated together with
the model and a *context*: every triple of the other data files about a resource
the files or the model name without describing it (one hop). Only the results
about resources the files describe are kept: the context is not being judged.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from .inputs import load_graph, load_model
from .outcome import ValidationOutcome, results_from_report
from .shacl import validate_graph


def context_for(data: Graph, model: Graph, others: list[Path]) -> Graph:
    """Return what ``others`` state that ``data`` needs to be judged alone.

    That is: the triples about the resources ``data`` describes, for the properties ``data``
    does not state about them; then the triples about the IRIs ``data``, the model or those
    triples name as objects without describing them (one hop).
    """
    context = Graph()
    if not others:
        return context
    rest = load_graph(others)
    stated = {(s, p) for s, p, _ in data}
    for subject in {s for s in data.subjects() if isinstance(s, URIRef)}:
        for triple in rest.triples((subject, None, None)):
            if (subject, triple[1]) not in stated:
                context.add(triple)
    described = set(data.subjects()) | set(model.subjects()) | set(context.subjects())
    wanted = {o for g in (data, model, context) for o in g.objects() if isinstance(o, URIRef) and o not in described}
    for subject in wanted:
        for triple in rest.triples((subject, None, None)):
            context.add(triple)
    return context


def validate_files_alone(paths: list[Path], others: list[Path], *, engine: str = "pyshacl",
                         shapes: Graph | None = None, model: Graph | None = None) -> ValidationOutcome:
    """Validate the data files ``paths`` with the model and their context from ``others``; keep the results about them."""
    data = load_graph(paths)
    model = model if model is not None else load_model()
    judged = set(data.subjects())
    combined = Graph()
    for graph in (data, context_for(data, model, [p for p in others if p not in paths])):
        for triple in graph:
            combined.add(triple)
    outcome = validate_graph(combined, shapes=shapes, model=model, engine=engine)
    report = outcome.report
    for node in list(report.objects(None, SH.result)):
        if report.value(node, SH.focusNode) not in judged:
            for triple in list(report.triples((None, SH.result, node))):
                report.remove(triple)
    outcome.results = results_from_report(report)
    outcome.conforms = not any(r.severity == SH.Violation for r in outcome.results)
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        report.set((report_node, SH.conforms, Literal(outcome.conforms)))
    return outcome
