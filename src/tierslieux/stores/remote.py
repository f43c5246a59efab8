"""An external SPARQL 1.1 server (Oxigraph server, Fuseki, Virtuoso, QLever, GraphDB…) behind the :class:`~tierslieux.stores.base.Store` interface.

The query text and the protocol dataset (``default-graph-uri`` /
``named-graph-uri``) are forwarded as an HTML form POST; the answer is read
back, as it streams in, with pyoxigraph's own parsers
(``parse_query_results`` for rows and booleans, ``parse`` for triples), so it
yields the same row and triple objects as the embedded store and the
service serialises it the same way.

The union default graph (a query without a dataset sees every named graph)
is obtained in one of three ways, chosen with ``union``:

* ``"parameter"`` (default): send Oxigraph server's ``union-default-graph``
  request parameter, only when the query has no FROM (the server must *not* be
  started with ``--union-default-graph``, which would override FROM);
* ``"native"``: the server's default graph already is the union (Fuseki with
  ``tdb2:unionDefaultGraph true``, Virtuoso, QLever, GraphDB);
* ``"explicit"``: every named graph is listed as both ``default-graph-uri``
  and ``named-graph-uri`` (any SPARQL 1.1 server; the list is refreshed every
  ``refresh_seconds``).

Time limit: every socket operation waits at most the time left before the
query's deadline, then the connection is closed and :class:`QueryTimeout`
raised. Closing the connection does not stop every server's evaluation:
configure the server's own timeout too (``oxigraph serve --timeout-s``; see
docs/operations.md).
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from .base import Policy, QueryFailed, QueryOutcome, QuerySyntaxError, QueryTimeout, StoreError

UnionMode = Literal["parameter", "native", "explicit"]
UNION_MODES: tuple[str, ...] = ("parameter", "native", "explicit")

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, application/sparql-results+xml;q=0.7, application/rdf+xml;q=0.6"
#: Longest wait for a store's answer when no time limit is given.
DEFAULT_TIMEOUT = 60.0
READ_BLOCK = 1 << 16
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to a store: HTTP Basic (user and password) or a bearer token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def header(self) -> str | None:
        """The ``Authorization`` header value, or None."""
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None:
            pair = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return None


class _Deadline:
    """Seconds left before a deadline; :class:`QueryTimeout` once it has passed."""

    def __init__(self, timeout: float):
        self.at = time.monotonic() + timeout

    def left(self) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout()
        return remaining


class _Body(io.RawIOBase):
    """An HTTP response body read under a deadline (each socket read waits at most the time left)."""

    def __init__(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse, deadline: _Deadline):
        self.connection = connection
        self._connection = connection
        self._response = response
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self._deadline.left()
        if self._connection.sock is not None:
            self._connection.sock.settimeout(left)
        try:
            return self._response.readinto(buffer)
        except TimeoutError:
            raise QueryTimeout() from None
        except (OSError, http.client.HTTPException) as error:
            raise QueryFailed(f"the store's answer was cut short ({error})") from None

    def finished(self) -> bool:
        """Whether the whole body has been read (then the connection can serve the next request)."""
        return self._response.isclosed()


class _Answer:
    """Rows or triples parsed from a streaming body; closing it early closes its connection."""

    def __init__(self, store: RemoteStore, body: _Body, items: Iterator, graph: bool):
        self._store = store
        self._body: _Body | None = body
        self._items = items
        self._graph = graph

    def __iter__(self) -> _Answer:
        return self

    def __next__(self):
        if self._body is None:
            raise StopIteration
        try:
            item = next(self._items)
        except StopIteration:
            self._finish()
            raise
        except (QueryTimeout, QueryFailed):
            self.close()
            raise
        except (SyntaxError, ValueError, OSError) as error:
            self.close()
            raise QueryFailed(f"the store's answer could not be read ({error})") from None
        return item.triple if self._graph else item

    def _finish(self) -> None:
        body, self._body = self._body, None
        if body is None:
            return
        try:
            while body.read(READ_BLOCK):  # the parser may stop before the body's last bytes
                pass
        except (QueryTimeout, QueryFailed):
            self._store._discard(body.connection)
            return
        self._store._done(body.connection, body)

    def close(self) -> None:
        """Stop reading; the connection is closed unless the whole answer was read."""
        body, self._body = self._body, None
        if body is not None:
            self._store._discard(body.connection)

    def __del__(self) -> None:
        self.close()


def default_endpoints(store_url: str) -> tuple[str | None, str | None]:
    """Guess the Graph Store and update endpoints of an Oxigraph-style server from its query endpoint (``…/query``).

    Returns ``(None, None)`` for other layouts: give them explicitly.
    """
    parts = urlsplit(store_url)
    if not parts.path.endswith("/query"):
        return None, None
    base = parts.path[: -len("query")]
    return (urlunsplit(parts._replace(path=base + "store", query="")), urlunsplit(parts._replace(path=base + "update", query="")))


class RemoteStore:
    """A SPARQL 1.1 server reached over HTTP (see the module docstring)."""

    def __init__(
        self,
        query_url: str,
        gsp_url: str | None = None,
        *,
        update_url: str | None = None,
        union: UnionMode = "parameter",
        credentials: Credentials | None = None,
        default_timeout: float = DEFAULT_TIMEOUT,
        refresh_seconds: float = 30.0,
    ):
        if union not in UNION_MODES:
            raise ValueError(f"union must be one of {', '.join(UNION_MODES)}, not {union!r}")
        for url in (query_url, gsp_url, update_url):
            if url is not None and urlsplit(url).scheme not in ("http", "https"):
                raise StoreError(f"{url} is not an http(s) URL of a SPARQL endpoint")
        self.query_url = query_url
        self.gsp_url = gsp_url
        self.update_url = update_url
        self.union = union
        self.credentials = credentials or Credentials()
        self.default_timeout = default_timeout
        self.refresh_seconds = refresh_seconds
        self._local = threading.local()
        self._state_lock = threading.Lock()
        self._state: tuple[float, dict[str, int]] | None = None
        self._checker = None  # started on the first client text (tierslieux.stores.query_processes.TextChecker)

    def _check(self, sparql: str, policy: Policy, *, is_update: bool, timeout: float | None) -> bool:
        """Check a client's text in a checking process (never in this one); return whether it has FROM."""
        from .query_processes import TextChecker

        with self._state_lock:
            if self._checker is None:
                self._checker = TextChecker()
        return self._checker.check(sparql, policy, is_update=is_update, timeout=timeout)

    @classmethod
    def open(cls, query_url: str, gsp_url: str | None = None, **options) -> RemoteStore:
        """Connect to the store and check that it answers and shows its named graphs as its default graph.

        Raises :class:`StoreError` saying what is wrong (unreachable, not a SPARQL
        endpoint, no union default graph).
        """
        store = cls(query_url, gsp_url, **options)
        try:
            in_graphs = store._ask("ASK { GRAPH ?g { ?s ?p ?o } }", union=False)
            in_default = store._ask("ASK { ?s ?p ?o }", union=True)
        except (QueryFailed, QuerySyntaxError, QueryTimeout) as error:
            raise StoreError(f"the store at {query_url} does not answer SPARQL queries ({error or 'no answer in time'})") from None
        if in_graphs and not in_default:
            raise StoreError(
                f"the store at {query_url} holds named graphs, but a query without a dataset sees none of them with union={store.union!r}: "
                "use --union native for a server whose default graph is the union of its graphs, --union explicit for any other, "
                "and never start Oxigraph server with --union-default-graph (see docs/operations.md)"
            )
        return store

    # --- HTTP ---------------------------------------------------------------------------------

    def _connection(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's kept-alive connection to ``url``'s server, or a new one when it is busy with an unread answer."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        cached = getattr(self._local, "connection", None)
        if cached is not None and not getattr(cached[1], "busy", False):
            if cached[0] == key:
                cached[1].timeout = timeout
                cached[1].busy = True
                return cached[1], True
            cached[1].close()
        factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = factory(parts.netloc, timeout=timeout)
        connection.busy = True
        self._local.connection = (key, connection)
        return connection, False

    def _discard(self, connection: http.client.HTTPConnection) -> None:
        """Close ``connection`` (after a timeout, an error or an answer left unread)."""
        connection.close()
        cached = getattr(self._local, "connection", None)
        if cached is not None and cached[1] is connection:
            self._local.connection = None

    def _done(self, connection: http.client.HTTPConnection, body: _Body) -> None:
        """An answer was read to its end: its connection may serve the next request."""
        if body.finished():
            connection.busy = False
        else:
            self._discard(connection)

    def _send(
        self, url: str, method: str, body: bytes, content_type: str, deadline: _Deadline, accept: str | None = None
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Send one request (retrying once on a kept-alive connection the server had closed); return the connection and response."""
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = {"Content-Type": content_type, "User-Agent": "tierslieux-service"}
        if accept:
            headers["Accept"] = accept
        authorization = self.credentials.header()
        if authorization:
            headers["Authorization"] = authorization
        for attempt in (1, 2):
            connection, reused = self._connection(url, deadline.left())
            try:
                connection.request(method, path, body=body, headers=headers)
                if connection.sock is not None:
                    connection.sock.settimeout(deadline.left())
                return connection, connection.getresponse()
            except TimeoutError:
                self._discard(connection)
                raise QueryTimeout() from None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                self._discard(connection)
                if reused and attempt == 1:
                    continue
                raise StoreError(f"the store at {url} closed the connection ({error})") from None
            except (OSError, http.client.HTTPException) as error:
                self._discard(connection)
                raise StoreError(f"the store at {url} cannot be reached ({error})") from None
        raise AssertionError("unreachable")

    def _failure(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse, deadline: _Deadline, what: str) -> Exception:
        """The exception for a non-2xx answer, with the server's own message."""
        try:
            text = _Body(connection, response, deadline).read(8192).decode("utf-8", errors="replace").strip()
        except (QueryTimeout, QueryFailed):
            text = ""
        self._discard(connection)
        detail = " ".join(text.split())[:2000] or response.reason
        if response.status == 400:
            return QuerySyntaxError(detail)
        if response.status in (401, 403):
            return StoreError(f"the store refused the {what} (HTTP {response.status}: {detail}); check the credentials")
        if response.status in (404, 405):
            return StoreError(f"the store has no SPARQL {what} endpoint here (HTTP {response.status}: {detail})")
        if response.status in (503, 504) and "timeout" in detail.lower():
            return QueryTimeout()
        return QueryFailed(f"the store answered HTTP {response.status}: {detail}")

    # --- Store interface ----------------------------------------------------------------------

    def _form(self, sparql: str, default_graph_uris: Sequence[str], named_graph_uris: Sequence[str], union: bool) -> bytes:
        fields: list[tuple[str, str]] = [("query", sparql)]
        if default_graph_uris or named_graph_uris:
            fields += [("default-graph-uri", g) for g in default_graph_uris] + [("named-graph-uri", g) for g in named_graph_uris]
        elif union and self.union == "parameter":
            fields.append(("union-default-graph", ""))
        elif union and self.union == "explicit":
            graphs = self.graphs()
            fields += [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        return urlencode(fields).encode("utf-8")

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        union_default_graph: bool = True,
        timeout: float | None = None,
        max_rows: int | None = None,
        max_bytes: int | None = None,
        policy: Policy | None = None,
    ) -> QueryOutcome:
        """Send ``sparql`` to the store (see :meth:`tierslieux.stores.base.Store.query`); rows stream in as they are read.

        A ``policy`` is checked in a checking process first, under a time
        limit of its own; ``max_bytes`` is left to the caller (the answer is read row by row).
        """
        limit = timeout if timeout is not None else self.default_timeout
        # The check has its own time limit (a checking process may first have to start): the store's comes after it.
        if policy is not None and self._check(sparql, policy, is_update=False, timeout=limit):
            union_default_graph = False
        deadline = _Deadline(limit)
        form = self._form(sparql, default_graph_uris, named_graph_uris, union_default_graph)
        connection, response = self._send(self.query_url, "POST", form, FORM, deadline, accept=ACCEPT)
        if response.status != 200:
            raise self._failure(connection, response, deadline, "query")
        body = _Body(connection, response, deadline)
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        try:
            results_format = ox.QueryResultsFormat.from_media_type(media_type)
            rdf_format = None if results_format else ox.RdfFormat.from_media_type(media_type)
            if results_format is None and rdf_format is None:
                raise QueryFailed(f"the store answered in {media_type or 'an unnamed format'}, which cannot be read")
            if results_format is not None:
                parsed = ox.parse_query_results(body, results_format)
                if isinstance(parsed, ox.QueryBoolean):
                    answer = bool(parsed)
                    _Answer(self, body, iter(()), graph=False)._finish()
                    return QueryOutcome("boolean", boolean=answer)
                rows = _Answer(self, body, iter(parsed), graph=False)
                return QueryOutcome("solutions", variables=[v.value for v in parsed.variables], rows=rows)
            return QueryOutcome("graph", triples=_Answer(self, body, iter(ox.parse(body, rdf_format)), graph=True))
        except (QueryTimeout, QueryFailed):
            self._discard(connection)
            raise
        except (SyntaxError, ValueError, OSError) as error:
            self._discard(connection)
            raise QueryFailed(f"the store's answer could not be read ({error})") from None

    def _ask(self, sparql: str, *, union: bool) -> bool:
        outcome = self.query(sparql, union_default_graph=union)
        if outcome.kind != "boolean":
            raise QueryFailed(f"the store did not answer an ASK query with a boolean ({outcome.kind})")
        return bool(outcome.boolean)

    def update(self, sparql: str, *, policy: Policy | None = None, timeout: float | None = None) -> None:
        """Send a SPARQL update to the store's update endpoint (checked first, in a checking process, with a ``policy``)."""
        if not self.update_url:
            raise StoreError("this remote store has no update endpoint configured")
        limit = timeout if timeout is not None else self.default_timeout
        if policy is not None:
            self._check(sparql, policy, is_update=True, timeout=limit)
        deadline = _Deadline(limit)
        connection, response = self._send(self.update_url, "POST", sparql.encode("utf-8"), "application/sparql-update", deadline)
        if response.status not in (200, 204):
            raise self._failure(connection, response, deadline, "update")
        _Answer(self, _Body(connection, response, deadline), iter(()), graph=False)._finish()
        with self._state_lock:
            self._state = None

    def _graph_sizes(self) -> dict[str, int]:
        """Triples per named graph, asked again at most every ``refresh_seconds``."""
        with self._state_lock:
            if self._state is not None and time.monotonic() - self._state[0] < self.refresh_seconds:
                return self._state[1]
        outcome = self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", union_default_graph=False)
        sizes = {row[0].value: int(row[1].value) for row in outcome.rows if isinstance(row[0], ox.NamedNode)}
        with self._state_lock:
            self._state = (time.monotonic(), dict(sorted(sizes.items())))
            return self._state[1]

    def triples_count(self) -> int:
        """Return the number of triples in the named graphs (a triple in two graphs counts twice, like quads)."""
        return sum(self._graph_sizes().values())

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs, sorted."""
        return list(self._graph_sizes())

    @property
    def identity(self) -> str:
        """The endpoint's URL and a digest of its graphs' sizes (so caches follow a new publication within ``refresh_seconds``)."""
        digest = hashlib.sha256(repr(sorted(self._graph_sizes().items())).encode()).hexdigest()[:16]
        return f"{self.query_url}#{digest}"

    def close(self) -> None:
        """Close this thread's kept-alive connection (and stop the checking processes)."""
        if self._checker is not None:
            self._checker.close()
        cached = getattr(self._local, "connection", None)
        if cached is not None:
            self._discard(cached[1])
