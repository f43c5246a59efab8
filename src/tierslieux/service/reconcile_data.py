"""What the reconciliation service knows of the published places, read once per release from the store.

One SPARQL query (:data:`PLACES_QUERY`) reads every place's names, types, kinds,
coordinates, commune (INSEE code and name), postcode, website, life cycle,
values and Wikidata item; :class:`Catalogue` keeps them with the matcher's
:class:`~tierslieux.matching.Index` over them, the types and the kinds. It is
built once per release and kept in the store registry's per-release cache
(:meth:`~.stores.StoreRegistry.cache`), so a request never re-reads the graph.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from ..matching import Description, Index, load_kind_hierarchy, load_settings
from ..matching.decision import Settings
from ..matching.geo import commune_label_key
from ..matching.names import fold
from ..namespaces import ID_BASE, LIFE_CYCLE, PLACE_KIND, TL
from ..stores.base import Store

PLACE_BASE = f"{ID_BASE}place/"
ONTOLOGY = str(TL._NS)
KIND_BASE = str(PLACE_KIND._NS)
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
CACHE_KEY = "reconciliation-catalogue"
_build_lock = threading.Lock()

PLACES_QUERY = f"""PREFIX tl: <{ONTOLOGY}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#>
SELECT ?place ?what ?value ?extra WHERE {{
  ?place a tl:ThirdPlace .
  {{ ?place rdfs:label ?value . BIND("name" AS ?what) }}
  UNION {{ ?place a ?value . FILTER(STRSTARTS(STR(?value), STR(tl:))) BIND("type" AS ?what) }}
  UNION {{ ?place tl:placeKind ?value . BIND("kind" AS ?what) }}
  UNION {{ ?place wgs84:lat ?value ; wgs84:long ?extra . BIND("point" AS ?what) }}
  UNION {{ ?place tl:locality ?locality . OPTIONAL {{ ?locality tl:inseeCode ?value }}
           OPTIONAL {{ ?locality rdfs:label ?extra FILTER(LANG(?extra) = "fr" || LANG(?extra) = "") }} BIND("commune" AS ?what) }}
  UNION {{ ?place tl:address/tl:postalCode ?value . BIND("postcode" AS ?what) }}
  UNION {{ ?place tl:website ?value . BIND("website" AS ?what) }}
  UNION {{ ?place tl:status ?value . BIND("status" AS ?what) }}
  UNION {{ ?place tl:closingDate ?value . BIND("closed" AS ?what) }}
  UNION {{ ?place tl:statesValue ?concept . ?concept skos:prefLabel ?value . FILTER(LANG(?value) = "fr") BIND("values" AS ?what) }}
  UNION {{ ?place tl:wikidataItem ?value . BIND("wikidata" AS ?what) }}
}}"""

LABELS_QUERY = f"""PREFIX tl: <{ONTOLOGY}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?thing ?label ?lang WHERE {{
  {{ ?thing rdfs:subClassOf* tl:ThirdPlace ; rdfs:label ?label . }}
  UNION {{ ?thing skos:inScheme ?scheme ; skos:prefLabel ?label . FILTER(STRSTARTS(STR(?thing), "{KIND_BASE}")) }}
  BIND(LANG(?label) AS ?lang)
}}"""

#: The properties a query may condition on and an extension may fetch: id → English name.
PROPERTIES = {
    "commune": "Commune (name or INSEE code)",
    "insee": "INSEE code of the commune",
    "postcode": "Postcode",
    "website": "Website",
    "coordinates": "Coordinates (latitude,longitude)",
    "kind": "Kind of place",
    "values": "Values stated",
    "wikidata": "Wikidata item",
}
#: Properties a query may use as conditions (the others are only fetched).
CONDITION_PROPERTIES = ("commune", "insee", "postcode", "website", "coordinates", "kind")
CLOSED_STATUS = str(LIFE_CYCLE["ferme"])


@dataclass
class PlaceRecord:
    """One published place, as the service shows and compares it."""

    id: str  # the slug: the IRI is PLACE_BASE + id
    names: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    point: tuple[float, float] | None = None
    insee: str | None = None
    commune: str | None = None
    postcodes: set[str] = field(default_factory=set)
    websites: set[str] = field(default_factory=set)
    closed: bool = False
    values: set[str] = field(default_factory=set)
    wikidata: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        """The place's preferred name (its first French label)."""
        return self.names[0] if self.names else self.id

    def description(self) -> Description:
        """The place as the matcher compares it."""
        return Description(
            id=self.id, names=tuple(self.names), kinds=frozenset(self.kinds), point=self.point,
            insee=frozenset({self.insee}) if self.insee else frozenset(),
            commune_names=(self.commune,) if self.commune else (), postcodes=frozenset(self.postcodes),
            websites=tuple(sorted(self.websites)), closed=self.closed,
        )


@dataclass
class Catalogue:
    """The places of one release, their index, and the labels of types and kinds."""

    places: dict[str, PlaceRecord]
    index: Index
    settings: Settings
    type_labels: dict[str, dict[str, str]]  # local name → {lang: label}
    kind_labels: dict[str, dict[str, str]]  # kind slug → {lang: label}

    def type_name(self, type_id: str, lang: str = "en") -> str:
        """Return a type's label in ``lang`` (English, French, or its identifier)."""
        labels = self.type_labels.get(type_id, {})
        return labels.get(lang) or labels.get("en") or labels.get("fr") or type_id

    def kind_name(self, kind: str, lang: str = "fr") -> str:
        """Return a kind's label in ``lang`` (French, English, or its slug)."""
        labels = self.kind_labels.get(kind, {})
        return labels.get(lang) or labels.get("fr") or labels.get("en") or kind

    def kind_of(self, text: str) -> str | None:
        """Return the kind a value names (its slug, IRI or a label in any language), or None."""
        text = text.strip()
        text = text.removeprefix(KIND_BASE)
        if text in self.kind_labels:
            return text
        wanted = fold(text)
        for kind, labels in self.kind_labels.items():
            if wanted in {fold(label) for label in labels.values()} or wanted == fold(kind):
                return kind
        return None


def _rows(store: Store, sparql: str, timeout: float | None) -> list[dict]:
    outcome = store.query(sparql, timeout=timeout)
    try:
        names = [str(getattr(v, "value", v)) for v in outcome.variables]
        return [{n: row[v] for n, v in zip(names, outcome.variables, strict=True)} for row in outcome.rows]
    finally:
        outcome.close()


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_places(store: Store, timeout: float | None = None) -> dict[str, PlaceRecord]:
    """Read every place of ``store`` (see :data:`PLACES_QUERY`)."""
    places: dict[str, PlaceRecord] = {}
    french: dict[str, list[str]] = {}
    for row in _rows(store, PLACES_QUERY, timeout):
        iri = row["place"].value
        if not iri.startswith(PLACE_BASE):
            continue
        place = places.setdefault(iri[len(PLACE_BASE):], PlaceRecord(iri[len(PLACE_BASE):]))
        what, value, extra = row["what"].value, row.get("value"), row.get("extra")
        text = value.value if value is not None else None
        if what == "name" and text:
            is_french = getattr(value, "language", None) == "fr"
            (french.setdefault(place.id, []) if is_french else place.names).append(text)
        elif what == "type" and text:
            place.types.add(text[len(ONTOLOGY):])
        elif what == "kind" and text and text.startswith(KIND_BASE):
            place.kinds.add(text[len(KIND_BASE):])
        elif what == "point" and text and extra is not None:
            lat, lon = _float(text), _float(extra.value)
            if lat is not None and lon is not None:
                place.point = (lat, lon)
        elif what == "commune":
            place.insee = place.insee or text
            place.commune = place.commune or (extra.value if extra is not None else None)
        elif what == "postcode" and text:
            place.postcodes.add(text)
        elif what == "website" and text:
            place.websites.add(text)
        elif what == "status" and text == CLOSED_STATUS or what == "closed":
            place.closed = True
        elif what == "values" and text:
            place.values.add(text)
        elif what == "wikidata" and text and text.startswith(WIKIDATA_ENTITY):
            place.wikidata.add(text[len(WIKIDATA_ENTITY):])
    for place in places.values():
        ordered = sorted(set(french.get(place.id, []))) + sorted(set(place.names) - set(french.get(place.id, [])))
        place.names = list(dict.fromkeys(ordered))
    return places


def read_labels(store: Store, timeout: float | None = None) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Read the labels of the place classes and of the place kinds: (types, kinds), each id → {lang: label}."""
    types: dict[str, dict[str, str]] = {}
    kinds: dict[str, dict[str, str]] = {}
    for row in _rows(store, LABELS_QUERY, timeout):
        iri, label, lang = row["thing"].value, row["label"].value, row["lang"].value if row.get("lang") else ""
        if iri.startswith(ONTOLOGY):
            types.setdefault(iri[len(ONTOLOGY):], {}).setdefault(lang or "en", label)
        elif iri.startswith(KIND_BASE):
            kinds.setdefault(iri[len(KIND_BASE):], {}).setdefault(lang or "fr", label)
    return types, kinds


def build_catalogue(store: Store, timeout: float | None = None) -> Catalogue:
    """Read the places and labels of ``store`` and index the places for matching."""
    places = read_places(store, timeout)
    types, kinds = read_labels(store, timeout)
    index = Index([p.description() for p in places.values() if p.names], load_kind_hierarchy())
    return Catalogue(places, index, load_settings("reconcile"), types, kinds)


def catalogue_for(store: Store, cache: dict, timeout: float | None = None) -> Catalogue:
    """Return the catalogue of ``store``, built at most once per release and kept in ``cache`` (the registry's)."""
    found = cache.get(CACHE_KEY)
    if found is None:
        with _build_lock:
            found = cache.get(CACHE_KEY)
            if found is None:
                found = build_catalogue(store, timeout)
                cache[CACHE_KEY] = found
    return found


_POINT = re.compile(r"^\s*(?:point\s*\(\s*)?([-+]?\d+(?:[.,]\d+)?)\s*[,; ]\s*([-+]?\d+(?:[.,]\d+)?)\s*\)?\s*$", re.IGNORECASE)
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)
_POSTCODE = re.compile(r"^\d{5}$")


def parse_point(text: str) -> tuple[float, float] | None:
    """Return (latitude, longitude) from ``"45.76,4.83"`` (or separated by a semicolon or a space), else None."""
    match = _POINT.match(text.replace(", ", ","))
    if not match:
        return None
    lat, lon = (float(g.replace(",", ".")) for g in match.groups())
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def query_description(name: str, conditions: dict[str, list[str]], catalogue: Catalogue) -> Description:
    """Return a reconciliation query (its name and property values by property id) as the matcher compares it."""
    postcodes = {v.strip() for v in conditions.get("postcode", []) if _POSTCODE.match(v.strip())}
    insee: set[str] = set()
    communes: list[str] = []
    for value in conditions.get("commune", []) + conditions.get("insee", []):
        code = value.strip().upper()
        if code in postcodes:
            continue  # the postcode, in the commune's column too
        if _INSEE.match(code):
            insee.add(code)  # a commune column holding INSEE codes
        else:
            communes.append(value)
    point = next((p for p in (parse_point(v) for v in conditions.get("coordinates", [])) if p), None)
    kinds = {k for k in (catalogue.kind_of(v) for v in conditions.get("kind", [])) if k}
    return Description(
        id="(query)", names=(name,), kinds=frozenset(kinds), point=point, insee=frozenset(insee),
        commune_names=tuple(c for c in communes if commune_label_key(c)), postcodes=frozenset(postcodes),
        websites=tuple(v for v in conditions.get("website", []) if v.strip()),
    )
