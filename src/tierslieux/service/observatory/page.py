"""``/observatory``: the charts of :mod:`.charts`, each with its data as CSV and its SPARQL one click away.

Charts are drawn from the current store on the first request in a language
after a release is published, and kept with that store (the store registry's
cache). The page is in French or English (:mod:`..languages`); the data's names
stay as the sources give them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, make_response, render_template, request, url_for

from ..kept_answers import kept_per_release
from ..languages import other_language_args, page_language, say_language
from ..named import named_query
from ..pages import page_csp
from ..queryui import text_with_defaults
from ..stores import current_store, registry
from .charts import CHARTS, rows_of

bp = Blueprint("observatory", __name__)


def _sparql(chart) -> str:
    return text_with_defaults(named_query(chart.named_query)) if chart.named_query else chart.own_query


def _drawn(lang: str) -> list[dict]:
    store = current_store()
    cache = registry().cache(store)
    root = request.script_root
    if ("observatory", root, lang) not in cache:
        timeout = float(current_app.config["QUERY_TIMEOUT_SECONDS"])
        drawn = []
        for chart in CHARTS:
            sparql = _sparql(chart)
            rows = rows_of(store.query(sparql, timeout=timeout))
            if chart.named_query:
                csv = url_for("named.run", name=chart.named_query, format="csv")
                source = url_for("named.run", name=chart.named_query)
            else:
                csv = f"{root}/sparql?{urlencode({'query': sparql, 'format': 'csv'})}"
                source = None
            drawn.append(
                {
                    "key": chart.key,
                    "title": chart.title[lang],
                    "description": chart.description[lang],
                    "svg": chart.draw(rows, root, lang, chart.title[lang]),
                    "csv": csv,
                    "named": source,
                    "sparql": sparql,
                    "query_page": f"{url_for('queryui.query_page')}?{urlencode({'query': sparql})}",
                }
            )
        cache[("observatory", root, lang)] = drawn
    return cache[("observatory", root, lang)]


@bp.get("/observatory")
@kept_per_release
def observatory() -> Response:
    """The observatory's page: every chart, its CSV and its SPARQL, in French or English (``lang=``)."""
    lang = page_language()
    html = render_template("observatory.html", charts=_drawn(lang), texts=TEXTS[lang], lang=lang, other_lang=other_language_args(lang))
    response = say_language(make_response(html), lang)
    response.headers["Content-Security-Policy"] = page_csp()
    return response


#: The page's own texts (the charts' are in :data:`.charts.TEXTS`).
TEXTS = {
    "fr": {
        "title": "Observatoire",
        "subtitle": "Les chiffres des tiers-lieux, tirés de la version actuelle du graphe. Chaque graphique est accompagné de "
        "ses données (CSV) et de la requête SPARQL qui l'a produit.",
        "charts": "Graphiques",
        "csv": "Données (CSV)",
        "sparql_page": "SPARQL dans l'éditeur de requêtes",
        "table": "tableau des résultats",
        "other_language": "English",
    },
    "en": {
        "title": "Observatory",
        "subtitle": "Figures about the third places, from the graph's current release. Each chart comes with its data (CSV) "
        "and the SPARQL query that made it.",
        "charts": "Charts",
        "csv": "Data (CSV)",
        "sparql_page": "SPARQL on the query page",
        "table": "results table",
        "other_language": "Français",
    },
}
