"""SHACL validation of the graph with pySHACL, and readable reports of its results."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from .namespaces import PREFIXES, bind_prefixes
from .paths import ONTOLOGY_DIR, SHAPES_DIR, turtle_files
from .rdfio import parse_file

#: the SHACL engines: pySHACL (the reference) and TopQuadrant's (:mod:`tierslieux.fastvalidation`)
ENGINES = ("pyshacl", "fast")

SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}
SEVERITY_NAMES = {
    "en": {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"},
    "fr": {SH.Violation: "Violation", SH.Warning: "Avertissement", SH.Info: "Information"},
}


@dataclass(frozen=True)
class ValidationResult:
    """One result of a SHACL validation report, with its messages by language."""

    focus_node: URIRef | BNode
    path: URIRef | BNode | None
    path_text: str | None
    severity: URIRef
    source_shape: URIRef | BNode | None
    value: object | None
    messages: dict[str, str] = field(hash=False, compare=False)

    def message(self, lang: str) -> str:
        """Return the message in ``lang``, falling back to English, then to any language."""
        return self.messages.get(lang) or self.messages.get("en") or next(iter(self.messages.values()), "")


@dataclass
class ValidationOutcome:
    """What a validation found: whether the data conforms, the report graph and its results."""

    conforms: bool
    report: Graph
    results: list[ValidationResult]

    def count(self, severity: URIRef) -> int:
        """Return how many results have ``severity``."""
        return sum(1 for r in self.results if r.severity == severity)


def load_graph(paths: list[Path]) -> Graph:
    """Parse every file of ``paths`` into one graph (raises RDFSyntaxError naming the file, line and column)."""
    graph = bind_prefixes(Graph())
    for path in paths:
        parse_file(path, graph)
    return graph


def load_shapes(shapes_dir: Path = SHAPES_DIR) -> Graph:
    """Return the SHACL shapes of ``shapes/``, all modules together."""
    return load_graph(turtle_files(shapes_dir))


def load_model(ontology_dir: Path = ONTOLOGY_DIR) -> Graph:
    """Return the ontology and its vocabularies, which the shapes need to check that concepts are in their scheme."""
    return load_graph(turtle_files(ontology_dir))


def path_text(report: Graph, path: object) -> str | None:
    """Return a SHACL property path as SPARQL-like text (``rdfs:label``, ``^tl:hasModule``, ``tl:a/tl:b``)."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return short_name(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (path_text(report, inverse) or "?")
    if (path, RDF.first, None) in report:
        return "/".join(path_text(report, step) or "?" for step in Collection(report, path))
    for operator, symbol in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = report.value(path, operator)
        if inner is not None:
            return f"({path_text(report, inner)}){symbol}"
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(path_text(report, step) or "?" for step in Collection(report, alternatives))
    return str(path)


def _results(report: Graph) -> list[ValidationResult]:
    # Only the report's own sh:result nodes: pySHACL's nested sh:detail results are engine detail.
    results = []
    for node in report.objects(None, SH.result):
        messages: dict[str, str] = {}
        for message in report.objects(node, SH.resultMessage):
            if isinstance(message, Literal):
                messages.setdefault(message.language or "", str(message))
        path = report.value(node, SH.resultPath)
        results.append(
            ValidationResult(
                focus_node=report.value(node, SH.focusNode),
                path=path,
                path_text=path_text(report, path),
                severity=report.value(node, SH.resultSeverity),
                source_shape=report.value(node, SH.sourceShape),
                value=report.value(node, SH.value),
                messages=messages,
            )
        )
    results.sort(key=lambda r: (str(r.focus_node), SEVERITY_ORDER.get(r.severity, 9), r.path_text or "", r.message("en")))
    return results


def validate_graph(data: Graph, *, shapes: Graph | None = None, model: Graph | None = None, engine: str = "pyshacl") -> ValidationOutcome:
    """Validate ``data`` against the shapes, with the ontology and vocabularies mixed in.

    ``model`` defaults to the repository's ontology and vocabularies; pass an
    empty graph when ``data`` already holds them. Warnings and Infos do not
    break conformance; only Violations do. ``engine="fast"`` runs TopQuadrant's
    SHACL engine instead of pySHACL (:mod:`tierslieux.fastvalidation`: the same
    results, much faster on big graphs; it needs a JDK).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; known: {', '.join(ENGINES)}")
    shapes = shapes if shapes is not None else load_shapes()
    model = model if model is not None else load_model()
    if engine == "fast":
        from .fastvalidation import validate_fast  # imported here: it builds on this module

        return validate_fast(data, shapes=shapes, model=model)
    if len(model):
        # pySHACL's ont_graph only "inoculates" class axioms; the shapes also need the
        # concepts and schemes themselves, so the model joins the data graph in full.
        combined = Graph()
        for graph in (data, model):
            for triple in graph:
                combined.add(triple)
        data = combined
    conforms, report, _ = pyshacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        advanced=True,
    )
    bind_prefixes(report)
    return ValidationOutcome(conforms=bool(conforms), report=report, results=_results(report))


def short_name(term: object) -> str:
    """Return ``term`` as a prefixed name when one of our prefixes covers it, else as given."""
    text = str(term)
    if isinstance(term, URIRef):
        best = max((p for p, iri in PREFIXES.items() if text.startswith(iri)), key=lambda p: len(PREFIXES[p]), default=None)
        if best is not None:
            return f"{best}:{text[len(PREFIXES[best]):]}"
        return f"<{text}>"
    return text


def format_report(outcome: ValidationOutcome, lang: str = "en") -> str:
    """Return a readable report, grouped by resource, in French (``fr``) or English (``en``)."""
    names = SEVERITY_NAMES.get(lang, SEVERITY_NAMES["en"])
    by_focus: dict[str, list[ValidationResult]] = defaultdict(list)
    for result in outcome.results:
        by_focus[short_name(result.focus_node)].append(result)
    lines = []
    for focus in sorted(by_focus):
        lines.append(focus)
        for result in by_focus[focus]:
            where = f" [{result.path_text}]" if result.path_text else ""
            lines.append(f"  {names.get(result.severity, short_name(result.severity))}{where}: {result.message(lang)}")
    counts = {sev: outcome.count(sev) for sev in (SH.Violation, SH.Warning, SH.Info)}
    if lang == "fr":
        verdict = "conforme" if outcome.conforms else "NON conforme"
        summary = f"Le graphe est {verdict} : {counts[SH.Violation]} violation(s), {counts[SH.Warning]} avertissement(s), {counts[SH.Info]} information(s)."
    else:
        verdict = "conforms" if outcome.conforms else "does NOT conform"
        summary = f"The graph {verdict}: {counts[SH.Violation]} violation(s), {counts[SH.Warning]} warning(s), {counts[SH.Info]} info(s)."
    lines.append(summary)
    return "\n".join(lines)
