"""The places API: ``/api/places``, ``/api/places/{slug}``, ``/api/places/facets`` and ``/api/openapi.json``.

Answers are read from the current store with SPARQL (:mod:`.query`) and
reflect the release being served; answers are kept per release and carry an
ETag, and a client that revalidates gets 304 (:mod:`..kept_answers`). CORS
comes from :mod:`..cors` (every response of the service). Errors are JSON: ``{"error": "..."}`` with the
parameter at fault named.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, url_for

from ..errors import STORE_FAILURES, error_response
from ..kept_answers import kept_per_release
from ..stores import current_store
from . import render
from .filters import FACETS, FilterError, Filters, parse_filters
from .index import PlacesIndex, places_index
from .openapi import openapi_document
from .query import DEFAULT_LIMIT, FIELD_SETS, LANGUAGES, MAX_LIMIT, PLACE_BASE, facets_in, fetch_facets, fetch_page

bp = Blueprint("places_api", __name__, url_prefix="/api")
#: Says that an answer was chosen from the release's places index (:mod:`.index`), for operators, tests and benchmarks.
INDEX_HEADER = "X-Places-Index"


class BadRequest(ValueError):
    """A parameter of the request cannot be used (400)."""


def _error(status: int, message: str) -> Response:
    response = Response(json.dumps({"error": message}, ensure_ascii=False) + "\n", status=status, mimetype="application/json")
    response.headers["Vary"] = "Accept"
    return response


def _integer(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name}={raw!r}: give a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name}={raw!r}: give a whole number from {low} to {high}")
    return value


def _choice(name: str, choices, default: str) -> str:
    value = request.args.get(name) or default
    if value not in choices:
        raise BadRequest(f"{name}={value!r}: use one of {', '.join(choices)}")
    return value


def _finish(text: str, content_type: str, extra: dict | None = None) -> Response:
    response = Response(text, content_type=content_type)
    response.headers["Vary"] = "Accept"
    for key, value in (extra or {}).items():
        response.headers[key] = value
    return response


def _timeout() -> float:
    return float(current_app.config["QUERY_TIMEOUT_SECONDS"])


def _page_links(total: int, offset: int, limit: int) -> list[dict]:
    links = []
    args = request.args.to_dict(flat=False)

    def href(start: int) -> str:
        return url_for("places_api.places", _external=True, **{**args, "offset": str(start), "limit": str(limit)})

    if offset + limit < total:
        links.append({"rel": "next", "href": href(offset + limit)})
    if offset > 0:
        links.append({"rel": "prev", "href": href(max(0, offset - limit))})
    return links


@bp.get("/places")
@kept_per_release
def places() -> Response:
    """A page of the places kept by the filters of the query string, in the negotiated format."""
    try:
        filters = parse_filters(request.args)
        offset = _integer("offset", 0, 0, 10**9)
        limit = _integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        fields = _choice("fields", FIELD_SETS, "all")
        lang = _choice("lang", LANGUAGES, "fr")
        fmt = render.negotiate(request)
    except (FilterError, BadRequest) as error:
        return _error(400, str(error))
    except render.UnknownFormat as error:
        return _error(406, str(error))
    store = current_store()
    index = places_index(store, wait=_timeout()) if PlacesIndex.answers(filters) else None
    page = fetch_page(store, filters, offset=offset, limit=limit, fields=fields, lang=lang, timeout=_timeout(), index=index)
    links = _page_links(page.total, offset, limit)
    text = render.body(fmt, page.records, total=page.total, offset=offset, limit=limit, links=links)
    headers = {"X-Total-Count": str(page.total)}
    if index is not None:
        headers[INDEX_HEADER] = "used"
    if links:
        headers["Link"] = ", ".join(f'<{link["href"]}>; rel="{link["rel"]}"' for link in links)
    if fmt.key == "csv":
        headers["Content-Disposition"] = 'inline; filename="places.csv"'
    return _finish(text, fmt.content_type, headers)


@bp.get("/places/facets")
@kept_per_release
def facets() -> Response:
    """For each facet, its values with the number of places kept by the filters that have each (JSON)."""
    try:
        filters = parse_filters(request.args)
        lang = _choice("lang", LANGUAGES, "fr")
    except (FilterError, BadRequest) as error:
        return _error(400, str(error))
    store = current_store()
    index = places_index(store, wait=_timeout()) if filters.is_empty() else None
    total, values = facets_in(index.facets, lang) if index is not None else fetch_facets(store, filters, lang=lang, timeout=_timeout())
    document = {
        "total": total,
        "facets": [
            {
                "name": facet.name,
                "label": facet.label_fr if lang == "fr" else facet.label_en,
                "values": [{"code": v.code, "iri": v.iri, "label": v.label, "count": v.count} for v in values[facet.name]],
            }
            for facet in FACETS
        ],
    }
    headers = {INDEX_HEADER: "used"} if index is not None else {}
    return _finish(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", "application/json", headers)


@bp.get("/places/<slug>")
@kept_per_release
def place(slug: str) -> Response:
    """One place (``/api/places/la-coroutine``) in the negotiated format; 404 when the graph has no such place."""
    try:
        lang = _choice("lang", LANGUAGES, "fr")
        fmt = render.negotiate(request)
    except BadRequest as error:
        return _error(400, str(error))
    except render.UnknownFormat as error:
        return _error(406, str(error))
    try:
        iri = ox.NamedNode(PLACE_BASE + slug).value
    except ValueError:
        return _error(404, f"{slug!r} cannot be the end of a place's IRI")
    filters = Filters(places=(iri,))
    page = fetch_page(current_store(), filters, limit=1, lang=lang, timeout=_timeout())
    if not page.records:
        return _error(404, f"The graph has no place {slug!r} ({PLACE_BASE}{slug}); search with /api/places?q=...")
    return _finish(render.body(fmt, page.records, total=None), fmt.content_type)


@bp.get("/openapi.json")
@kept_per_release
def openapi() -> Response:
    """The OpenAPI 3 description of this API."""
    response = Response(json.dumps(openapi_document(request.host_url.rstrip("/") + request.script_root), indent=1) + "\n", mimetype="application/json")
    return response


def _store_failure(error: Exception) -> Response:
    """The status, message and Retry-After of the service's one error mapping, as a JSON error."""
    answer = error_response(error, "The places query")
    response = _error(answer.status_code, answer.get_data(as_text=True).strip())
    if "Retry-After" in answer.headers:
        response.headers["Retry-After"] = answer.headers["Retry-After"]
    return response


for _failure in STORE_FAILURES:
    bp.register_error_handler(_failure, _store_failure)
