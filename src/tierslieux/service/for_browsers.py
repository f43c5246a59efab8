"""A browser that opens ``/sparql`` without a query is sent to the query page.

SPARQL clients that GET ``/sparql`` without a query (asking for the service
description, in Turtle or RDF/XML) keep their answer: only a request whose
Accept names HTML at least as high as any other type (:func:`.results_page.wants_html`)
is redirected, with 303 See Other, to ``/query``.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for

from .results_page import wants_html

bp = Blueprint("for_browsers", __name__)


@bp.before_app_request
def sparql_in_a_browser() -> Response | None:
    """Redirect a browser's bare GET /sparql to the query page; let every other request through."""
    if request.method == "GET" and request.path == "/sparql" and not request.args and wants_html():
        return redirect(url_for("queryui.query_page"), code=303)
    return None
