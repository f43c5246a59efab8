"""The one mapping from what can go wrong with a request to its HTTP answer.

Every blueprint that runs a query answers its failures with
:func:`error_response`, so that one failure always gets one status, one kind
of message and, for the 503s a client should retry, a ``Retry-After``: the
``sparql``, ``named``, ``pages`` and places API blueprints catch them to name
what failed (the places API as JSON), and :func:`init_app` registers the same
mapping for every other route (the observatory, events, reconciliation…), so
no store failure becomes an unexplained 500. Error bodies are plain text saying what was wrong and what to
do; they may quote the client's input, so every answer of the service carries
``X-Content-Type-Options: nosniff`` (a browser never reads them as HTML).

| failure | status |
|---|---|
| :class:`~.protocol.ProtocolError` | its own (400, 405, 413, 415) |
| :class:`~..stores.base.QueryRefused` (guard) | its own (400 too deep, 403 LOAD/SERVICE/file:) |
| :class:`~..stores.base.QuerySyntaxError` | 400 |
| :class:`~.results.NotAcceptable` | 406 |
| :class:`~.results.TooManyResults`, :class:`~..stores.base.AnswerTooLarge` | 422, with the limit |
| :class:`~..stores.base.QueryFailed` | 500 |
| :class:`~..stores.base.QueryTimeout`, :class:`~..stores.base.QueryOutOfMemory`, :class:`~..stores.base.QueryBusy`, :class:`~..stores.base.StoreError` | 503 + ``Retry-After`` |
| :class:`NotReady` (what a release reads once, such as the places index, is still being read) | 503 + ``Retry-After`` |
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app

from ..stores.base import AnswerTooLarge, QueryBusy, QueryFailed, QueryOutOfMemory, QueryRefused, QuerySyntaxError, QueryTimeout, StoreError
from .protocol import ProtocolError
from .results import NotAcceptable, TooManyResults

log = logging.getLogger(__name__)

#: Seconds a client is told to wait before trying again a query stopped at the time limit.
RETRY_AFTER_TIMEOUT = 60
#: … a query stopped because long queries took every slot, or that needed too much memory.
RETRY_AFTER_BUSY = 10
#: … when the store could not be read.
RETRY_AFTER_STORE = 30

#: … when what a release reads once is still being read.
RETRY_AFTER_NOT_READY = 5


class NotReady(Exception):
    """``what`` (something the service reads once per release) was still being read after ``waited`` seconds."""

    def __init__(self, what: str, waited: float):
        super().__init__(what, waited)
        self.what = what
        self.waited = waited


#: Every failure :func:`error_response` knows (to catch them in one ``except``).
HANDLED = (
    ProtocolError,
    QueryRefused,
    QuerySyntaxError,
    NotAcceptable,
    TooManyResults,
    AnswerTooLarge,
    QueryFailed,
    QueryTimeout,
    QueryOutOfMemory,
    QueryBusy,
    StoreError,
    NotReady,
)


def plain(status: int, message: str, **headers: str) -> Response:
    """A plain-text answer (errors and refusals)."""
    response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _timeout_seconds() -> float:
    return float(current_app.config["QUERY_TIMEOUT_SECONDS"])


def error_response(error: Exception, subject: str = "The query") -> Response:
    """The answer to ``error`` (one of :data:`HANDLED`); ``subject`` names what failed in messages ("The update", "The query 'x'")."""
    if isinstance(error, ProtocolError):
        return plain(error.status, error.message)
    if isinstance(error, QueryRefused):
        return plain(error.status, str(error))
    if isinstance(error, QuerySyntaxError):
        return plain(400, f"SPARQL syntax error: {error}")
    if isinstance(error, NotAcceptable):
        return plain(406, str(error))
    if isinstance(error, TooManyResults):
        return plain(
            422,
            f"The answer has more than {error.limit} rows, the most this service returns at once; "
            "add LIMIT (and OFFSET to page through it), or download the dumps.",
            **{"X-Result-Limit": str(error.limit)},
        )
    if isinstance(error, AnswerTooLarge):
        return plain(
            422,
            f"The answer is larger than {error.limit} bytes, the most this service returns at once; "
            "ask for fewer rows (LIMIT/OFFSET) or shorter values, or download the dumps.",
            **{"X-Result-Limit-Bytes": str(error.limit)},
        )
    if isinstance(error, QueryTimeout):
        return plain(
            503,
            f"{subject} ran longer than {_timeout_seconds():g} s, the limit of this service, and was stopped; "
            "make it more selective or add LIMIT.",
            **{"Retry-After": str(RETRY_AFTER_TIMEOUT)},
        )
    if isinstance(error, QueryOutOfMemory):
        limit = f" ({error.limit_mb} MiB per query)" if error.limit_mb else ""
        return plain(
            503,
            f"{subject} needs more memory than this service allows{limit} and was stopped; "
            "make it more selective (fewer OPTIONAL or unconnected patterns, a LIMIT without ORDER BY).",
            **{"Retry-After": str(RETRY_AFTER_BUSY)},
        )
    if isinstance(error, QueryBusy):
        return plain(
            503,
            f"{subject} was still running after {error.after_seconds:g} s while {error.slots} other long queries were running, "
            "the most this service runs at once; it was stopped. Try again later, or make it faster.",
            **{"Retry-After": str(RETRY_AFTER_BUSY)},
        )
    if isinstance(error, NotReady):
        return plain(
            503,
            f"{subject} is answered from {error.what}, which this worker is still reading for the current release "
            f"(waited {error.waited:g} s); try again in a few seconds.",
            **{"Retry-After": str(RETRY_AFTER_NOT_READY)},
        )
    if isinstance(error, QueryFailed):
        log.warning("query failed: %s", error)
        return plain(500, f"{subject} failed while running: {error}")
    if isinstance(error, StoreError):
        log.error("store unavailable: %s", error)
        return plain(503, f"The store is not available: {error}", **{"Retry-After": str(RETRY_AFTER_STORE)})
    raise TypeError(f"no HTTP answer for {type(error).__name__}") from error


def _nosniff(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


#: The store's failures, which any route that runs a query can meet.
STORE_FAILURES = (QueryTimeout, QueryOutOfMemory, QueryBusy, QueryFailed, StoreError, NotReady)


def _store_failure(error: Exception) -> Response:
    return error_response(error, "The query behind this request")


def init_app(app: Flask) -> None:
    """Send ``X-Content-Type-Options: nosniff`` with every answer of ``app``, and answer the store's failures of any route."""
    app.after_request(_nosniff)
    for failure in STORE_FAILURES:
        app.register_error_handler(failure, _store_failure)
