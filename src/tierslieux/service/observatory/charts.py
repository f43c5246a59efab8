"""What the observatory shows: each chart's title, the SPARQL that makes it, and how its rows become a drawing.

Charts made by a named query (``queries/*.rq``) run that query's text with
its defaults, so the chart, ``/queries/{name}`` and the command line agree;
the two charts no named query answers carry their own SPARQL here. Every
chart but the timeline reads figures the build computed once per release into
the statistics graph (``build/statistics.py``), so the page costs the same at
any size of the graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import Markup

from ...namespaces import BASE
from . import svg

PREFIXES = """PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX tl: <https://w3id.org/tiers-lieux/ontology#>
"""

NETWORKS_QUERY = PREFIXES + """# Networks and how many third places are part of each (tl:partOfNetwork), counted by the build
# (queries/statistics/places-per-network.rq); DISTINCT: a name stated by several sources is in the union once per source
SELECT DISTINCT ?network ?name ?places WHERE {
  GRAPH <https://w3id.org/tiers-lieux/graph/statistics> {
    ?observation qb:dataSet <https://w3id.org/tiers-lieux/statistics/places-per-network> ;
      tl:countedNetwork ?network ;
      tl:placeCount ?places .
  }
  OPTIONAL { ?network rdfs:label ?name FILTER(LANG(?name) = "fr") }
}
ORDER BY DESC(?places) ?name
"""

COVERAGE_QUERY = PREFIXES + """# How many third places have a website (tl:website) and a verified Wikidata item (tl:wikidataItem), counted by
# the build (queries/statistics/place-coverage.rq)
SELECT ?places ?website ?wikidata WHERE {
  GRAPH <https://w3id.org/tiers-lieux/graph/statistics> {
    ?observation qb:dataSet <https://w3id.org/tiers-lieux/statistics/place-coverage> ;
      tl:placeCount ?places ;
      tl:placesWithWebsite ?website ;
      tl:placesWithWikidataItem ?wikidata .
  }
}
"""

TOP_KINDS = 3

#: The texts drawn inside the charts besides their titles (a chart's title is its :attr:`Chart.title`, also the page's
#: heading), in each language of the pages (service/languages.py).
TEXTS = {
    "fr": {
        "regions_desc": "Les tiers-lieux de chaque région, par type ; chaque région mène à sa carte.",
        "other": "autres",
        "no_region": "(sans région)",
        "founded_desc": "Combien de tiers-lieux le graphe sait avoir ouvert chaque année.",
        "networks_desc": "Les vingt réseaux qui comptent le plus de lieux ; chacun mène à la carte de ses lieux.",
        "website": "site web",
        "wikidata": "élément Wikidata",
        "coverage_desc": "Sur {total} lieux : avec (première partie) et sans.",
        "with": "avec",
        "without": "sans",
        "timeline_desc": "Jalons et événements du mouvement des tiers-lieux, d'après ses propres documents, par date.",
    },
    "en": {
        "regions_desc": "Third places of each region, by kind; each region links to the map.",
        "other": "other",
        "no_region": "(no region)",
        "founded_desc": "How many third places the graph knows to have opened each year.",
        "networks_desc": "The twenty networks with the most places; each links to the map of its places.",
        "website": "website",
        "wikidata": "Wikidata item",
        "coverage_desc": "Of {total} places: with (first part) and without.",
        "with": "with",
        "without": "without",
        "timeline_desc": "Milestones and events of the tiers-lieux movement, from its own documents, in date order.",
    },
}


@dataclass(frozen=True)
class Chart:
    """One chart: an anchor, its title (the page's heading and the drawing's own) and a sentence on what it shows (by
    language), its SPARQL (a named query's or its own), its drawing (rows, the site's root, the language, the title)."""

    key: str
    title: dict[str, str]
    description: dict[str, str]
    named_query: str | None
    own_query: str | None
    draw: Callable[[list[dict], str, str, str], Markup]


def _value(row: dict, name: str) -> str:
    term = row.get(name)
    return term.value if term is not None else ""


def _page_link(iri: str, root: str) -> str | None:
    return root + "/" + iri[len(BASE) :] if iri.startswith(BASE) else None


def _regions(rows: list[dict], root: str, lang: str, title: str) -> Markup:
    texts = TEXTS[lang]
    totals: dict[str, float] = defaultdict(float)
    kind_names: dict[str, str] = {}
    by_region: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        kind, places = _value(row, "kind"), float(_value(row, "places") or 0)
        kind_names[kind] = _value(row, "kindName") or kind.rsplit("/", 1)[-1]
        totals[kind] += places
        by_region[(_value(row, "region"), _value(row, "regionName") or texts["no_region"])][kind] += places
    top = sorted(totals, key=lambda k: -totals[k])[:TOP_KINDS]
    legend = [kind_names[k] for k in top] + [texts["other"]]
    bars = []
    for (region, name), kinds in sorted(by_region.items(), key=lambda item: -sum(item[1].values())):
        values = [kinds.get(k, 0) for k in top] + [sum(v for k, v in kinds.items() if k not in top)]
        code = region.rsplit("/", 1)[-1] if region else ""
        bars.append(svg.Bar(name, values, href=f"{root}/?{urlencode({'region': code, 'lang': lang})}" if code else None))
    return svg.bars(bars, title, texts["regions_desc"], legend)


def _founded(rows: list[dict], root: str, lang: str, title: str) -> Markup:
    items = sorted((_value(r, "year"), float(_value(r, "places") or 0)) for r in rows)
    return svg.columns(items, title, TEXTS[lang]["founded_desc"])


def _networks(rows: list[dict], root: str, lang: str, title: str) -> Markup:
    bars = []
    for row in rows[:20]:
        iri = _value(row, "network")
        code = iri[len(BASE) + 3 :] if iri.startswith(BASE + "id/") else None
        href = f"{root}/?{urlencode({'network': code, 'lang': lang})}" if code else None
        bars.append(svg.Bar(_value(row, "name") or iri, [float(_value(row, "places") or 0)], href=href))
    return svg.bars(bars, title, TEXTS[lang]["networks_desc"])


def _coverage(rows: list[dict], root: str, lang: str, title: str) -> Markup:
    texts = TEXTS[lang]
    row = rows[0] if rows else {}
    total = float(_value(row, "places") or 0)
    website, wikidata = float(_value(row, "website") or 0), float(_value(row, "wikidata") or 0)
    share = (lambda n: f"{100 * n / total:.0f}\u202f%") if total else (lambda n: "—")
    bars = [
        svg.Bar(f"{texts['website']} ({share(website)})", [website, total - website]),
        svg.Bar(f"{texts['wikidata']} ({share(wikidata)})", [wikidata, total - wikidata]),
    ]
    return svg.bars(bars, title, texts["coverage_desc"].format(total=f"{total:.0f}"), [texts["with"], texts["without"]])


def _timeline(rows: list[dict], root: str, lang: str, title: str) -> Markup:
    items = [(_value(r, "date"), _value(r, "type"), _value(r, "label"), _page_link(_value(r, "item"), root)) for r in rows]
    return svg.timeline(items, title, TEXTS[lang]["timeline_desc"])


CHARTS: tuple[Chart, ...] = (
    Chart("regions",
          {"fr": "Lieux par région et par type", "en": "Places per region and kind"},
          {"fr": "Les tiers-lieux de chaque région par type (les trois types les plus fréquents, puis les autres) ; "
                 "un lieu de deux types compte dans les deux.",
           "en": "Each region's third places by kind (the three commonest kinds, then the others); a place of two kinds counts in both."},
          "counts-per-region-and-kind", None, _regions),
    Chart("founded",
          {"fr": "Lieux ouverts chaque année", "en": "Places founded per year"},
          {"fr": "Les années d'ouverture que donnent les sources (peu de lieux en ont une).",
           "en": "Opening years the sources state (few places have one)."},
          "places-founded-per-year", None, _founded),
    Chart("networks",
          {"fr": "Les réseaux et leur taille", "en": "Networks and their sizes"},
          {"fr": "Les lieux qui font partie de chaque réseau.", "en": "Places that are part of each network."},
          None, NETWORKS_QUERY, _networks),
    Chart("coverage",
          {"fr": "Sites web et liens Wikidata", "en": "Websites and Wikidata links"},
          {"fr": "La part des lieux qui ont un site web, et un élément Wikidata vérifié.",
           "en": "The share of places with a website, and with a verified Wikidata item."},
          None, COVERAGE_QUERY, _coverage),
    Chart("timeline",
          {"fr": "La chronologie du mouvement", "en": "The movement's timeline"},
          {"fr": "De The Great Good Place (1989) à aujourd'hui, d'après les sources du graphe.",
           "en": "From The Great Good Place (1989) to today, from the seeds."},
          "timeline", None, _timeline),
)


def rows_of(outcome) -> list[dict]:
    """A SELECT outcome's rows as dicts of bound terms."""
    variables = list(outcome.variables)
    return [{v: row[i] for i, v in enumerate(variables) if row[i] is not None} for row in outcome.rows]


__all__ = ["CHARTS", "TEXTS", "Chart", "rows_of"]
