"""The on-disk Oxigraph store of a release, queried in this process (the protocol is in :mod:`.base`)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from . import policy as rules
from .base import Policy, QueryFailed, QueryOutcome, QuerySyntaxError, QueryTimeout, StoreError


def check_client_text(sparql: str, policy: Policy, *, is_update: bool) -> bool:
    """Refuse a client's text that breaks ``policy`` (``QueryRefused``); return whether it names its dataset with FROM.

    Runs where the text is about to run (a query process, under the query's
    deadline): the check may parse the text with rdflib, which can be slow
    (rdflib is imported on the first text that needs it).
    """
    return rules.check(sparql, is_update=is_update, allowlist=policy.service_allowlist).has_from


def _guarded(items: Iterator, deadline: float | None) -> Iterator:
    """Yield from ``items``, raising :class:`QueryTimeout` before each item once ``deadline`` has passed."""
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise QueryTimeout()
        try:
            item = next(items)
        except StopIteration:
            return
        except (OSError, RuntimeError, ValueError) as error:
            raise QueryFailed(str(error)) from error
        yield item


class EmbeddedStore:
    """An on-disk Oxigraph store opened read-only (or a given pyoxigraph store, for tests and builds)."""

    def __init__(self, store: ox.Store, identity: str, *, read_only: bool = True):
        self._store = store
        self._identity = identity
        self.read_only = read_only

    @classmethod
    def open(cls, store_dir: Path, *, read_only: bool = True) -> EmbeddedStore:
        """Open the Oxigraph store in ``store_dir`` (read-only unless asked); raise :class:`StoreError` with a clear message.

        Read-only handles can be held by many processes at once; a writable one
        takes the store's lock, so only one process may hold it.
        """
        store_dir = Path(store_dir)
        if not store_dir.is_dir():
            raise StoreError(f"no store at {store_dir}: run `tierslieux build` first")
        real = store_dir.resolve()
        try:
            store = ox.Store.read_only(str(real)) if read_only else ox.Store(str(real))
            # Opening is lazy about some files: read once so a damaged store fails here, not on a request.
            store.query("ASK { GRAPH ?g { ?s ?p ?o } }")
        except (OSError, ValueError, RuntimeError) as error:
            raise StoreError(f"the store at {store_dir} cannot be opened ({error}); rebuild it with `tierslieux build`") from error
        return cls(store, identity=str(real), read_only=read_only)

    @property
    def identity(self) -> str:
        """The resolved path of the store (a new release is a new folder)."""
        return self._identity

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
        """Run ``sparql`` in this process (see :meth:`Store.query`; ``max_rows`` and ``max_bytes`` are not needed here).

        Raises :class:`QuerySyntaxError` for a query that does not parse and
        :class:`QueryTimeout` when the deadline passes before the first answer.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        if policy is not None and check_client_text(sparql, policy, is_update=False):
            union_default_graph = False
        options: dict = {}
        try:
            if default_graph_uris or named_graph_uris:
                # Only named graphs given: the default graph is empty (SPARQL 1.1 Query, 13.2).
                options["default_graph"] = [ox.NamedNode(iri) for iri in default_graph_uris]
                options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graph_uris]
            elif union_default_graph:
                # Never together with FROM: pyoxigraph's union flag would silently replace the query's own dataset.
                options["use_default_graph_as_union"] = True
            result = self._store.query(sparql, **options)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except (OSError, RuntimeError, ValueError) as error:
            raise QueryFailed(str(error)) from error
        if deadline is not None and time.monotonic() > deadline:
            raise QueryTimeout()
        if isinstance(result, ox.QuerySolutions):
            return QueryOutcome("solutions", variables=[v.value for v in result.variables], rows=_guarded(iter(result), deadline))
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome("boolean", boolean=bool(result))
        return QueryOutcome("graph", triples=_guarded(iter(result), deadline))

    def update(self, sparql: str, *, policy: Policy | None = None, timeout: float | None = None) -> None:
        """Run a SPARQL update (checked first when a ``policy`` is given); refused on a read-only store.

        ``timeout`` is not enforced: an update in this process cannot be stopped (the service uses query processes).
        """
        if self.read_only:
            raise StoreError("this store is opened read-only")
        if policy is not None:
            check_client_text(sparql, policy, is_update=True)
        try:
            self._store.update(sparql)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except (OSError, RuntimeError, ValueError) as error:
            raise QueryFailed(str(error)) from error

    def triples_count(self) -> int:
        """Return the number of quads in the store."""
        return len(self._store)

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def close(self) -> None:
        """Nothing to do: the pyoxigraph handle is closed when the last reference to it goes."""
