"""``/observatory``: the charts of :mod:`.charts`, each with its data as CSV and its SPARQL one click away.

Charts are drawn from the current store on the first request after a
release is published and kept with that store (the store registry's cache).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, make_response, render_template, request, url_for

from ..named import named_query
from ..pages import page_csp
from ..queryui import text_with_defaults
from ..stores import current_store, registry
from .charts import CHARTS, rows_of

bp = Blueprint("observatory", __name__)


def _sparql(chart) -> str:
    return text_with_defaults(named_query(chart.named_query)) if chart.named_query else chart.own_query


def _drawn() -> list[dict]:
    store = current_store()
    cache = registry().cache(store)
    root = request.script_root
    if ("observatory", root) not in cache:
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
                    "title": chart.title,
                    "description": chart.description,
                    "svg": chart.draw(rows, root),
                    "csv": csv,
                    "named": source,
                    "sparql": sparql,
                    "query_page": f"{url_for('queryui.query_page')}?{urlencode({'query': sparql})}",
                }
            )
        cache[("observatory", root)] = drawn
    return cache[("observatory", root)]


@bp.get("/observatory")
def observatory() -> Response:
    """The observatory's page: every chart, its CSV and its SPARQL."""
    response = make_response(render_template("observatory.html", charts=_drawn()))
    response.headers["Content-Security-Policy"] = page_csp()
    return response
