"""Reading a SPARQL 1.1 Protocol request: which operation, which text, which dataset.

Every way a request can be malformed ends in a :class:`ProtocolError` carrying
the HTTP status and a message that says what was wrong and what to send
instead. Bodies are decoded as strict UTF-8 (Werkzeug's form parser would
silently replace bad bytes, so forms are parsed here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


class ProtocolError(Exception):
    """A request the SPARQL protocol does not allow; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Operation:
    """One query or update, with the dataset the protocol gave for it."""

    kind: Literal["query", "update"]
    text: str
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    using_graph_uris: list[str] = field(default_factory=list)
    using_named_graph_uris: list[str] = field(default_factory=list)


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            400, f"The {what} is not valid UTF-8 (byte {error.start}: {raw[error.start:error.start + 1]!r}); SPARQL requests must be UTF-8."
        ) from None


def _body(request: Request, max_bytes: int) -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise ProtocolError(413, f"The request body is larger than this service accepts (queries up to {max_bytes} bytes).") from None


def _parse_form(text: str, what: str) -> MultiDict:
    try:
        return MultiDict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"))
    except UnicodeDecodeError:
        raise ProtocolError(400, f"The {what} is not valid UTF-8 once percent-decoded; SPARQL requests must be UTF-8.") from None


def _check_charset(request: Request) -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().lower() not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset={charset} is not supported: send the {request.mimetype} body in UTF-8.")


def read_operation(request: Request, max_bytes: int) -> Operation | None:
    """Return the request's operation, or None for a GET without ``query`` (a Service Description request)."""
    args = _url_params(request)
    if request.method in ("GET", "HEAD"):
        if "update" in args or "using-graph-uri" in args or "using-named-graph-uri" in args:
            raise ProtocolError(400, "SPARQL Update must be sent with POST (application/sparql-update or a form with `update`), never with GET.")
        params = args
    elif request.method == "POST":
        params = _read_post(request, args, max_bytes)
    else:  # the route only lets GET and POST through
        raise ProtocolError(405, f"{request.method} is not a SPARQL protocol method: use GET or POST.")

    queries, updates = params.getlist("query"), params.getlist("update")
    if len(queries) > 1:
        raise ProtocolError(400, f"The request has {len(queries)} `query` parameters; send exactly one.")
    if len(updates) > 1:
        raise ProtocolError(400, f"The request has {len(updates)} `update` parameters; send exactly one.")
    if queries and updates:
        raise ProtocolError(400, "The request has both `query` and `update`; send one operation per request.")
    if not queries and not updates:
        if request.method in ("GET", "HEAD"):
            return None
        raise ProtocolError(400, "The POST request has no `query` (or `update`) parameter and no SPARQL body.")
    kind: Literal["query", "update"] = "query" if queries else "update"
    text = (queries or updates)[0]
    if not text.strip():
        raise ProtocolError(400, f"The `{kind}` parameter is empty.")
    return Operation(
        kind,
        text,
        default_graph_uris=_iris(params, "default-graph-uri"),
        named_graph_uris=_iris(params, "named-graph-uri"),
        using_graph_uris=_iris(params, "using-graph-uri"),
        using_named_graph_uris=_iris(params, "using-named-graph-uri"),
    )


def _iris(params: MultiDict, name: str) -> list[str]:
    """The values of the dataset parameter ``name``, each an absolute IRI (else a 400 naming the parameter)."""
    values = params.getlist(name)
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError as error:
            shown = value if len(value) <= 200 else value[:200] + "…"
            raise ProtocolError(
                400, f"`{name}` must be an absolute IRI without angle brackets (like http://example.org/graph), not {shown!r}: {error}."
            ) from None
    return values


def _url_params(request: Request) -> MultiDict:
    """The URL's parameters, decoded strictly (Werkzeug's ``request.args`` replaces bad bytes silently)."""
    what = "URL's query string"
    return _parse_form(_decode(request.query_string, what), what)


def _read_post(request: Request, args: MultiDict, max_bytes: int) -> MultiDict:
    """Return the parameters of a POST: the form's fields, or the URL's with the body as query or update."""
    mimetype = request.mimetype
    if not mimetype:
        raise ProtocolError(
            400,
            f"The POST request has no Content-Type: use {FORM} (fields query=…), {QUERY_TYPE} or {UPDATE_TYPE} (the SPARQL text as body).",
        )
    if mimetype not in (FORM, QUERY_TYPE, UPDATE_TYPE):
        raise ProtocolError(415, f"Content-Type {mimetype} is not accepted: use {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}.")
    _check_charset(request)
    body = _body(request, max_bytes)
    if mimetype == FORM:
        params = _parse_form(_decode(body, "form body"), "form body")
        for key, values in args.lists():
            for value in values:
                params.add(key, value)
        return params
    params = args
    if "query" in params or "update" in params:
        raise ProtocolError(400, f"With Content-Type {mimetype} the SPARQL text is the body; do not also send `query` or `update` in the URL.")
    params.add("query" if mimetype == QUERY_TYPE else "update", _decode(body, "request body"))
    return params
