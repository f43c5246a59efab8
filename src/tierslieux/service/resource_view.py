"""What the linked-data pages show about one resource, read from the store.

Two views of a resource, both built with a few SPARQL queries over the union
of all graphs:

* :func:`describe_triples` — for machines: the resource's Concise Bounded
  Description (Oxigraph's ``DESCRIBE``: its triples and, recursively, those of
  its blank nodes), the descriptions of the resources it owns (its address,
  geometry, memberships…), and the labels of every resource it links to.
* :func:`resource_page` — for people: the same facts as a :class:`ResourcePage`
  with labels in French and English, owned resources nested under the
  property that points to them, the coordinates for a map, and the incoming
  links (who points here).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import current_app
from rdflib import URIRef

from .. import namespaces
from ..namespaces import BASE, ID_BASE, PREFIXES, sparql_prologue
from ..stores.base import Store

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
LABEL_PREDICATES = (RDFS_LABEL, SKOS_PREF_LABEL)
DESCRIPTION_PREDICATES = (
    "http://purl.org/dc/terms/description",
    "http://www.w3.org/2004/02/skos/core#definition",
    "http://www.w3.org/2000/01/rdf-schema#comment",
)
#: Shown in the page's header rather than in the table of properties.
HEADER_PREDICATES = frozenset((RDF_TYPE, *LABEL_PREDICATES, *DESCRIPTION_PREDICATES))
SOURCE = "http://purl.org/dc/terms/source"
#: Left out of the nested description of an owned resource.
NESTED_HIDDEN = frozenset((RDF_TYPE, *LABEL_PREDICATES, SOURCE))
WGS84_LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
WGS84_LONG = "http://www.w3.org/2003/01/geo/wgs84_pos#long"
GEO_HAS_GEOMETRY = "http://www.opengis.net/ont/geosparql#hasGeometry"
GEO_AS_WKT = "http://www.opengis.net/ont/geosparql#asWKT"
TL_NS = PREFIXES["tl"]
WIKIDATA_ITEM = TL_NS + "wikidataItem"
WEBSITE = TL_NS + "website"
ADDRESS = TL_NS + "address"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
#: Kinds of resources that exist only as part of another one: shown nested under the property pointing to them.
OWNED_KINDS = ("address", "geometry", "membership", "name", "account", "module")
#: Languages in the order a label is chosen for display.
LANGUAGES = ("fr", "en")
#: Most incoming links read for one page (the page says when there are more).
INCOMING_LIMIT = 300
_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)\s*$", re.IGNORECASE)


def local_path(iri: str) -> str | None:
    """Return the service path of one of our IRIs (``/id/place/x``), or None for an IRI of someone else."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else None


def link_target(iri: str) -> str | None:
    """Return where a link to ``iri`` goes: our own path, the IRI itself for http(s), nothing for other schemes."""
    path = local_path(iri)
    if path is not None:
        return path
    return iri if iri.startswith(("http://", "https://")) else None


def short_name(iri: str) -> str:
    """Return ``prefix:local`` for an IRI under one of the project's prefixes, or the IRI itself (no brackets on a page)."""
    return namespaces.short_name(URIRef(iri)).removeprefix("<").removesuffix(">")


@dataclass
class Node:
    """An RDF term as a page shows it: its value, labels by language, where it links to, and nested details."""

    kind: str  # "iri", "literal" or "bnode"
    value: str  # the IRI, the literal's lexical form or the blank node's id
    language: str | None = None
    datatype: str | None = None
    labels: dict[str, list[str]] = field(default_factory=dict)
    details: list[PropertyRow] = field(default_factory=list)

    @property
    def href(self) -> str | None:
        """Where a link to this term goes (None for literals, blank nodes and non-web IRIs)."""
        return link_target(self.value) if self.kind == "iri" else None

    @property
    def is_external(self) -> bool:
        """True for an IRI outside the project's namespace."""
        return self.kind == "iri" and local_path(self.value) is None

    @property
    def label(self) -> str:
        """The label to show: French, else English, else any; a literal's value; a short form of an IRI."""
        if self.kind == "literal":
            return self.value
        for language in (*LANGUAGES, ""):
            if self.labels.get(language):
                return self.labels[language][0]
        for values in self.labels.values():
            if values:
                return values[0]
        if self.kind == "bnode":
            return "(unnamed)"
        if self.value.startswith(WIKIDATA_ENTITY):
            return "Wikidata " + self.value[len(WIKIDATA_ENTITY) :]
        return short_name(self.value)

    @property
    def english(self) -> str | None:
        """The English label when the shown label is another one (None when there is nothing more to show)."""
        english = self.labels.get("en")
        if english and english[0] != self.label:
            return english[0]
        return None

    @property
    def datatype_name(self) -> str | None:
        """The datatype's short name, left out for plain strings."""
        if self.datatype in (None, "http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"):
            return None
        return short_name(self.datatype)


@dataclass
class PropertyRow:
    """One property and its values (or, for incoming links, the resources that point here)."""

    predicate: Node
    values: list[Node]


@dataclass
class ResourcePage:
    """Everything a resource page shows."""

    iri: str
    node: Node
    types: list[Node]
    descriptions: list[Node]
    rows: list[PropertyRow]
    incoming: list[PropertyRow]
    incoming_total: int
    point: tuple[float, float] | None  # (latitude, longitude)
    wikidata: list[Node]
    websites: list[Node]
    sources: list[Node]
    addresses: list[Node] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The page's title: the resource's label."""
        return self.node.label

    def address_lines(self, address: Node) -> list[list[Node]]:
        """The lines of a postal address: street; postal code and town; anything else the address states."""
        by_predicate = {row.predicate.value: row.values for row in address.details}
        lines = [by_predicate.pop(TL_NS + "streetAddress", [])]
        lines.append(by_predicate.pop(TL_NS + "postalCode", []) + by_predicate.pop(TL_NS + "locality", []))
        lines.extend(by_predicate.values())
        return [line for line in lines if line]

    @property
    def incoming_shown(self) -> int:
        """How many incoming links the page lists."""
        return sum(len(row.values) for row in self.incoming)


def _timeout() -> float | None:
    return current_app.config.get("QUERY_TIMEOUT_SECONDS")


def select(store: Store, query: str) -> list[dict[str, ox.Term]]:
    """Run a SELECT with the project's prefixes and return its rows as dicts of bound variables."""
    outcome = store.query(sparql_prologue() + query, timeout=_timeout())
    rows = []
    for solution in outcome.rows:
        rows.append({name: solution[name] for name in outcome.variables if solution[name] is not None})
    return rows


def construct(store: Store, query: str) -> set[ox.Triple]:
    """Run a CONSTRUCT or DESCRIBE with the project's prefixes and return its triples."""
    outcome = store.query(sparql_prologue() + query, timeout=_timeout())
    return set(outcome.triples)


def iri_term(iri: str) -> str:
    """Return ``iri`` written for a SPARQL query; raises ValueError for a string that is not a valid IRI."""
    return str(ox.NamedNode(iri))


def _values(iris: Iterable[str]) -> str:
    return " ".join(iri_term(i) for i in sorted(set(iris)))


def resource_exists(store: Store, iri: str) -> bool:
    """True when ``iri`` is the subject or the object of some triple."""
    term = iri_term(iri)
    outcome = store.query(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}", timeout=_timeout())
    return bool(outcome.boolean)


def owned_iris(iris: Iterable[str]) -> list[str]:
    """Return those of ``iris`` that name resources owned by another (addresses, memberships…)."""
    prefixes = tuple(f"{ID_BASE}{kind}/" for kind in OWNED_KINDS)
    return sorted({i for i in iris if i.startswith(prefixes)})


def describe_triples(store: Store, iri: str) -> set[ox.Triple]:
    """Return the machine description of ``iri``: its CBD, its owned resources' CBDs and the labels of what it links to.

    A resource that is only ever the object of triples (nothing is said about
    it) is described by those incoming triples instead, so that the answer is
    never empty for an IRI that exists in the graph.
    """
    triples = construct(store, f"DESCRIBE {iri_term(iri)}")
    owned = owned_iris(t.object.value for t in triples if isinstance(t.object, ox.NamedNode))
    if owned:
        triples |= construct(store, "DESCRIBE " + _values(owned))
    if not triples:
        term = iri_term(iri)
        triples = construct(store, f"CONSTRUCT {{ ?s ?p {term} }} WHERE {{ ?s ?p {term} }} LIMIT {INCOMING_LIMIT}")
    linked = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    linked.discard(iri)
    if linked:
        triples |= construct(
            store,
            f"CONSTRUCT {{ ?r ?lp ?label }} WHERE {{ VALUES ?r {{ {_values(linked)} }} "
            f"VALUES ?lp {{ rdfs:label skos:prefLabel }} ?r ?lp ?label }}",
        )
    return triples


def _node(term: ox.Term) -> Node:
    if isinstance(term, ox.NamedNode):
        return Node("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return Node("bnode", term.value)
    if isinstance(term, ox.Literal):
        return Node("literal", term.value, language=term.language, datatype=term.datatype.value if term.datatype else None)
    return Node("literal", str(term))


def _labels(store: Store, iris: set[str]) -> dict[str, dict[str, list[str]]]:
    """Return the labels (rdfs:label, skos:prefLabel) of ``iris``, by IRI and language."""
    labels: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    if not iris:
        return labels
    rows = select(
        store,
        f"SELECT DISTINCT ?r ?label WHERE {{ VALUES ?r {{ {_values(iris)} }} VALUES ?lp {{ rdfs:label skos:prefLabel }} ?r ?lp ?label }}",
    )
    for row in sorted(rows, key=lambda r: (r["r"].value, r["label"].value)):
        label = row["label"]
        language = label.language if isinstance(label, ox.Literal) and label.language else ""
        values = labels[row["r"].value][language]
        if label.value not in values:
            values.append(label.value)
    return labels


def _predicate_order(iri: str) -> tuple[int, str]:
    preferred = [
        PREFIXES["tl"] + name
        for name in (
            "placeKind", "status", "foundingDate", "closingDate", "address", "locality", "website", "wikidataItem",
            "statesValue", "governance", "fundingModel", "legalForm", "operatedBy", "operates", "partOfNetwork",
            "hasMembership", "memberOf", "hasModule", "offersService",
        )
    ]
    return (preferred.index(iri), iri) if iri in preferred else (len(preferred), iri)


def _rows(pairs: list[tuple[ox.Term, ox.Term]]) -> list[PropertyRow]:
    """Group (predicate, value) pairs into rows, in a stable order."""
    grouped: dict[str, list[Node]] = defaultdict(list)
    for predicate, value in pairs:
        grouped[predicate.value].append(_node(value))
    rows = []
    for predicate in sorted(grouped, key=_predicate_order):
        values = sorted(grouped[predicate], key=lambda n: (n.kind, n.language or "", n.value))
        rows.append(PropertyRow(Node("iri", predicate), values))
    return rows


def _apply_labels(nodes: Iterable[Node], labels: dict[str, dict[str, list[str]]]) -> None:
    for node in nodes:
        if node.kind == "iri" and node.value in labels:
            node.labels = {lang: list(values) for lang, values in labels[node.value].items()}


def _walk(rows: list[PropertyRow]) -> Iterable[Node]:
    for row in rows:
        yield row.predicate
        for value in row.values:
            yield value
            yield from _walk(value.details)


def _point(rows: list[PropertyRow]) -> tuple[float, float] | None:
    """Return (lat, long) from wgs84:lat/long, else from the WKT POINT of a nested geometry."""
    by_predicate = {row.predicate.value: row.values for row in rows}
    try:
        if by_predicate.get(WGS84_LAT) and by_predicate.get(WGS84_LONG):
            return float(by_predicate[WGS84_LAT][0].value), float(by_predicate[WGS84_LONG][0].value)
    except ValueError:
        pass
    for geometry in by_predicate.get(GEO_HAS_GEOMETRY, []):
        for row in geometry.details:
            if row.predicate.value == GEO_AS_WKT and row.values:
                match = _POINT.match(row.values[0].value)
                if match:
                    return float(match.group(2)), float(match.group(1))
    return None


def resource_page(store: Store, iri: str) -> ResourcePage | None:
    """Read what the page of ``iri`` shows; None when the IRI appears in no triple."""
    term = iri_term(iri)
    outgoing = select(store, f"SELECT DISTINCT ?p ?o WHERE {{ {term} ?p ?o }}")
    incoming_rows = select(store, f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {term} FILTER(!isBlank(?s)) }} ORDER BY ?p ?s LIMIT {INCOMING_LIMIT}")
    if not outgoing and not incoming_rows:
        return None
    incoming_total = len(incoming_rows)
    if incoming_total == INCOMING_LIMIT:
        count = select(store, f"SELECT (COUNT(DISTINCT *) AS ?n) WHERE {{ ?s ?p {term} FILTER(!isBlank(?s)) }}")
        incoming_total = int(count[0]["n"].value)

    rows = _rows([(r["p"], r["o"]) for r in outgoing])
    # Blank nodes and owned resources are read one level deep and nested under their property.
    nested = {v.value: v for row in rows for v in row.values if v.kind == "bnode" or v.value in owned_iris([v.value])}
    if nested:
        owned_tests = " || ".join(f"STRSTARTS(STR(?r), {ox.Literal(f'{ID_BASE}{kind}/')})" for kind in OWNED_KINDS)
        detail_rows = select(
            store,
            f"SELECT DISTINCT ?r ?p ?o WHERE {{ {term} ?via ?r . FILTER(isBlank(?r) || {owned_tests}) ?r ?p ?o }}",
        )
        details: dict[str, list[tuple[ox.Term, ox.Term]]] = defaultdict(list)
        for row in detail_rows:
            if row["r"].value in nested:
                details[row["r"].value].append((row["p"], row["o"]))
        for key, node in nested.items():
            # The link already shows the owned resource's label; its kind and sources would only repeat the page's.
            node.details = [row for row in _rows(details.get(key, [])) if row.predicate.value not in NESTED_HIDDEN]

    incoming = _rows([(r["p"], r["s"]) for r in incoming_rows])
    node = Node("iri", iri)
    all_nodes = [node, *_walk(rows), *_walk(incoming)]
    labels = _labels(store, {n.value for n in all_nodes if n.kind == "iri"})
    _apply_labels(all_nodes, labels)

    by_predicate = {row.predicate.value: row.values for row in rows}
    return ResourcePage(
        iri=iri,
        node=node,
        types=by_predicate.get(RDF_TYPE, []),
        descriptions=sorted(
            (v for p in DESCRIPTION_PREDICATES for v in by_predicate.get(p, [])),
            key=lambda n: LANGUAGES.index(n.language) if n.language in LANGUAGES else len(LANGUAGES),
        ),
        rows=[row for row in rows if row.predicate.value not in HEADER_PREDICATES],
        incoming=incoming,
        incoming_total=incoming_total,
        point=_point(rows),
        wikidata=by_predicate.get(WIKIDATA_ITEM, []),
        websites=[n for n in by_predicate.get(WEBSITE, []) if n.href],
        sources=by_predicate.get(SOURCE, []),
        addresses=by_predicate.get(ADDRESS, []),
    )


def similar_resources(store: Store, iri: str, limit: int = 10) -> list[Node]:
    """Return labelled resources whose IRI shares the folder of ``iri`` and looks like it (for a 404 page)."""
    folder, _, slug = iri.rpartition("/")
    words = [w for w in re.split(r"[^a-z0-9]+", slug.lower()) if len(w) >= 3][:4]
    if not words:
        return []
    tests = " || ".join(f"CONTAINS(LCASE(STR(?r)), {ox.Literal(w)})" for w in words)
    rows = select(
        store,
        f"SELECT DISTINCT ?r WHERE {{ ?r a ?type . FILTER(isIRI(?r) && STRSTARTS(STR(?r), {ox.Literal(folder + '/')}) && ({tests})) }} "
        f"ORDER BY ?r LIMIT {limit}",
    )
    nodes = [Node("iri", row["r"].value) for row in rows]
    _apply_labels(nodes, _labels(store, {n.value for n in nodes}))
    return nodes
