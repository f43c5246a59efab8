"""The one small interface between the service and a SPARQL engine.

The service talks to a :class:`Store`: it asks a query with its protocol
dataset (``default-graph-uri``/``named-graph-uri``) and a time limit, and gets
back a :class:`QueryOutcome` whose rows or triples it may stop reading at any
time. Three stores fit behind it:

* :class:`tierslieux.stores.embedded.EmbeddedStore`: the on-disk Oxigraph store that ``tierslieux build``
  writes, opened read-only in this process (several processes can share it);
* :class:`tierslieux.stores.query_processes.IsolatedStore`: the same store queried in
  child processes that are killed at the time limit (what the service uses);
* :class:`tierslieux.stores.remote.RemoteStore`: an external SPARQL 1.1
  server, whose answers are read back with ``pyoxigraph.parse_query_results``
  (rows) or ``pyoxigraph.parse`` (triples), yielding the same objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import pyoxigraph as ox

ResultKind = Literal["solutions", "boolean", "graph"]


class StoreError(Exception):
    """The store could not be opened or read."""


class QuerySyntaxError(ValueError):
    """The query text is not valid SPARQL; the message gives the line and column."""


class QueryTimeout(Exception):
    """The query ran past its time limit."""


class QueryFailed(Exception):
    """The engine could not evaluate the query (a failing SERVICE call, a type error it does not forgive…)."""


class QueryRefused(Exception):
    """A client's text asks for something the service does not do (``status``: the HTTP status to answer)."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.status = status


class QueryOutOfMemory(Exception):
    """The query process reached its memory limit and was replaced (``limit_mb``: the limit, in MiB)."""

    def __init__(self, limit_mb: int | None):
        super().__init__(limit_mb)
        self.limit_mb = limit_mb


class QueryBusy(Exception):
    """The query ran past the time that makes it long while every slot for long queries was taken; it was stopped."""

    def __init__(self, after_seconds: float, slots: int):
        super().__init__(after_seconds, slots)
        self.after_seconds = after_seconds
        self.slots = slots


class AnswerTooLarge(Exception):
    """The answer is larger than the service's limit in bytes (``limit``)."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True)
class Policy:
    """A client's text: checked where it runs (``tierslieux.stores.policy.check``) before the engine sees it.

    ``service_allowlist`` lists the endpoints ``SERVICE`` may call. A query
    checked this way that names its own dataset with FROM is never given the
    union default graph (pyoxigraph's union flag would replace FROM).
    """

    service_allowlist: tuple[str, ...] = ()


@dataclass
class QueryOutcome:
    """The answer to one query, read lazily.

    ``kind`` says which of the fields is set: ``variables`` and ``rows`` for a
    SELECT, ``boolean`` for an ASK, ``triples`` for a CONSTRUCT or DESCRIBE.
    ``rows`` and ``triples`` are iterators that raise :class:`QueryTimeout`
    once the deadline has passed.
    """

    kind: ResultKind
    variables: list[str] = field(default_factory=list)
    rows: Iterator[ox.QuerySolution] | None = None
    boolean: bool | None = None
    triples: Iterator[ox.Triple] | None = None

    def close(self) -> None:
        """Stop reading the answer (a store may then free what computes it); safe to call twice."""
        for items in (self.rows, self.triples):
            close = getattr(items, "close", None)
            if close is not None:
                close()


class Store(Protocol):
    """What the service needs from a SPARQL engine."""

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
        """Run a SPARQL query.

        A protocol dataset (``default_graph_uris``/``named_graph_uris``) replaces
        the query's own FROM / FROM NAMED. Without one, the default graph is the
        union of all named graphs when ``union_default_graph`` is true; pass
        false for a query that names its own dataset with FROM. ``max_rows``
        says the caller reads at most ``max_rows + 1`` rows or triples, so the
        store may stop computing there; ``max_bytes`` bounds the answer's size
        (:class:`AnswerTooLarge` beyond). With a ``policy`` the text is a
        client's: it is checked first (:class:`QueryRefused`).
        """
        ...

    def update(self, sparql: str, *, policy: Policy | None = None, timeout: float | None = None) -> None:
        """Run a SPARQL update (checked first when a ``policy`` is given), within ``timeout`` seconds where the store can stop it."""
        ...

    def triples_count(self) -> int:
        """Return the number of quads in the store (every triple of every graph)."""
        ...

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs, sorted."""
        ...

    @property
    def identity(self) -> str:
        """A string that changes when the store's content may have changed (used to key caches)."""
        ...

    def close(self) -> None:
        """Release what the store holds (processes, connections) once no answer is being read from it."""
        ...
