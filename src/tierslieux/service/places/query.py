"""Places from the store: a page of places with the total (one query), and the facet counts (one query).

A page is read in long form, one row per (place, field, value), so that a
place with two kinds and three identifiers costs five rows rather than their
product; the rows are assembled into one record per place here. Records hold
plain values (strings, numbers, lists), in the order the page asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

from ...namespaces import GRAPH_BASE, ID_BASE, TL, WGS84, sparql_prologue
from ...queries.published import published
from ...stores.base import Store
from .filters import DEPARTMENT_PATH, FACETS, FACETS_BY_NAME, REGION_PATH, Filters, matching_places, where_clause

PLACE_BASE = ID_BASE + "place/"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
#: Most places in one page (the explorer's map asks for every place in one page of the ``map`` field set).
MAX_LIMIT = 100_000
DEFAULT_LIMIT = 100
#: Places whose fields one query reads (each of its branches repeats their IRIs).
FIELDS_CHUNK = 500
LANGUAGES = ("fr", "en")

#: The fields read for each place of a page beyond its name and coordinates: the pattern binding ?value (and ?label).
_FIELDS: dict[str, str] = {
    "kinds": "?place tl:placeKind ?value . OPTIONAL { ?value skos:prefLabel ?label }",
    # single-valued groups (docs/merging.md): the published value, not every source's
    "website": published("?place", TL.website, "?value"),
    "street": published("?place", TL.address, "?address") + " ?address tl:streetAddress ?value .",
    "postcode": published("?place", TL.address, "?address") + " ?address tl:postalCode ?value .",
    "commune": "?place tl:locality ?value . OPTIONAL { ?value rdfs:label ?label }",
    "insee": "?place tl:locality/tl:inseeCode ?value .",
    "department": f"?place {DEPARTMENT_PATH} ?value . OPTIONAL {{ ?value rdfs:label ?label }}",
    "region": f"?place {REGION_PATH} ?value . OPTIONAL {{ ?value rdfs:label ?label }}",
    "networks": "?place tl:partOfNetwork ?value . OPTIONAL { ?value rdfs:label ?label }",
    "values": "?place tl:statesValue ?value . OPTIONAL { ?value skos:prefLabel ?label }",
    "status": published("?place", TL.status, "?value") + " OPTIONAL { ?value skos:prefLabel ?label }",
    "wikidata": "?place tl:wikidataItem ?value .",
    "identifiers": "?place dct:identifier ?value .",
    "sources": "GRAPH ?value { ?place a tl:ThirdPlace }",
}
#: The field sets a request may ask for with ``fields=``: everything, or what a map marker needs (one query).
FIELD_SETS = {"all": ("name", "latitude", "longitude", *_FIELDS), "map": ("name", "latitude", "longitude")}
_MULTI = {"kinds", "networks", "values", "status", "identifiers", "sources"}
_LABELLED = {"kinds", "commune", "department", "region", "networks", "values", "status"}


@dataclass
class Page:
    """One page of places: the records, the number of places matching, and where the page starts."""

    records: list[dict]
    total: int
    offset: int
    limit: int


@dataclass
class FacetValue:
    """One value of a facet with the number of places having it."""

    code: str
    iri: str
    count: int
    label: str


class PageSource(Protocol):
    """Pages of places chosen without the page query (the release's index, :mod:`.index`)."""

    def answers(self, filters: Filters) -> bool:
        """Whether :meth:`select` can choose the page for ``filters``."""

    def select(self, filters: Filters, offset: int, limit: int) -> Page:
        """The page the page query would give, without the fields beyond names and coordinates."""


def _term(term: ox.Term | None) -> str | None:
    return None if term is None else term.value


def page_query(filters: Filters, offset: int, limit: int) -> str:
    """The SPARQL query for a page of places (sorted by French name, then IRI) with their names and coordinates, and the total.

    The total comes in a row of its own (``?total`` bound, ``?place`` not).
    """
    matching = matching_places(filters)
    return f"""{sparql_prologue()}
SELECT ?place ?key ?name ?anyName ?lat ?long ?total WHERE {{
  {{
    SELECT ?place (MIN(LCASE(STR(?frName))) AS ?key) (SAMPLE(?frName) AS ?name) (SAMPLE(?someName) AS ?anyName)
           (SAMPLE(?placeLat) AS ?lat) (SAMPLE(?placeLong) AS ?long) WHERE {{
      {matching}
      OPTIONAL {{ ?place rdfs:label ?frName FILTER(LANG(?frName) = "fr") }}
      OPTIONAL {{ ?place rdfs:label ?someName }}
      OPTIONAL {{ {published("?place", WGS84.lat, "?placeLat")} {published("?place", WGS84.long, "?placeLong")} }}
    }} GROUP BY ?place ORDER BY ?key ?place OFFSET {int(offset)} LIMIT {int(limit)}
  }} UNION {{
    SELECT (COUNT(?place) AS ?total) WHERE {matching}
  }}
}}"""


def fields_query(places: list[str], fields: tuple[str, ...]) -> str:
    """The SPARQL query reading ``fields`` of ``places``, one row per value.

    Each branch has its own VALUES block: Oxigraph joins a VALUES block outside
    a UNION with the union's result, which it computes for every place.
    """
    values = "VALUES ?place { " + " ".join(f"<{iri}>" for iri in places) + " }"
    branches = " UNION ".join(f'{{ {values} BIND("{name}" AS ?field) {_FIELDS[name]} }}' for name in fields)
    return f"{sparql_prologue()}\nSELECT ?place ?field ?value ?label WHERE {{ {branches} }}"


def _pick_label(labels: dict[str, str], lang: str) -> str | None:
    return labels.get(lang) or labels.get("fr") or labels.get("") or next(iter(sorted(labels.values())), None)


def _number(term: ox.Term | None) -> float | None:
    try:
        return float(term.value) if term is not None else None
    except ValueError:
        return None


def fetch_page(
    store: Store, filters: Filters, *, offset: int = 0, limit: int = DEFAULT_LIMIT, fields: str = "all", lang: str = "fr",
    timeout: float | None = None, index: PageSource | None = None,
) -> Page:
    """Run the page query (and, for ``fields="all"``, the fields query) on ``store``; return the page's records.

    With the release's ``index`` (:mod:`.index`), a page whose filters it answers
    (none, or a bounding box) is chosen from it instead of by the page query;
    the fields of its places are read from the store all the same.
    """
    if index is not None and index.answers(filters):
        page = index.select(filters, offset, limit)
    else:
        page = _query_page(store, filters, offset, limit, timeout)
    records = page.records
    extra = tuple(f for f in FIELD_SETS[fields] if f in _FIELDS)
    if records and extra:
        found: dict[str, dict[str, dict[str, dict[str, str]]]] = {r["id"]: {} for r in records}
        places = list(found)
        for start in range(0, len(places), FIELDS_CHUNK):  # a query's VALUES blocks stay a few hundred IRIs long
            for row in store.query(fields_query(places[start : start + FIELDS_CHUNK], extra), timeout=timeout).rows:
                value, label = row["value"], row["label"]
                labels = found[row["place"].value].setdefault(row["field"].value, {}).setdefault(value.value, {})
                if isinstance(label, ox.Literal):
                    labels[label.language or ""] = label.value
        for record in records:
            record.update(_fields(found[record["id"]], extra, lang))
    return page


def _query_page(store: Store, filters: Filters, offset: int, limit: int, timeout: float | None) -> Page:
    """The page's places with their names and coordinates, and the total, from the page query."""
    outcome = store.query(page_query(filters, offset, limit), timeout=timeout)
    total, rows = 0, []
    for row in outcome.rows:
        if row["place"] is None:
            total = int(row["total"].value)
        else:
            rows.append(row)
    rows.sort(key=lambda row: (_term(row["key"]) or "", row["place"].value))  # a join need not keep a sub-select's order
    records = []
    for row in rows:
        iri = row["place"].value
        records.append(
            {
                "id": iri,
                "slug": iri[len(PLACE_BASE) :] if iri.startswith(PLACE_BASE) else None,
                "name": _term(row["name"]) or _term(row["anyName"]),
                "latitude": _number(row["lat"]),
                "longitude": _number(row["long"]),
            }
        )
    return Page(records, total, offset, limit)


def _fields(fields: dict[str, dict[str, dict[str, str]]], chosen: tuple[str, ...], lang: str) -> dict:
    record: dict = {}
    for name in chosen:
        values = fields.get(name, {})
        if name in _LABELLED:
            facet = {"kinds": "kind", "networks": "network", "values": "value"}.get(name, name)
            items = sorted(
                ({"code": _code(facet, iri), "label": _pick_label(labels, lang) or iri} for iri, labels in values.items()),
                key=lambda item: (item["label"], item["code"] or ""),
            )
            record[name] = items if name in _MULTI else (items[0] if items else None)
        elif name == "sources":
            record[name] = sorted(v[len(GRAPH_BASE) :] if v.startswith(GRAPH_BASE) else v for v in values)
        elif name in _MULTI:
            record[name] = sorted(values)
        else:
            record[name] = min(values) if values else None
    return record


def _code(facet: str, iri: str) -> str | None:
    found = FACETS_BY_NAME.get(facet)
    if found is None:  # a commune: its path under /id/
        return iri[len(ID_BASE) :] if iri.startswith(ID_BASE) else iri
    return found.code(iri)


def facets_query(filters: Filters) -> str:
    """The SPARQL query counting, for each facet value, the places kept by ``filters`` that have it (and the total).

    Each facet is counted in a sub-select of its own, with the filters inside:
    Oxigraph evaluates a filtered sub-select shared by the branches of a union
    once per branch and place, ten times slower.
    """
    where = where_clause(filters)
    labels = (
        'OPTIONAL { ?value rdfs:label|skos:prefLabel ?fr FILTER(LANG(?fr) = "fr") } '
        'OPTIONAL { ?value rdfs:label|skos:prefLabel ?en FILTER(LANG(?en) = "en") }'
    )
    branches = [
        f'{{ {{ SELECT ?value (COUNT(DISTINCT ?place) AS ?count) WHERE {{ {where}\n  {f.graph_pattern("value")} }} GROUP BY ?value }} '
        f'BIND("{f.name}" AS ?facet) {labels} }}'
        for f in FACETS
    ]
    branches.append(f'{{ {{ SELECT (COUNT(DISTINCT ?place) AS ?count) WHERE {{ {where} }} }} BIND("total" AS ?facet) }}')
    return f"""{sparql_prologue()}
SELECT ?facet ?value ?count (SAMPLE(?fr) AS ?labelFr) (SAMPLE(?en) AS ?labelEn) WHERE {{
  {" UNION ".join(branches)}
}} GROUP BY ?facet ?value ?count"""


@dataclass(frozen=True)
class FacetCounts:
    """What the facet query answers, before a language is chosen: the total and (facet, IRI, count, French label, English label) rows."""

    total: int
    rows: tuple[tuple[str, str, int, str | None, str | None], ...]


def read_facets(store: Store, filters: Filters, *, timeout: float | None = None) -> FacetCounts:
    """Run the facet query on ``store``; the rows keep the values that can be filtered on, with both labels."""
    outcome = store.query(facets_query(filters), timeout=timeout)
    total, rows = 0, []
    for row in outcome.rows:
        facet, count = row["facet"].value, int(row["count"].value)
        if facet == "total":
            total = count
            continue
        iri = _term(row["value"])
        if not iri or FACETS_BY_NAME[facet].code(iri) is None:
            continue  # a value outside the facet's base (a network described elsewhere) cannot be filtered on
        rows.append((facet, iri, count, _term(row["labelFr"]), _term(row["labelEn"])))
    return FacetCounts(total, tuple(rows))


def facets_in(counts: FacetCounts, lang: str) -> tuple[int, dict[str, list[FacetValue]]]:
    """The number of places and each facet's values labelled in ``lang``, most frequent first."""
    facets: dict[str, list[FacetValue]] = {f.name: [] for f in FACETS}
    for facet, iri, count, label_fr, label_en in counts.rows:
        code = FACETS_BY_NAME[facet].code(iri)
        labels = {"fr": label_fr, "en": label_en}
        facets[facet].append(FacetValue(code, iri, count, labels.get(lang) or label_fr or label_en or code))
    for values in facets.values():
        values.sort(key=lambda v: (-v.count, v.label.lower(), v.code))
    return counts.total, facets


def fetch_facets(store: Store, filters: Filters, *, lang: str = "fr", timeout: float | None = None) -> tuple[int, dict[str, list[FacetValue]]]:
    """Return the number of places kept by ``filters`` and each facet's values, most frequent first."""
    return facets_in(read_facets(store, filters, timeout=timeout), lang)
