"""What the observatory shows: each chart's title, the SPARQL that makes it, and how its rows become a drawing.

Charts made by a named query (``queries/*.rq``) run that query's text with
its defaults, so the chart, ``/queries/{name}`` and the command line agree;
the two charts no named query answers carry their own SPARQL here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from ...namespaces import BASE
from . import svg

PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX tl: <https://w3id.org/tiers-lieux/ontology#>
"""

NETWORKS_QUERY = PREFIXES + """# Networks and how many third places are part of each (tl:partOfNetwork)
SELECT ?network ?name (COUNT(DISTINCT ?place) AS ?places) WHERE {
  ?place a tl:ThirdPlace ; tl:partOfNetwork ?network .
  OPTIONAL { ?network rdfs:label ?name FILTER(LANG(?name) = "fr") }
}
GROUP BY ?network ?name
ORDER BY DESC(?places) ?name
"""

COVERAGE_QUERY = PREFIXES + """# How many third places have a website (tl:website) and a verified Wikidata item (tl:wikidataItem)
SELECT (COUNT(DISTINCT ?place) AS ?places) (COUNT(DISTINCT ?withWebsite) AS ?website) (COUNT(DISTINCT ?withWikidata) AS ?wikidata) WHERE {
  ?place a tl:ThirdPlace .
  OPTIONAL { ?place tl:website ?site BIND(?place AS ?withWebsite) }
  OPTIONAL { ?place tl:wikidataItem ?item BIND(?place AS ?withWikidata) }
}
"""

TOP_KINDS = 3


@dataclass(frozen=True)
class Chart:
    """One chart: an anchor, a title, a sentence on what it shows, its SPARQL (a named query's or its own), its drawing."""

    key: str
    title: str
    description: str
    named_query: str | None
    own_query: str | None
    draw: Callable[[list[dict], str], Markup]


def _value(row: dict, name: str) -> str:
    term = row.get(name)
    return term.value if term is not None else ""


def _page_link(iri: str, root: str) -> str | None:
    return root + "/" + iri[len(BASE) :] if iri.startswith(BASE) else None


def _regions(rows: list[dict], root: str) -> Markup:
    totals: dict[str, float] = defaultdict(float)
    kind_names: dict[str, str] = {}
    by_region: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        kind, places = _value(row, "kind"), float(_value(row, "places") or 0)
        kind_names[kind] = _value(row, "kindName") or kind.rsplit("/", 1)[-1]
        totals[kind] += places
        by_region[(_value(row, "region"), _value(row, "regionName") or "(no region)")][kind] += places
    top = sorted(totals, key=lambda k: -totals[k])[:TOP_KINDS]
    legend = [kind_names[k] for k in top] + ["other"]
    bars = []
    for (region, name), kinds in sorted(by_region.items(), key=lambda item: -sum(item[1].values())):
        values = [kinds.get(k, 0) for k in top] + [sum(v for k, v in kinds.items() if k not in top)]
        code = region.rsplit("/", 1)[-1] if region else ""
        bars.append(svg.Bar(name, values, href=f"{root}/?region={quote(code)}" if code else None))
    return svg.bars(bars, "Places per region and kind", "Third places of each region, by kind; each region links to the map.", legend)


def _founded(rows: list[dict], root: str) -> Markup:
    items = sorted((_value(r, "year"), float(_value(r, "places") or 0)) for r in rows)
    return svg.columns(items, "Places founded per year", "How many third places the graph knows to have opened each year.")


def _networks(rows: list[dict], root: str) -> Markup:
    bars = []
    for row in rows[:20]:
        iri = _value(row, "network")
        code = iri[len(BASE) + 3 :] if iri.startswith(BASE + "id/") else None
        bars.append(svg.Bar(_value(row, "name") or iri, [float(_value(row, "places") or 0)], href=f"{root}/?network={quote(code)}" if code else None))
    return svg.bars(bars, "Networks and their sizes", "The twenty networks with the most places; each links to the map of its places.")


def _coverage(rows: list[dict], root: str) -> Markup:
    row = rows[0] if rows else {}
    total = float(_value(row, "places") or 0)
    website, wikidata = float(_value(row, "website") or 0), float(_value(row, "wikidata") or 0)
    share = (lambda n: f"{100 * n / total:.0f} %") if total else (lambda n: "—")
    bars = [
        svg.Bar(f"website ({share(website)})", [website, total - website]),
        svg.Bar(f"Wikidata item ({share(wikidata)})", [wikidata, total - wikidata]),
    ]
    return svg.bars(bars, "Places with a website, with a Wikidata link", f"Of {total:.0f} places: with (first part) and without.", ["with", "without"])


def _timeline(rows: list[dict], root: str) -> Markup:
    items = [(_value(r, "date"), _value(r, "type"), _value(r, "label"), _page_link(_value(r, "item"), root)) for r in rows]
    return svg.timeline(items, "The movement's timeline", "Milestones and events of the tiers-lieux movement, from its own documents, in date order.")


CHARTS: tuple[Chart, ...] = (
    Chart("regions", "Places per region and kind",
          "Each region's third places by kind (the three commonest kinds, then the others); a place of two kinds counts in both.",
          "counts-per-region-and-kind", None, _regions),
    Chart("founded", "Places founded per year", "Opening years the sources state (few places have one).", "places-founded-per-year", None, _founded),
    Chart("networks", "Networks and their sizes", "Places that are part of each network.", None, NETWORKS_QUERY, _networks),
    Chart("coverage", "Websites and Wikidata links", "The share of places with a website, and with a verified Wikidata item.", None, COVERAGE_QUERY, _coverage),
    Chart("timeline", "The movement's timeline", "From The Great Good Place (1989) to today, from the seeds.", "timeline", None, _timeline),
)


def rows_of(outcome) -> list[dict]:
    """A SELECT outcome's rows as dicts of bound terms."""
    variables = list(outcome.variables)
    return [{v: row[i] for i, v in enumerate(variables) if row[i] is not None} for row in outcome.rows]


__all__ = ["CHARTS", "Chart", "rows_of"]
