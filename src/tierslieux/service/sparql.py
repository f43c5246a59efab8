"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` and the VoID description at ``/.well-known/void``.

Statuses: 400 malformed request, syntax error (with its line and column),
nesting deeper than the limit or a dataset parameter that is not an IRI,
401/403 update without a valid token or a refused operation (LOAD, file:,
SERVICE off the allow-list), 405 other methods, 406 no producible format,
413 query too long, 415 wrong media type or charset, 422 more rows or bytes
than the limit (add LIMIT), 500 evaluation failed (e.g. an allowed SERVICE did
not answer), 503 with Retry-After when the time or memory limit was reached,
long queries took every slot or the store is unavailable (``errors.py``
maps each failure to its answer). Every error body is plain text saying what
was wrong.

Only bounded work is done here, in the web worker: the size limit and the
nesting pre-check (``guard.precheck``, one linear pass). The SERVICE/LOAD/file:
policy needs a parse: it runs where the query runs, under its deadline
(``Policy`` handed to the store).
"""

from __future__ import annotations

import hmac
import logging
import time

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, url_for

from ..formats import RDF_FORMATS
from ..release import BuildLayout
from ..stores.base import Policy
from . import description, guard
from .errors import HANDLED, error_response, plain
from .kept_answers import kept_per_release, not_kept_unless_determined
from .protocol import Operation, ProtocolError, read_operation
from .results import NotAcceptable, negotiate, render
from .stores import current_store, registry

bp = Blueprint("sparql", __name__)
log = logging.getLogger(__name__)

METHODS = ["GET", "POST", "OPTIONS"]
#: Methods routed here only to answer them with a clear 405.
REFUSED_METHODS = ["PUT", "DELETE", "PATCH"]


@bp.route("/sparql", methods=METHODS + REFUSED_METHODS)
@kept_per_release
def endpoint() -> Response:
    """Answer one SPARQL protocol request, or describe the service on a bare GET."""
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": ", ".join(METHODS)})
    if request.method in REFUSED_METHODS:
        return plain(405, f"{request.method} is not allowed on /sparql: send queries with GET or POST.", Allow=", ".join(METHODS))
    config = current_app.config
    operation = None
    try:
        operation = read_operation(request, int(config["MAX_QUERY_BYTES"]))
        if operation is None:
            return _describe_service()
        size = len(operation.text.encode("utf-8"))
        if size > int(config["MAX_QUERY_BYTES"]):
            raise ProtocolError(413, f"The {operation.kind} is {size} bytes long; this service accepts at most {config['MAX_QUERY_BYTES']} bytes.")
        guard.precheck(operation.text, int(config["MAX_QUERY_NESTING"]))
        if operation.kind == "update":
            return _update(operation)
        return _query(operation)
    except HANDLED as error:
        return error_response(error, f"The {operation.kind}" if operation is not None else "The request")


def _policy() -> Policy:
    return Policy(tuple(current_app.config["SERVICE_ALLOWLIST"]))


def _query(operation: Operation) -> Response:
    config = current_app.config
    guard.check_dataset_iris(operation.default_graph_uris + operation.named_graph_uris)
    not_kept_unless_determined(operation.text)
    store = current_store()
    max_rows = int(config["MAX_RESULT_ROWS"])
    max_bytes = int(config["MAX_RESULT_BYTES"])
    started = time.monotonic()
    outcome = None
    try:
        outcome = store.query(
            operation.text,
            default_graph_uris=operation.default_graph_uris,
            named_graph_uris=operation.named_graph_uris,
            timeout=float(config["QUERY_TIMEOUT_SECONDS"]),
            max_rows=max_rows,
            max_bytes=max_bytes,
            policy=_policy(),
        )
        fmt = negotiate(outcome.kind, request.accept_mimetypes, request.values.get("format"))
        body, count = render(outcome, fmt, max_rows, max_bytes)
    finally:
        if outcome is not None:
            outcome.close()  # an answer not read to its end stops computing now
    elapsed = time.monotonic() - started
    log.info("query %s rows=%d in %.3fs", outcome.kind, count, elapsed)
    response = Response(body, content_type=fmt.content_type)
    response.headers["X-Result-Rows"] = str(count)
    response.vary.add("Accept")
    return response


def _update(operation: Operation) -> Response:
    config = current_app.config
    token = config["UPDATE_TOKEN"]
    if not token:
        return plain(403, "This service is read-only: SPARQL Update is refused.")
    presented = request.headers.get("Authorization", "")
    scheme, _, credentials = presented.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.strip().encode(), str(token).encode()):
        return plain(403, "SPARQL Update needs a valid update token: send `Authorization: Bearer <token>`.")
    if operation.using_graph_uris or operation.using_named_graph_uris:
        raise ProtocolError(400, "using-graph-uri and using-named-graph-uri are not supported: put USING / WITH in the update itself.")
    store = current_store()
    try:
        store.update(operation.text, policy=_policy(), timeout=float(config["QUERY_TIMEOUT_SECONDS"]))
    finally:
        registry().forget_cached()  # an update stopped half-way may have changed the store
    return Response(status=204)


def _statistics() -> description.Statistics:
    store = current_store()
    cache = registry().cache(store)
    if "statistics" not in cache:
        cache["statistics"] = description.compute_statistics(store)
    return cache["statistics"]


def _graph_response(triples: list[ox.Triple]) -> Response:
    """Serialise a description in the negotiated RDF format (Turtle by default, shown as text to browsers)."""
    accept = request.accept_mimetypes
    wants_page = accept.best_match(["text/html"] + [f.media_type for f in RDF_FORMATS]) == "text/html" and not request.args.get("format")
    try:
        fmt = RDF_FORMATS[0] if wants_page else negotiate("graph", accept, request.args.get("format"))
    except NotAcceptable as error:
        return error_response(error)
    prefixes = {"sd": description.SD, "void": description.VOID, "dct": description.DCT, "tl": description.ONTOLOGY_IRI + "#"}
    body = ox.serialize(triples, format=fmt.engine, prefixes=prefixes if fmt.engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None)
    response = Response(body, content_type="text/plain; charset=utf-8" if wants_page else fmt.content_type)
    response.vary.add("Accept")
    return response


def _describe_service() -> Response:
    config = current_app.config
    endpoint_url = url_for("sparql.endpoint", _external=True)
    triples = description.service_description(
        endpoint_url, _statistics(), update_enabled=bool(config["UPDATE_TOKEN"]), federated=bool(config["SERVICE_ALLOWLIST"])
    )
    return _graph_response(triples)


def _dump_urls() -> list[str]:
    """Links to the dumps of the published release, as listed in its manifest (none when it has no manifest)."""
    names = sorted((BuildLayout(registry().build_dir).manifest() or {}).get("dumps", {}))
    root = request.url_root.rstrip("/")
    return [f"{root}/dumps/{name}" for name in names]


@bp.route("/.well-known/void", methods=["GET", "OPTIONS"])
@kept_per_release
def void() -> Response:
    """The VoID description of the dataset, with its statistics."""
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "GET, OPTIONS"})
    try:
        triples = description.void_description(url_for("sparql.endpoint", _external=True), _statistics(), _dump_urls())
    except HANDLED as error:
        return error_response(error, "The description")
    return _graph_response(triples)
