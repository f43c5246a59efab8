"""The filters of a places request, read from the query string and written as SPARQL graph patterns.

Every filter is a query-string parameter; a facet given several times keeps
the places having any of the values (``kind=fablab&kind=coworking``), and
different facets all apply. Facet values are short codes: an IRI less its
facet's base (``kind=fablab`` is ``…/vocab/place-kind/fablab``, ``region=84``
is ``…/id/region/84``, ``source=census/cget-2019`` is the named graph
``…/graph/census/cget-2019``). Codes are checked against a strict pattern and
text is written as an escaped SPARQL string: nothing from the request is
pasted into a query unchecked. A bad value raises :class:`FilterError`,
which names the parameter and what it accepts (the API answers 400 with it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...namespaces import GRAPH_BASE, ID_BASE, TL, VOCAB_BASE, WGS84
from ...queries.published import published

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*(/[A-Za-z0-9][A-Za-z0-9._~-]*)*$")
#: Longest text searched for, in characters.
MAX_TEXT = 200
#: Region through the commune's department, the place's department, or the place itself (queries/places-by-region.rq).
REGION_PATH = "tl:region|tl:department/tl:region|tl:locality/tl:region|tl:locality/tl:department/tl:region"
DEPARTMENT_PATH = "tl:department|tl:locality/tl:department"


@dataclass(frozen=True)
class Facet:
    """One facet: its parameter name, the base its codes are relative to, the pattern linking a place to a value."""

    name: str
    base: str
    pattern: str  # a graph pattern binding ?place to ?{var}; {var} is replaced by the variable's name
    label_en: str
    label_fr: str

    def iri(self, code: str) -> str:
        """The IRI of the value ``code``."""
        return self.base + code

    def code(self, iri: str) -> str | None:
        """The code of the value ``iri``, or None when the IRI is not under this facet's base."""
        return iri[len(self.base) :] if iri.startswith(self.base) else None

    def graph_pattern(self, var: str) -> str:
        """The pattern linking ``?place`` to the variable ``var``."""
        return self.pattern.replace("{var}", var)


FACETS: tuple[Facet, ...] = (
    Facet("kind", VOCAB_BASE + "place-kind/", "?place tl:placeKind ?{var} .", "Kind", "Type"),
    Facet("region", ID_BASE + "region/", f"?place {REGION_PATH} ?{{var}} .", "Region", "Région"),
    Facet("department", ID_BASE + "department/", f"?place {DEPARTMENT_PATH} ?{{var}} .", "Department", "Département"),
    Facet("network", ID_BASE, "?place tl:partOfNetwork ?{var} .", "Network", "Réseau"),
    Facet("value", VOCAB_BASE, "?place tl:statesValue ?{var} .", "Stated value", "Valeur revendiquée"),
    Facet("status", VOCAB_BASE + "life-cycle/", published("?place", TL.status, "?{var}"), "Life-cycle status", "Statut"),
    Facet("source", GRAPH_BASE, "GRAPH ?{var} { ?place a tl:ThirdPlace }", "Source", "Source"),
)
FACETS_BY_NAME = {f.name: f for f in FACETS}


class FilterError(ValueError):
    """A filter parameter has a value that cannot be used; the message names it and says what is accepted."""


@dataclass(frozen=True)
class Filters:
    """What a request keeps: facet values (codes), a text, a bounding box (west, south, east, north)."""

    values: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet, codes), sorted by facet: hashable, to key answers
    text: str = ""
    bbox: tuple[float, float, float, float] | None = None
    places: tuple[str, ...] = ()  # IRIs of places (one place's answer), never read from the query string

    def is_empty(self) -> bool:
        """True when every place is kept."""
        return not self.values and not self.text and self.bbox is None and not self.places


def sparql_string(text: str) -> str:
    """``text`` as a SPARQL string literal (quotes, backslashes and line ends escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


def _bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    message = f"bbox={raw!r}: give west,south,east,north in degrees (WGS84 longitudes and latitudes), e.g. bbox=2.2,48.8,2.5,48.9"
    if len(parts) != 4:
        raise FilterError(message)
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise FilterError(message) from None
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90) or west > east:
        raise FilterError(message + "; west must not exceed east, south not north, within ±180 and ±90")
    return west, south, east, north


def parse_filters(args) -> Filters:
    """Read the filters of a query string (a Werkzeug ``MultiDict``); raises :class:`FilterError` on a bad value."""
    values: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        codes = [code.strip() for raw in args.getlist(facet.name) for code in raw.split(",") if code.strip()]
        for code in codes:
            if not _CODE.match(code):
                raise FilterError(
                    f"{facet.name}={code!r}: not a code; give the end of the value's IRI after {facet.base}, e.g. "
                    f"{facet.name}={'census/cget-2019' if facet.name == 'source' else 'fablab' if facet.name == 'kind' else '84'}"
                )
        if codes:
            values[facet.name] = tuple(dict.fromkeys(codes))
    text = " ".join((args.get("q") or "").split())
    if len(text) > MAX_TEXT:
        raise FilterError(f"q: {len(text)} characters; search for at most {MAX_TEXT}")
    bbox = _bbox(args["bbox"]) if args.get("bbox") else None
    return Filters(tuple(sorted(values.items())), text, bbox)


def where_clause(filters: Filters) -> str:
    """The graph patterns that bind ``?place`` to each place kept by ``filters`` (possibly several times)."""
    lines = ["?place a tl:ThirdPlace ."]
    if filters.places:
        lines.insert(0, "VALUES ?place { " + " ".join(f"<{iri}>" for iri in filters.places) + " }")
    for index, (name, codes) in enumerate(filters.values):
        facet = FACETS_BY_NAME[name]
        var = f"f{index}"
        iris = " ".join(f"<{facet.iri(code)}>" for code in codes)
        lines.append(f"VALUES ?{var} {{ {iris} }}")
        lines.append(facet.graph_pattern(var))
    if filters.text:
        # names and alternative names in any language, and the commune's name
        lines.append(
            "{ ?place rdfs:label|skos:altLabel ?ftext } UNION { ?place tl:locality/rdfs:label ?ftext } "
            f"FILTER(CONTAINS(LCASE(STR(?ftext)), LCASE({sparql_string(filters.text)})))"
        )
    if filters.bbox is not None:
        west, south, east, north = filters.bbox
        lines.append(published("?place", WGS84.lat, "?flat") + " " + published("?place", WGS84.long, "?flong"))
        lines.append(
            f"FILTER(xsd:double(?flat) >= {south!r} && xsd:double(?flat) <= {north!r} "
            f"&& xsd:double(?flong) >= {west!r} && xsd:double(?flong) <= {east!r})"
        )
    return "\n  ".join(lines)


def matching_places(filters: Filters) -> str:
    """A sub-select of the distinct places kept by ``filters``."""
    return f"{{ SELECT DISTINCT ?place WHERE {{\n  {where_clause(filters)}\n}} }}"
