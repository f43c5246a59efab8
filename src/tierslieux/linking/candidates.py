"""Finding candidate items for our places on a Wikidata endpoint, and fetching what the scorer compares.

Two searches, chosen by :mod:`.capability`:

* **entity-search** — Wikidata's own label search (``wikibase:mwapi``, EntitySearch),
  one search string per name variant, bound through ``VALUES``;
* **label-query** — portable SPARQL: items of our classes (``P31/P279*``) whose
  label or alias, folded like our names, contains one of the distinctive words
  of any of the place's labels (:func:`search_words`: up to three per label, the
  commune's own name left out); and items located in the place's commune
  (``P131`` followed transitively to an item with the INSEE code ``P374``; a
  city's code stands for its arrondissements and the reverse) or, for a place
  with only a commune name, in a commune of that name, with such a label,
  whatever their class.

Every request is a POST carrying one batch of places or items in ``VALUES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..matching.geo import commune_codes, parse_wkt_point
from ..matching.names import GENERIC_WORDS, STOP_WORDS, fold
from .classes import KindClasses
from .client import SparqlClient
from .config import ENTITY_SEARCH
from .places import Place
from .wikidata import PROLOGUE, fold_expression, qid, string_literal

#: Label languages compared with our (French) names.
LABEL_LANGUAGES = ("fr", "en", "mul", "")


@dataclass
class Item:
    """What the scorer knows of one Wikidata item."""

    qid: str
    labels: set[str] = field(default_factory=set)
    label_fr: str | None = None
    description_fr: str | None = None
    coordinates: list[tuple[float, float]] = field(default_factory=list)
    websites: set[str] = field(default_factory=set)
    insee_codes: set[str] = field(default_factory=set)
    commune_labels: set[str] = field(default_factory=set)  # French labels of the entities it is located in (P131*)
    dissolved: bool = False
    classes: set[str] = field(default_factory=set)  # the target classes it is an instance of (through P279*)
    practices: set[str] = field(default_factory=set)  # the target practices it has as use (P366)

    @property
    def display_label(self) -> str:
        """The item's French label, else any label, else its identifier."""
        return self.label_fr or (min(self.labels) if self.labels else self.qid)


def batches(items: list, size: int) -> Iterator[list]:
    """Yield consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def _values(qids: Iterable[str]) -> str:
    return " ".join(f"wd:{q}" for q in sorted(qids))


def name_variants(place: Place) -> list[str]:
    """Return the strings an EntitySearch looks for: each label, and each without its leading article."""
    variants: list[str] = []
    for label in place.labels:
        variants.append(label.strip())
        words = label.strip().split(maxsplit=1)
        if len(words) == 2 and fold(words[0]) in {"la", "le", "les", "l"}:
            variants.append(words[1])
        elif label.lower().startswith(("l'", "l’")):
            variants.append(label.strip()[2:])
    return list(dict.fromkeys(v for v in variants if v))


#: Words per label a label query searches for, and in all.
WORDS_PER_LABEL, MOST_WORDS = 3, 6


def search_words(place: Place) -> list[str]:
    """Return the folded words a label query looks for: the most distinctive of every label, longest first.

    Articles, prepositions and generic words (``espace``, ``coworking``…) are left
    out unless a label has nothing else, and so are the words of the commune's
    name, which would find every item of the town.
    """
    town = set(fold(place.commune or "").split())
    found: list[str] = []
    for label in place.labels:
        every = fold(label).split()
        meaningful = [w for w in every if w not in STOP_WORDS and len(w) > 1]
        distinctive = [w for w in meaningful if w not in GENERIC_WORDS and w not in town]
        chosen = distinctive or [w for w in meaningful if w not in town] or meaningful or every
        found.extend(sorted(set(chosen), key=lambda w: (-len(w), w))[:WORDS_PER_LABEL])
    return list(dict.fromkeys(found))[:MOST_WORDS]


def _entity_search_query(rows: list[tuple[str, str]]) -> str:
    values = " ".join(f"({string_literal(k)} {string_literal(name)})" for k, name in rows)
    return (
        PROLOGUE
        + f"""SELECT DISTINCT ?key ?item WHERE {{
  VALUES (?key ?name) {{ {values} }}
  SERVICE wikibase:mwapi {{
    bd:serviceParam wikibase:endpoint "www.wikidata.org" ;
                    wikibase:api "EntitySearch" ;
                    mwapi:search ?name ;
                    mwapi:language "fr" .
    ?item wikibase:apiOutputItem mwapi:item .
  }}
}}"""
    )


def _class_label_query(rows: list[tuple[str, str]], kind_classes: KindClasses) -> str | None:
    branches = []
    if kind_classes.all_classes:
        branches.append(f"{{ VALUES ?class {{ {_values(kind_classes.all_classes)} }} ?item wdt:P31/wdt:P279* ?class . }}")
    if kind_classes.all_practices:
        branches.append(f"{{ VALUES ?use {{ {_values(kind_classes.all_practices)} }} ?item wdt:P366 ?use . }}")
    if not branches:
        return None
    values = " ".join(f"({string_literal(k)} {string_literal(n)})" for k, n in rows)
    return (
        PROLOGUE
        + f"""SELECT DISTINCT ?key ?item WHERE {{
  VALUES (?key ?needle) {{ {values} }}
  {" UNION ".join(branches)}
  ?item rdfs:label|skos:altLabel ?label .
  FILTER(CONTAINS({fold_expression("label")}, ?needle))
}}"""
    )


def _commune_label_query(rows: list[tuple[str, str, str]]) -> str:
    values = " ".join(f"({string_literal(k)} {string_literal(n)} {string_literal(c)})" for k, n, c in rows)
    return (
        PROLOGUE
        + f"""SELECT DISTINCT ?key ?item WHERE {{
  VALUES (?key ?needle ?insee) {{ {values} }}
  ?commune wdt:P374 ?insee .
  ?item wdt:P131+ ?commune .
  ?item rdfs:label|skos:altLabel ?label .
  FILTER(CONTAINS({fold_expression("label")}, ?needle))
}}"""
    )


def _commune_name_query(rows: list[tuple[str, str, str]]) -> str:
    values = " ".join(f"({string_literal(k)} {string_literal(n)} {string_literal(c)})" for k, n, c in rows)
    return (
        PROLOGUE
        + f"""SELECT DISTINCT ?key ?item WHERE {{
  VALUES (?key ?needle ?town) {{ {values} }}
  ?item rdfs:label|skos:altLabel ?label .
  FILTER(CONTAINS({fold_expression("label")}, ?needle))
  ?item wdt:P131+ ?commune .
  ?commune wdt:P374 ?code ; rdfs:label ?townLabel .
  FILTER(LANG(?townLabel) = "fr" && REPLACE({fold_expression("townLabel")}, "^ +| +$", "") = ?town)
}}"""
    )


def _collect(client: SparqlClient, query: str, keys: dict[str, str], found: dict[str, set[str]]) -> None:
    for row in client.select(query):
        key, item = row.get("key", {}).get("value"), qid(row.get("item", {}).get("value", ""))
        if key in keys and item:
            found[keys[key]].add(item)


def search_candidates(
    client: SparqlClient,
    places: list[Place],
    kind_classes: KindClasses,
    mode: str,
    batch_size: int,
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, set[str]]:
    """Return, for each place IRI, the identifiers of the items the search found."""
    found: dict[str, set[str]] = {p.iri: set() for p in places}
    for batch in batches(places, batch_size):
        keys = {str(i): p.iri for i, p in enumerate(batch)}
        if mode == ENTITY_SEARCH:
            rows = [(str(i), v) for i, p in enumerate(batch) for v in name_variants(p)]
            _collect(client, _entity_search_query(rows), keys, found)
        else:
            needles = [(str(i), word) for i, p in enumerate(batch) for word in search_words(p)]
            class_query = _class_label_query(needles, kind_classes) if needles else None
            if class_query:
                _collect(client, class_query, keys, found)
            in_communes = [(k, n, code) for (k, n) in needles for code in communes_of(batch[int(k)])]
            if in_communes:
                _collect(client, _commune_label_query(in_communes), keys, found)
            by_name = [(k, n, fold(batch[int(k)].commune or "")) for (k, n) in needles
                       if not batch[int(k)].insee and batch[int(k)].commune]
            if by_name:
                _collect(client, _commune_name_query(by_name), keys, found)
        progress(len(batch))
    return found


def communes_of(place: Place) -> list[str]:
    """Return the INSEE codes an item of the place's commune may carry (its city's, or its arrondissements')."""
    return sorted(commune_codes(place.insee))


def _details_query(qids: list[str]) -> str:
    languages = ", ".join(f'"{lang}"' for lang in LABEL_LANGUAGES)
    return (
        PROLOGUE
        + f"""SELECT ?item ?label ?labelKind ?description ?coordinates ?website ?insee ?adminLabel ?dissolved WHERE {{
  VALUES ?item {{ {_values(qids)} }}
  {{ ?item rdfs:label ?label . BIND(IF(LANG(?label) = "fr", "fr", "other") AS ?labelKind) FILTER(LANG(?label) IN ({languages})) }}
  UNION {{ ?item skos:altLabel ?label . BIND("alias" AS ?labelKind) FILTER(LANG(?label) IN ({languages})) }}
  UNION {{ ?item schema:description ?description . FILTER(LANG(?description) = "fr") }}
  UNION {{ ?item wdt:P625 ?coordinates . }}
  UNION {{ ?item wdt:P856 ?website . }}
  UNION {{ ?item wdt:P131/wdt:P131* ?admin . ?admin wdt:P374 ?insee .
           OPTIONAL {{ ?admin rdfs:label ?adminLabel . FILTER(LANG(?adminLabel) = "fr") }} }}
  UNION {{ ?item wdt:P576 ?dissolved . }}
}}"""
    )


def _membership_query(qids: list[str], kind_classes: KindClasses) -> str | None:
    branches = []
    if kind_classes.all_classes:
        branches.append(
            f"{{ VALUES ?class {{ {_values(kind_classes.all_classes)} }} ?item wdt:P31/wdt:P279* ?class . BIND(\"class\" AS ?how) }}"
        )
    if kind_classes.all_practices:
        branches.append(
            f"{{ VALUES ?class {{ {_values(kind_classes.all_practices)} }} ?item wdt:P366 ?class . BIND(\"use\" AS ?how) }}"
        )
    if not branches:
        return None
    return (
        PROLOGUE
        + f"""SELECT DISTINCT ?item ?class ?how WHERE {{
  VALUES ?item {{ {_values(qids)} }}
  {" UNION ".join(branches)}
}}"""
    )


def fetch_items(
    client: SparqlClient,
    qids: set[str],
    kind_classes: KindClasses,
    batch_size: int,
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, Item]:
    """Return the details of every item in ``qids``: labels, description, coordinates, websites, communes, classes."""
    items = {q: Item(q) for q in qids}
    for batch in batches(sorted(qids), batch_size):
        for row in client.select(_details_query(batch)):
            item = items.get(qid(row["item"]["value"]) or "")
            if item is None:
                continue
            if "label" in row:
                item.labels.add(row["label"]["value"])
                if row.get("labelKind", {}).get("value") == "fr":
                    item.label_fr = row["label"]["value"]
            if "description" in row and item.description_fr is None:
                item.description_fr = row["description"]["value"]
            if "coordinates" in row:
                point = parse_wkt_point(row["coordinates"]["value"])
                if point and point not in item.coordinates:
                    item.coordinates.append(point)
            if "website" in row:
                item.websites.add(row["website"]["value"])
            if "insee" in row:
                item.insee_codes.add(row["insee"]["value"])
            if "adminLabel" in row:
                item.commune_labels.add(row["adminLabel"]["value"])
            if "dissolved" in row:
                item.dissolved = True
        membership = _membership_query(batch, kind_classes)
        if membership:
            for row in client.select(membership):
                item = items.get(qid(row["item"]["value"]) or "")
                target = qid(row["class"]["value"])
                if item is not None and target:
                    (item.classes if row["how"]["value"] == "class" else item.practices).add(target)
        progress(len(batch))
    return items
