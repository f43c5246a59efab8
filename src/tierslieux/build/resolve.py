"""The resolved view: one value per place for each single-valued property, chosen among the sources by a written policy.

Each source file keeps its statements in its own named graph, untouched, so the
provenance of every fact stays exact. When two sources state different values
of a *single-valued group* of one place (its location: ``wgs84:lat``,
``wgs84:long``, ``geo:hasGeometry`` and ``tl:geocodingPrecision`` together; its
address; its founding date; its website; its life-cycle status; whether it lies in a
metropolis: every property the shapes allow once per place), the build
chooses the values of one source, by this policy (docs/merging.md), first rule
that decides:

1. a reviewed override (``data/resolution-overrides.csv``: place, group, source graph, reason);
2. the class of the source: curated data (reviewed by people) before the census
   before any other source (a network's export);
3. precision: for the location, the higher ``tl:geocodingPrecision`` the source
   states (a source stating none comes after one that does);
4. recency: the newer ``dct:modified`` (else ``dct:issued``) of the dataset the
   source graph describes (a source with no date comes last);
5. the graph's IRI, so that the choice never depends on the order of the files.

The chosen values go to the named graph ``graph/resolved`` (only for the groups
where sources disagree: elsewhere the one source's values are the resolved ones),
and the other sources' values are *superseded*: they stay in their own named graph,
but the published union (the triple dumps and what the shapes validate) leaves them out.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import DCTERMS

from ..merge_model import GROUP_OF, GROUPS, RESOLVED_GRAPH
from ..namespaces import GRAPH_BASE, TL

#: the reviewed overrides, beside the data files
OVERRIDES_FILE = "resolution-overrides.csv"
#: the class of a source, by the start of its graph's name: lower comes first
SOURCE_CLASSES = (("curated/", 0), ("census/", 1))
OTHER_SOURCE_CLASS = 2


class OverrideError(ValueError):
    """A line of the overrides file cannot be applied (names the file and line)."""


@dataclass(frozen=True)
class Override:
    """A reviewed choice: for ``place``'s ``group``, take the values of the source graph ``graph``."""

    place: str
    group: str
    graph: str
    reason: str
    where: str


@dataclass
class Choice:
    """The sources of one group of one place that disagree, and the one chosen."""

    place: str
    group: str
    values: dict[str, frozenset[tuple[str, ox.Term]]]
    chosen: str
    rule: str


@dataclass
class Resolution:
    """What the policy decided: the choices, the quads of ``graph/resolved`` and the superseded triples."""

    choices: list[Choice] = field(default_factory=list)

    def resolved_quads(self) -> list[ox.Quad]:
        """Return the quads of the resolved graph: the chosen source's values of every disputed group, sorted."""
        graph = ox.NamedNode(str(RESOLVED_GRAPH))
        quads = {ox.Quad(ox.NamedNode(c.place), ox.NamedNode(p), o, graph) for c in self.choices for p, o in c.values[c.chosen]}
        return sorted(quads, key=str)

    def superseded(self) -> list[ox.Triple]:
        """Return the triples of the sources not chosen, except those the chosen source states too, sorted."""
        triples = set()
        for choice in self.choices:
            kept = choice.values[choice.chosen]
            for graph, values in choice.values.items():
                if graph != choice.chosen:
                    triples.update(ox.Triple(ox.NamedNode(choice.place), ox.NamedNode(p), o) for p, o in values - kept)
        return sorted(triples, key=str)

    def summary(self) -> dict:
        """Return counts for the manifest: disputed groups, by group and by deciding rule."""
        by_group: dict[str, int] = {}
        by_rule: dict[str, int] = {}
        for choice in self.choices:
            by_group[choice.group] = by_group.get(choice.group, 0) + 1
            by_rule[choice.rule] = by_rule.get(choice.rule, 0) + 1
        return {"disputed": len(self.choices), "by_group": dict(sorted(by_group.items())),
                "by_rule": dict(sorted(by_rule.items())), "superseded_triples": len(self.superseded())}


def read_overrides(path: Path | None) -> dict[tuple[str, str], Override]:
    """Read the reviewed overrides (CSV: ``place,group,graph,reason``); an absent file means none."""
    if path is None or not path.is_file():
        return {}
    overrides: dict[tuple[str, str], Override] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, strict=True)
        missing = {"place", "group", "graph", "reason"} - set(reader.fieldnames or ())
        if missing:
            raise OverrideError(f"{path}:1: missing column(s) {', '.join(sorted(missing))}; expected place,group,graph,reason")
        try:
            for row in reader:
                where = f"{path}:{reader.line_num}"
                if row["group"] not in GROUPS:
                    raise OverrideError(f"{where}: unknown group {row['group']!r}; known: {', '.join(GROUPS)}")
                if not (row["reason"] or "").strip():
                    raise OverrideError(f"{where}: a reviewed override says why (column reason)")
                place = row["place"].strip()
                if not place.startswith("http"):
                    place = f"https://w3id.org/tiers-lieux/id/place/{place}"
                graph = row["graph"].strip()
                if not graph.startswith("http"):
                    graph = GRAPH_BASE + graph
                overrides[(place, row["group"])] = Override(place, row["group"], graph, row["reason"].strip(), where)
        except csv.Error as error:
            raise OverrideError(f"{path}:{reader.line_num}: {error}") from None
    return overrides


def _source_class(graph: str) -> int:
    name = graph.removeprefix(GRAPH_BASE)
    return next((rank for prefix, rank in SOURCE_CLASSES if name.startswith(prefix)), OTHER_SOURCE_CLASS)


def _dates(store: ox.Store) -> dict[str, str]:
    """Return the date of the dataset each graph describes (``dct:modified``, else ``dct:issued``), by graph."""
    rows = store.query(f"""SELECT ?g (MAX(COALESCE(?modified, ?issued)) AS ?date) WHERE {{
        GRAPH ?g {{ ?dataset a ?type . VALUES ?type {{ <http://rdfs.org/ns/void#Dataset> <http://www.w3.org/ns/dcat#Dataset> }}
                   OPTIONAL {{ ?dataset <{DCTERMS.modified}> ?modified }} OPTIONAL {{ ?dataset <{DCTERMS.issued}> ?issued }} }}
    }} GROUP BY ?g""")
    return {row["g"].value: row["date"].value for row in rows if row["date"] is not None}


def _precision(values: frozenset[tuple[str, ox.Term]]) -> float | None:
    stated = [float(o.value) for p, o in values if p == str(TL.geocodingPrecision) and isinstance(o, ox.Literal)]
    return max(stated) if stated else None


def _descending(text: str) -> tuple[int, ...]:
    """Return a key that sorts ISO dates (of any precision) newest first."""
    return tuple(-ord(c) for c in text) + (0,)


def _choose(place: str, group: str, values: dict[str, frozenset], dates: dict[str, str],
            overrides: dict[tuple[str, str], Override]) -> tuple[str, str]:
    """Return the chosen graph and the rule that decided."""
    override = overrides.get((place, group))
    if override is not None:
        if override.graph not in values:
            raise OverrideError(f"{override.where}: {override.graph} states no {group} of {place} "
                                f"(sources that do: {', '.join(sorted(values))}); correct or remove the line")
        return override.graph, "reviewed override"
    rules = (
        ("source class", lambda g: (_source_class(g),)),
        ("precision", lambda g: (0, -_precision(values[g])) if group == "location" and _precision(values[g]) is not None else (1, 0.0)),
        ("recency", lambda g: (0, _descending(dates[g])) if g in dates else (1, ())),
    )
    candidates = sorted(values)
    for name, key in rules:
        best = min(key(g) for g in candidates)
        leaders = [g for g in candidates if key(g) == best]
        if len(leaders) == 1:
            return leaders[0], name
        candidates = leaders
    return candidates[0], "graph name"


def resolve(store: ox.Store, overrides: dict[tuple[str, str], Override] | None = None) -> Resolution:
    """Find the places whose sources disagree on a single-valued group and choose, by the policy, the values kept.

    ``store`` holds the sources in their named graphs (the build's in-memory copy).
    Raises :class:`OverrideError` when a reviewed override names a source that states nothing for its place.
    """
    overrides = overrides or {}
    predicates = " ".join(f"<{p}>" for p in GROUP_OF)
    rows = store.query(f"""SELECT DISTINCT ?s ?p ?o ?g WHERE {{
        GRAPH ?g {{ ?s ?p ?o }} VALUES ?p {{ {predicates} }}
        GRAPH ?t {{ ?s a <{TL.ThirdPlace}> }}
    }}""")
    by_group: dict[tuple[str, str], dict[str, set]] = {}
    for row in rows:
        graph = row["g"].value
        key = (row["s"].value, GROUP_OF[row["p"].value])
        by_group.setdefault(key, {}).setdefault(graph, set()).add((row["p"].value, row["o"]))
    dates = _dates(store) if by_group else {}
    resolution = Resolution()
    for (place, group), sources in sorted(by_group.items()):
        values = {graph: frozenset(v) for graph, v in sources.items()}
        if len(set(values.values())) < 2:
            continue  # one source, or sources that agree: nothing to choose
        chosen, rule = _choose(place, group, values, dates, overrides)
        resolution.choices.append(Choice(place, group, values, chosen, rule))
    return resolution


def overrides_path(data_dir: Path) -> Path:
    """Return where the reviewed overrides of ``data_dir`` are kept."""
    return data_dir / OVERRIDES_FILE
