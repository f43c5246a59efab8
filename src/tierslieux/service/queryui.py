"""The query page at ``/query``: YASGUI, served from the service's own static files, on the service's ``/sparql``.

The named queries are read from ``queries/*.rq`` on every request, so the page
lists whatever exists at that moment (none, one or many). A file whose header
cannot be read is reported on the page, by name and line, not skipped silently.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, make_response, render_template, request

from ..paths import QUERIES_DIR
from ..queries.named import NamedQuery, QueryHeaderError, parse_named_query
from ..queries.parameters import ParameterError, inject_values, parse_value

bp = Blueprint("queryui", __name__)

DEFAULT_QUERY = """PREFIX tl: <https://w3id.org/tiers-lieux/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

# Third places with their kinds. Pick a named query on the left for more.
SELECT ?place ?name (GROUP_CONCAT(DISTINCT ?kindLabel; separator=", ") AS ?kinds)
WHERE {
  ?place a tl:ThirdPlace ;
         rdfs:label ?name .
  FILTER(LANG(?name) = "fr")
  OPTIONAL {
    ?place tl:placeKind ?kind .
    ?kind skos:prefLabel ?kindLabel .
    FILTER(LANG(?kindLabel) = "fr")
  }
}
GROUP BY ?place ?name
ORDER BY ?name
LIMIT 100
"""

#: The query page loads YASGUI (which needs inline styles and talks to /sparql only).
QUERY_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'self'"
)


def queries_dir() -> Path:
    """The folder of named queries: ``QUERIES_DIR`` in the app's config, else the repository's ``queries/``."""
    return Path(current_app.config.get("QUERIES_DIR") or QUERIES_DIR)


def text_with_defaults(query: NamedQuery) -> str:
    """Return the query's text with a VALUES block binding each parameter that has a default.

    Run as it is on the page, a named query then answers what ``/queries/{name}``
    answers by default; the VALUES line shows where to change a parameter.
    """
    defaults = {p.name: parse_value(query.name, p, p.default) for p in query.parameters if p.default is not None}
    return inject_values(query.text, defaults)


def named_queries() -> tuple[list[dict], list[str]]:
    """Read every ``*.rq`` of the queries folder; return the queries for the page and the problems found."""
    queries, problems = [], []
    folder = queries_dir()
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        try:
            query = parse_named_query(path)
            text = text_with_defaults(query)
        except (QueryHeaderError, ParameterError, UnicodeDecodeError, OSError) as error:
            problems.append(f"The named query {path.name} could not be read: {error}")
            continue
        queries.append(
            {
                "name": query.name,
                "title": query.title,
                "description": query.description,
                "text": text,
                "url": f"{request.script_root}/queries/{query.name}",
                "parameters": [
                    {"name": p.name, "type": p.type, "default": p.default, "description": p.description} for p in query.parameters
                ],
            }
        )
    return queries, problems


@bp.get("/query")
def query_page() -> Response:
    """The query page, preloaded with the named queries."""
    queries, problems = named_queries()
    endpoint = f"{request.script_root}/sparql"
    page_config = {"endpoint": endpoint, "defaultQuery": DEFAULT_QUERY, "namedQueries": queries}
    html = render_template(
        "query.html",
        named_queries=queries,
        query_problems=problems,
        endpoint_url=request.host_url.rstrip("/") + endpoint,
        page_config=page_config,
    )
    response = make_response(html)
    response.headers["Content-Security-Policy"] = QUERY_PAGE_CSP
    return response
