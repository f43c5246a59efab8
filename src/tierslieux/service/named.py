"""The named queries on the service: ``/queries/`` lists them, ``/queries/{name}`` runs one (a table page for a browser).

Parameter values come from the URL's query string, are checked against their
declared types (a bad value is a 400 naming the parameter) and are bound as RDF
terms by a ``VALUES`` block (the store interface takes query text only), never
pasted into the query. Results are negotiated and serialised like ``/sparql``'s
(``results.py``); ``format`` is the one reserved query-string name.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, render_template_string, request, url_for

from ..paths import QUERIES_DIR
from ..queries.named import NamedQuery, load_named_queries
from ..queries.parameters import ParameterError, bind_parameters, inject_values
from ..stores.base import QuerySyntaxError
from .errors import HANDLED, error_response, plain
from .kept_answers import kept_per_release, not_kept_unless_determined
from .pages import page_csp
from .results import NotAcceptable, negotiate, render
from .results_page import table, wants_html
from .stores import current_store

bp = Blueprint("named", __name__)

#: Query-string names that choose the answer's form rather than bind a parameter.
RESERVED = ("format",)
#: Most rows shown on a results page (the downloads have them all).
PAGE_ROWS = 1000

_LIST_PAGE = """{% extends "base.html" %}
{% block title %}Named queries — Tiers-lieux knowledge graph{% endblock %}
{% block content %}
  <h1>Named queries</h1>
  <p class="subtitle">Ready-made SPARQL queries. Run one at <code>/queries/NAME</code>, giving parameters in the
  query string (for example <code>?region=https://…</code>); the answer is negotiated like <code>/sparql</code>'s
  (add <code>format=json</code>, <code>xml</code>, <code>csv</code> or <code>tsv</code>); a browser gets a readable table.</p>
  {% for q in queries %}
  <section class="card named-query" id="{{ q.name }}">
    <h2><a href="{{ q.url }}">{{ q.title }}</a></h2>
    <p>{{ q.description }}</p>
    {% if q.parameters %}
    <ul class="params">
      {% for p in q.parameters %}
      <li><code>{{ p.name }}</code> ({{ p.type }}){% if p.default is not none %} = <code>{{ p.default }}</code>{% else %}, required{% endif %}{% if p.description %} — {{ p.description }}{% endif %}</li>
      {% endfor %}
    </ul>
    {% endif %}
    <details><summary>SPARQL</summary><pre><code>{{ q.sparql }}</code></pre></details>
  </section>
  {% endfor %}
{% endblock %}
"""


def _queries() -> dict[str, NamedQuery]:
    """The named queries of the configured folder (``QUERIES_DIR``, by default the repository's queries/).

    They are read once per worker process (reading and parsing the files on
    every request cost more than running a small query): a changed query file
    is served after the service restarts, like a changed release of the code.
    """
    extensions = current_app.extensions
    if "tierslieux.queries.named" not in extensions:
        extensions["tierslieux.queries.named"] = load_named_queries(current_app.config.get("QUERIES_DIR") or QUERIES_DIR)
    return extensions["tierslieux.queries.named"]


def named_query(name: str) -> NamedQuery:
    """The named query ``name`` of the configured folder; KeyError when there is none."""
    return _queries()[name]


def _error(status: int, message: str) -> Response:
    response = plain(status, message)
    response.headers["Vary"] = "Accept"
    return response


def _vary(response: Response) -> Response:
    response.headers["Vary"] = "Accept"
    return response


def describe(query: NamedQuery) -> dict:
    """Return a JSON-ready description of ``query``: name, title, description, URL, parameters and text."""
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "url": url_for("named.run", name=query.name, _external=True),
        "parameters": [
            {"name": p.name, "type": p.type, "default": p.default, "required": p.default is None, "description": p.description}
            for p in query.parameters
        ],
        "sparql": query.text,
    }


@bp.get("/queries/")
@kept_per_release
def index() -> Response:
    """List the named queries, as JSON or as an HTML page (by Accept, or ``format=json|html``)."""
    described = [describe(q) for q in _queries().values()]
    wanted = (request.args.get("format") or "").lower()
    if not wanted:
        best = request.accept_mimetypes.best_match(["application/json", "text/html"], default="application/json")
        wanted = "html" if best == "text/html" else "json"
    if wanted == "json":
        response = jsonify({"queries": described})
    elif wanted == "html":
        response = Response(render_template_string(_LIST_PAGE, queries=described), mimetype="text/html")
    else:
        return _error(406, f"Cannot produce format={wanted!r} for the list of queries. Available: json, html.")
    response.headers["Vary"] = "Accept"
    return response


def _results_page(query: NamedQuery, given: dict[str, str], bound: dict) -> Response:
    """The results of ``query`` as a page for people (:mod:`.results_page`), with download links in every format."""
    config = current_app.config
    text = inject_values(query.text, bound)
    try:
        outcome = current_store().query(text, timeout=config["QUERY_TIMEOUT_SECONDS"], max_rows=PAGE_ROWS)
        boolean = outcome.boolean if outcome.kind == "boolean" else None
        variables, rows, more = table(outcome, PAGE_ROWS) if outcome.kind == "solutions" else ([], [], False)
    except QuerySyntaxError as error:  # the service's own text: a fault of the service, not of the client
        return _error(500, f"The named query {query.name!r} ({query.path.name}) does not parse: {error}")
    except HANDLED as error:
        return _vary(error_response(error, f"The query {query.name!r}"))
    downloads = [
        (label, url_for("named.run", name=query.name, **given, format=key))
        for label, key in (("JSON", "json"), ("CSV", "csv"), ("TSV", "tsv"), ("XML", "xml"))
    ]
    parameters = [
        {"name": p.name, "type": p.type, "description": p.description, "value": given.get(p.name, p.default or "")} for p in query.parameters
    ]
    page = render_template(
        "results.html", query=query, parameters=parameters, variables=variables, rows=rows, more=more, boolean=boolean,
        downloads=downloads, sparql=text,
    )
    response = Response(page, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    response.headers["Content-Security-Policy"] = page_csp()
    return response


@bp.get("/queries/<name>")
@kept_per_release
def run(name: str) -> Response:
    """Run the named query ``name`` with the query string's parameters and return its results."""
    queries = _queries()
    if name not in queries:
        return _error(404, f"No named query {name!r}. Known queries: {', '.join(queries)} (see /queries/).")
    query = queries[name]
    given = {}
    for key in request.args:
        if key in RESERVED:
            continue
        values = request.args.getlist(key)
        if len(values) > 1:
            return _error(400, f"query {name!r}, parameter {key!r}: given {len(values)} times; give it once.")
        given[key] = values[0]
    html = wants_html()
    try:
        bound = bind_parameters(query, given)
        # Named queries are SELECT or ASK, so the format can be chosen before running anything.
        fmt = None if html else negotiate("solutions", request.accept_mimetypes, request.args.get("format"))
    except ParameterError as error:
        return _error(400, str(error))
    except NotAcceptable as error:
        return _vary(error_response(error))
    not_kept_unless_determined(query.text)
    config = current_app.config
    if html:
        return _results_page(query, given, bound)
    max_rows, max_bytes = int(config["MAX_RESULT_ROWS"]), int(config["MAX_RESULT_BYTES"])
    try:
        outcome = current_store().query(
            inject_values(query.text, bound), timeout=config["QUERY_TIMEOUT_SECONDS"], max_rows=max_rows, max_bytes=max_bytes
        )
        if outcome.kind == "graph":
            return _error(500, f"The named query {name!r} is not a SELECT or ASK query.")
        body, rows = render(outcome, fmt, max_rows, max_bytes)
    except QuerySyntaxError as error:  # the service's own text: a fault of the service, not of the client
        return _error(500, f"The named query {name!r} ({query.path.name}) does not parse: {error}")
    except HANDLED as error:
        return _vary(error_response(error, f"The query {name!r}"))
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    response.headers["X-Result-Rows"] = str(rows)
    return response
