"""What a SHACL validation found, whichever engine ran it: the outcome, its results and a readable report.

Both engines (pySHACL in :mod:`.shacl`, the ``shacl`` package's in :mod:`.fast`) hand a
SHACL report graph to :func:`results_from_report`, so their outcomes compare
result by result.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from ..namespaces import short_name

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


def results_from_report(report: Graph) -> list[ValidationResult]:
    """Return the results of a SHACL report graph, sorted by focus node, severity, path and message."""
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
