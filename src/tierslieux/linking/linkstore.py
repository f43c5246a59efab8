"""The linker's files in ``data/links/``: accepted links (Turtle), rejected candidates and unmatched places (CSV).

Each accepted link is the triple ``place tl:wikidataItem wd:Q…`` plus an SSSOM
mapping record, in SSSOM's own RDF form (an ``owl:Axiom`` annotating that triple)::

    place:x tl:wikidataItem wd:Q123 .
    [] a owl:Axiom ;
        owl:annotatedSource place:x ; owl:annotatedProperty tl:wikidataItem ; owl:annotatedTarget wd:Q123 ;
        sssom:mapping_justification semapv:CompositeMatching ;   # or semapv:MappingReview, semapv:ManualMappingCuration
        sssom:confidence "0.91"^^xsd:double ;                     # the linker's score, when it scored the item
        sssom:mapping_tool "tierslieux link wikidata (label-query)" ;
        sssom:mapping_tool_version "0.1.0" ;
        dct:created "2026-01-31"^^xsd:date ;
        sssom:reviewer_label "…" ;                               # when a person confirmed or chose it
        rdfs:comment "name 1.00; 0.05 km; same commune; same website" .
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from ..namespaces import SEMAPV, SSSOM, TL
from ..rdfio import canonical_turtle, parse_file, write_atomically
from .wikidata import QID, entity, qid

LINKS_FILE = "wikidata.ttl"
REJECTED_FILE = "rejected.csv"
UNMATCHED_FILE = "unmatched.csv"
REVIEW_FILE = "review.csv"

#: How a link was justified: by the linker alone, by a person confirming its candidate, or by a person's choice.
AUTOMATIC = "automatic"
CONFIRMED = "confirmed"
CHOSEN = "chosen"
JUSTIFICATIONS = {
    AUTOMATIC: SEMAPV.CompositeMatching,
    CONFIRMED: SEMAPV.MappingReview,
    CHOSEN: SEMAPV.ManualMappingCuration,
}


class LinkFileError(ValueError):
    """A links file that cannot be read (the message names the file, and the line or resource)."""


@dataclass(frozen=True)
class Link:
    """An accepted link from one of our places to a Wikidata item, with its provenance."""

    place: str
    qid: str
    how: str  # AUTOMATIC, CONFIRMED or CHOSEN
    created: date
    tool: str
    tool_version: str
    score: float | None = None
    reviewer: str | None = None
    comment: str | None = None

    @property
    def confirmed_by_a_person(self) -> bool:
        """True when a person confirmed or chose the link."""
        return self.how != AUTOMATIC


def links_graph(links: list[Link]) -> Graph:
    """Return the RDF of ``links``: the triples and their SSSOM mapping records."""
    graph = Graph()
    for link in links:
        place, item = URIRef(link.place), URIRef(entity(link.qid))
        graph.add((place, TL.wikidataItem, item))
        record = BNode()
        graph.add((record, RDF.type, OWL.Axiom))
        graph.add((record, OWL.annotatedSource, place))
        graph.add((record, OWL.annotatedProperty, TL.wikidataItem))
        graph.add((record, OWL.annotatedTarget, item))
        graph.add((record, SSSOM.mapping_justification, JUSTIFICATIONS[link.how]))
        graph.add((record, SSSOM.mapping_tool, Literal(link.tool)))
        graph.add((record, SSSOM.mapping_tool_version, Literal(link.tool_version)))
        graph.add((record, DCTERMS.created, Literal(link.created.isoformat(), datatype=XSD.date)))
        if link.score is not None:
            graph.add((record, SSSOM.confidence, Literal(f"{Decimal(str(link.score)):f}", datatype=XSD.double)))
        if link.reviewer:
            graph.add((record, SSSOM.reviewer_label, Literal(link.reviewer)))
        if link.comment:
            graph.add((record, RDFS.comment, Literal(link.comment)))
    return graph


def write_links(path: Path, links: list[Link]) -> None:
    """Write ``links`` as canonical Turtle to ``path``, atomically."""
    write_atomically(path, canonical_turtle(links_graph(sorted(links, key=lambda k: (k.place, k.qid)))))


def _one(graph: Graph, node, prop, path: Path, what: str):
    values = list(graph.objects(node, prop))
    if len(values) != 1:
        raise LinkFileError(f"{path}: the mapping record of {what} has {len(values)} values for {prop}, expected 1")
    return values[0]


def read_links(path: Path) -> list[Link]:
    """Read the accepted links of ``path`` (none when the file does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    graph = parse_file(path)
    by_justification = {v: k for k, v in JUSTIFICATIONS.items()}
    links = []
    records = {
        (graph.value(r, OWL.annotatedSource), graph.value(r, OWL.annotatedTarget)): r
        for r in graph.subjects(OWL.annotatedProperty, TL.wikidataItem)
    }
    for place, item in sorted(graph.subject_objects(TL.wikidataItem), key=lambda pair: (str(pair[0]), str(pair[1]))):
        item_id = qid(str(item))
        what = f"{place} → {item}"
        if item_id is None:
            raise LinkFileError(f"{path}: {what}: the object is not a Wikidata item IRI")
        record = records.get((place, item))
        if record is None:
            raise LinkFileError(f"{path}: {what} has no mapping record (owl:Axiom) giving its provenance")
        justification = _one(graph, record, SSSOM.mapping_justification, path, what)
        if justification not in by_justification:
            raise LinkFileError(f"{path}: {what}: unknown mapping justification {justification}")
        created = _one(graph, record, DCTERMS.created, path, what)
        score = graph.value(record, SSSOM.confidence)
        reviewer = graph.value(record, SSSOM.reviewer_label)
        comment = graph.value(record, RDFS.comment)
        links.append(
            Link(
                place=str(place),
                qid=item_id,
                how=by_justification[justification],
                created=date.fromisoformat(str(created)),
                tool=str(_one(graph, record, SSSOM.mapping_tool, path, what)),
                tool_version=str(_one(graph, record, SSSOM.mapping_tool_version, path, what)),
                score=None if score is None else float(score),
                reviewer=None if reviewer is None else str(reviewer),
                comment=None if comment is None else str(comment),
            )
        )
    return links


# --- CSV memories -------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """A candidate a person said is not the place: never proposed again for that place."""

    place: str
    qid: str
    date: str
    reviewer: str = ""
    note: str = ""


@dataclass(frozen=True)
class Unmatched:
    """A place for which nothing on Wikidata fits: a candidate for a new item (``link quickstatements``)."""

    place: str
    date: str
    endpoint: str
    why: str = ""


@dataclass
class CsvTable:
    """Rows of a CSV file with a fixed header, read with line numbers for error messages."""

    header: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def read_csv(path: Path, required: tuple[str, ...]) -> CsvTable:
    """Read a CSV file whose header must include ``required``; raises ValueError naming the file and column."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise ValueError(f"{path}: cannot read the file ({error.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        missing = [c for c in required if c not in header]
        if missing:
            raise ValueError(f"{path}:1: missing column(s) {', '.join(missing)}; the header is {', '.join(header) or '(empty)'}")
        table = CsvTable(header)
        for row in reader:
            table.rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
            table.lines.append(reader.line_num)
    return table


def write_csv(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    """Write rows under ``header`` to ``path`` atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(path, buffer.getvalue())


REJECTED_HEADER = ("place", "qid", "date", "reviewer", "note")
UNMATCHED_HEADER = ("place", "date", "endpoint", "why")


def read_rejections(path: Path) -> list[Rejection]:
    """Read the rejected candidates (none when the file does not exist)."""
    if not Path(path).exists():
        return []
    table = read_csv(path, ("place", "qid"))
    for row, line in zip(table.rows, table.lines, strict=True):
        if not QID.match(row["qid"]):
            raise ValueError(f"{path}:{line}: qid {row['qid']!r} is not a Wikidata item identifier")
    return [Rejection(r["place"], r["qid"], r.get("date", ""), r.get("reviewer", ""), r.get("note", "")) for r in table.rows]


def write_rejections(path: Path, rejections: list[Rejection]) -> None:
    """Write the rejected candidates, sorted and without duplicates."""
    unique = {(r.place, r.qid): r for r in rejections}
    rows = [vars(unique[k]) for k in sorted(unique)]
    write_csv(path, REJECTED_HEADER, rows)


def read_unmatched(path: Path) -> list[Unmatched]:
    """Read the places that nothing fits (none when the file does not exist)."""
    if not Path(path).exists():
        return []
    table = read_csv(path, ("place",))
    return [Unmatched(r["place"], r.get("date", ""), r.get("endpoint", ""), r.get("why", "")) for r in table.rows]


def write_unmatched(path: Path, unmatched: list[Unmatched]) -> None:
    """Write the places that nothing fits, sorted."""
    unique = {u.place: u for u in unmatched}
    write_csv(path, UNMATCHED_HEADER, [vars(unique[k]) for k in sorted(unique)])
