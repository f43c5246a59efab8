"""Queries that can be stopped: the built store queried in child processes that are killed at the time limit.

pyoxigraph cannot cancel a running query from Python: a thread that gives up
waiting leaves the engine computing. So the service never runs a query in its
own process. Each service worker keeps a small pool of long-lived *query
processes* (``python -m tierslieux.stores.query_processes``); each opens the store once
and answers requests over a socket pair:

* request: ``("query", text, default_graphs, named_graphs, union, max_items)``,
  ``("update", text)``, ``("count",)`` or ``("graphs",)``;
* answer: ``("boolean", value)``, or ``("head", kind, variables, bytes, done)``
  followed, until ``done``, by ``("part", bytes, done)`` chunks (SELECT rows as
  SPARQL TSV lines, CONSTRUCT triples as N-Triples: pyoxigraph's own lossless
  term syntax); ``("ok", value)``; ``("error", kind, message)`` at any point.

The parent waits for each message with the query's deadline; past it, the
query process is killed (SIGKILL, so its CPU is freed at once), reaped, and a
fresh one is started for the next query. A child stops by itself after
``max_items + 1`` rows, so an answer over the row limit costs no more than
that. A child whose parent dies exits too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from .base import QueryFailed, QueryOutcome, QuerySyntaxError, QueryTimeout, StoreError
from .embedded import EmbeddedStore

#: Rows (or triples) sent in one message at most.
CHUNK_ITEMS = 2000
#: A partial chunk is sent after this many seconds, so that slow answers still arrive row by row.
FLUSH_SECONDS = 0.05
#: Longest wait for a new query process to open the store.
SPAWN_TIMEOUT = 60.0

_ERRORS: dict[str, type[Exception]] = {"syntax": QuerySyntaxError, "failed": QueryFailed, "store": StoreError}


# --- the query process --------------------------------------------------------------------------


def _encode(kind: str, items: list, width: int) -> bytes:
    if kind == "solutions":
        positions = range(width)
        lines = ["\t".join(["" if (term := row[i]) is None else str(term) for i in positions]) for row in items]
        return ("\n".join(lines) + "\n").encode("utf-8")
    return ox.serialize(items, format=ox.RdfFormat.N_TRIPLES)


def _stream(conn: Connection, outcome: QueryOutcome, max_items: int | None) -> None:
    """Send an outcome's rows or triples in chunks, stopping after ``max_items + 1`` of them.

    The first message carries the head and the first chunk, and says whether
    the answer is complete: a small answer is one message.
    """
    if outcome.kind == "boolean":
        conn.send(("boolean", outcome.boolean))
        return
    items = outcome.rows if outcome.kind == "solutions" else outcome.triples
    cap = None if max_items is None else max_items + 1
    width = len(outcome.variables)
    head: tuple | None = ("head", outcome.kind, outcome.variables)
    chunk: list = []
    sent = 0
    flushed = time.monotonic()
    for item in items:
        chunk.append(item)
        if cap is not None and sent + len(chunk) >= cap:
            break
        if len(chunk) >= CHUNK_ITEMS or time.monotonic() - flushed > FLUSH_SECONDS:
            payload = _encode(outcome.kind, chunk, width)
            conn.send(head + (payload, False) if head else ("part", payload, False))
            head = None
            sent += len(chunk)
            chunk = []
            flushed = time.monotonic()
    payload = _encode(outcome.kind, chunk, width) if chunk else b""
    conn.send(head + (payload, True) if head else ("part", payload, True))


def _answer(conn: Connection, store: EmbeddedStore, request: tuple) -> None:
    operation = request[0]
    try:
        if operation == "query":
            _, text, default_graphs, named_graphs, union, max_items = request
            outcome = store.query(text, default_graph_uris=default_graphs, named_graph_uris=named_graphs, union_default_graph=union)
            _stream(conn, outcome, max_items)
        elif operation == "update":
            store.update(request[1])
            conn.send(("ok", None))
        elif operation == "count":
            conn.send(("ok", store.triples_count()))
        elif operation == "graphs":
            conn.send(("ok", store.graphs()))
        else:
            conn.send(("error", "failed", f"unknown request {operation!r}"))
    except QuerySyntaxError as error:
        conn.send(("error", "syntax", str(error)))
    except QueryFailed as error:
        conn.send(("error", "failed", str(error)))
    except StoreError as error:
        conn.send(("error", "store", str(error)))


def _exit_with_parent(parent: int) -> None:
    """Exit as soon as the parent is gone (the engine releases the GIL while it computes, so this runs)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def child_main(argv: list[str]) -> int:
    """Entry point of a query process: ``python -m tierslieux.stores.query_processes FD STORE_DIR ro|rw``."""
    fd, store_dir, mode = int(argv[0]), Path(argv[1]), argv[2]
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    conn = Connection(fd)
    try:
        store = EmbeddedStore.open(store_dir, read_only=mode == "ro")
    except StoreError as error:
        conn.send(("error", "store", str(error)))
        return 3
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return 0
        try:
            _answer(conn, store, request)
        except (BrokenPipeError, ConnectionResetError):
            return 0


# --- the parent's side ---------------------------------------------------------------------------


class QueryProcess:
    """One query process and the parent's end of its socket."""

    def __init__(self, store_dir: Path, *, writable: bool):
        parent_end, child_end = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tierslieux.stores.query_processes", str(child_end.fileno()), str(store_dir), "rw" if writable else "ro"],
            pass_fds=(child_end.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        child_end.close()
        self.conn = Connection(parent_end.detach())
        try:
            message = self.receive(time.monotonic() + SPAWN_TIMEOUT)
        except QueryTimeout:
            raise StoreError(f"the store at {store_dir} did not open within {SPAWN_TIMEOUT:g} s") from None
        except QueryFailed as error:
            self.kill()
            raise StoreError(f"the store at {store_dir} cannot be opened ({error}); rebuild it with `tierslieux build`") from None
        except Exception:
            self.kill()
            raise
        if message[0] != "ready":
            self.kill()
            raise StoreError(f"the query process for {store_dir} answered {message!r} instead of starting")

    @property
    def pid(self) -> int:
        """The query process's id."""
        return self.process.pid

    def send(self, message: tuple) -> None:
        """Send a request; :class:`QueryFailed` when the process is gone."""
        try:
            self.conn.send(message)
        except OSError as error:
            self.kill()
            raise QueryFailed(f"the query process stopped unexpectedly ({error})") from None

    def receive(self, deadline: float | None) -> tuple:
        """Wait for the next message until ``deadline``; kill the process and raise :class:`QueryTimeout` past it.

        An ``("error", …)`` message is raised as the matching exception.
        """
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            ready = self.conn.poll(remaining)
            message = self.conn.recv() if ready else None
        except (EOFError, OSError):
            code = self.process.poll()
            self.kill()
            raise QueryFailed(f"the query process stopped unexpectedly (exit status {code})") from None
        if message is None:
            self.kill()
            raise QueryTimeout()
        if message[0] == "error":
            raise _ERRORS[message[1]](message[2])
        return message

    def kill(self) -> None:
        """Kill the process (its query stops at once) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.conn.close()

    @property
    def alive(self) -> bool:
        """Whether the process is still running and its socket open."""
        return not self.conn.closed and self.process.poll() is None


class QueryProcessPool:
    """Up to ``size`` query processes on one store, started when needed and handed to one caller at a time."""

    def __init__(self, store_dir: Path, *, writable: bool = False, size: int = 4):
        self.store_dir = Path(store_dir)
        self.writable = writable
        # A writable store takes RocksDB's lock: one process only.
        self.size = 1 if writable else max(1, size)
        self._idle: list[QueryProcess] = []
        self._started = 0
        self._closed = False
        self._condition = threading.Condition()

    def lease(self, deadline: float | None) -> QueryProcess:
        """Return an idle query process, starting one if there is room, else wait (until ``deadline``)."""
        with self._condition:
            while True:
                # A closed pool still answers a caller that got its store just before the swap (the release is kept).
                while self._idle:
                    process = self._idle.pop()
                    if process.alive:
                        return process
                    process.kill()
                    self._started -= 1
                if self._started < self.size:
                    self._started += 1
                    break
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise QueryTimeout()
                self._condition.wait(remaining)
        try:
            return QueryProcess(self.store_dir, writable=self.writable)
        except BaseException:
            with self._condition:
                self._started -= 1
                self._condition.notify()
            raise

    def give_back(self, process: QueryProcess, *, clean: bool) -> None:
        """Return a leased process: kept when it finished its answer cleanly, killed otherwise."""
        with self._condition:
            if clean and process.alive and not self._closed:
                self._idle.append(process)
            else:
                process.kill()
                self._started -= 1
            self._condition.notify()

    def fill(self) -> None:
        """Start every query process the pool may hold, side by side, so that concurrent clients find them ready.

        A process started while a client waits costs that client the start
        (a Python interpreter and the store opened: a few tenths of a second).
        Raises the first failure, after giving back the processes that started.
        """
        with ThreadPoolExecutor(self.size) as executor:
            futures = [executor.submit(self.lease, None) for _ in range(self.size)]
        failures = []
        for future in futures:
            try:
                self.give_back(future.result(), clean=True)
            except Exception as error:  # noqa: BLE001 -- re-raised below, once every started process is back
                failures.append(error)
        if failures:
            raise failures[0]

    def pids(self) -> list[int]:
        """The ids of the idle query processes (for tests and diagnostics)."""
        with self._condition:
            return [p.pid for p in self._idle]

    def close(self) -> None:
        """Stop the idle processes now and the leased ones when they are given back."""
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            self._started -= len(idle)
            self._condition.notify_all()
        for process in idle:
            process.kill()


class _Stream:
    """The rows or triples of one answer, read chunk by chunk from a leased query process.

    Chunks stay in their wire form until iterated; :meth:`tsv` hands SELECT
    rows over in that form, for a caller that would write them as TSV anyway.
    """

    def __init__(self, pool: QueryProcessPool, process: QueryProcess, head: tuple, deadline: float | None):
        _, self._kind, variables, payload, done = head
        self._pool = pool
        self._process: QueryProcess | None = process
        self._header = ("\t".join("?" + v for v in variables) + "\n").encode("utf-8")
        self._deadline = deadline
        self._pending: list[bytes] = [payload] if payload else []
        self._items: Iterator = iter(())
        self._started = False
        if done:
            self._release(clean=True)

    def __iter__(self) -> _Stream:
        return self

    def __next__(self):
        self._started = True
        while True:
            for item in self._items:
                return item
            if not self._pending and not self._receive():
                raise StopIteration
            if self._pending:
                self._items = self._decode(self._pending.pop(0))

    def tsv(self) -> tuple[bytes, int]:
        """Read every remaining row as SPARQL TSV lines (without the header line); return them and their number.

        The query process already stopped at its row cap, if it was given one.
        """
        if self._started or self._kind != "solutions":
            raise ValueError("tsv() reads the rows of a SELECT answer, before any is iterated")
        self._started = True
        while self._receive():
            pass
        body = b"".join(self._pending)
        self._pending = []
        return body, body.count(b"\n")

    def _decode(self, payload: bytes) -> Iterator:
        if self._kind == "solutions":
            return iter(ox.parse_query_results(self._header + payload, ox.QueryResultsFormat.TSV))
        return (quad.triple for quad in ox.parse(payload, ox.RdfFormat.N_TRIPLES))

    def _receive(self) -> bool:
        """Wait for the next chunk (kept in ``_pending``); False once the answer is complete."""
        if self._process is None:
            return False
        try:
            _, payload, done = self._process.receive(self._deadline)
        except (QuerySyntaxError, QueryFailed, StoreError):
            self._release(clean=self._process.alive)
            raise
        except BaseException:
            self._release(clean=False)
            raise
        if payload:
            self._pending.append(payload)
        if done:
            self._release(clean=True)
        return True

    def _release(self, *, clean: bool) -> None:
        process, self._process = self._process, None
        if process is not None:
            self._pool.give_back(process, clean=clean)

    def close(self) -> None:
        """Stop reading: a process left in the middle of an answer is killed (a fresh one replaces it)."""
        self._release(clean=False)

    def __del__(self) -> None:
        self.close()


class IsolatedStore:
    """The built Oxigraph store, queried in child processes that are killed at the time limit (see the module docstring)."""

    def __init__(self, pool: QueryProcessPool, identity: str, *, default_timeout: float | None = None):
        self._pool = pool
        self._identity = identity
        self.default_timeout = default_timeout

    @classmethod
    def open(cls, store_dir: Path, *, read_only: bool = True, processes: int = 4, default_timeout: float | None = None) -> IsolatedStore:
        """Start the query processes on ``store_dir``; raise :class:`StoreError` saying why when they cannot open the store."""
        store_dir = Path(store_dir)
        if not store_dir.is_dir():
            raise StoreError(f"no store at {store_dir}: run `tierslieux build` first")
        real = store_dir.resolve()
        pool = QueryProcessPool(real, writable=not read_only, size=processes)
        pool.fill()
        return cls(pool, str(real), default_timeout=default_timeout)

    @property
    def identity(self) -> str:
        """The resolved path of the store (a new release is a new folder)."""
        return self._identity

    @property
    def pool(self) -> QueryProcessPool:
        """The query processes of this store."""
        return self._pool

    def _deadline(self, timeout: float | None) -> float | None:
        limit = timeout if timeout is not None else self.default_timeout
        return None if limit is None else time.monotonic() + limit

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        union_default_graph: bool = True,
        timeout: float | None = None,
        max_rows: int | None = None,
    ) -> QueryOutcome:
        """Run ``sparql`` in a query process (see :meth:`tierslieux.stores.base.Store.query`).

        The deadline holds until the last row is read: past it the process is
        killed and :class:`QueryTimeout` raised. ``max_rows`` tells the process
        to stop after ``max_rows + 1`` rows, enough to see the limit is passed.
        """
        deadline = self._deadline(timeout)
        process = self._pool.lease(deadline)
        try:
            process.send(("query", sparql, list(default_graph_uris), list(named_graph_uris), union_default_graph, max_rows))
            head = process.receive(deadline)
        except (QuerySyntaxError, QueryFailed, StoreError):
            self._pool.give_back(process, clean=process.alive)  # the process answered: it can serve the next query
            raise
        except BaseException:
            self._pool.give_back(process, clean=False)
            raise
        if head[0] == "boolean":
            self._pool.give_back(process, clean=True)
            return QueryOutcome("boolean", boolean=head[1])
        stream = _Stream(self._pool, process, head, deadline)
        if head[1] == "solutions":
            return QueryOutcome("solutions", variables=head[2], rows=stream)
        return QueryOutcome("graph", triples=stream)

    def _call(self, request: tuple, timeout: float | None = None):
        deadline = self._deadline(timeout)
        process = self._pool.lease(deadline)
        clean = False
        try:
            process.send(request)
            value = process.receive(deadline)[1]
            clean = True
            return value
        except (QuerySyntaxError, QueryFailed, StoreError):
            clean = process.alive
            raise
        finally:
            self._pool.give_back(process, clean=clean)

    def update(self, sparql: str) -> None:
        """Run a SPARQL update (the store must have been opened writable)."""
        self._call(("update", sparql))

    def triples_count(self) -> int:
        """Return the number of quads in the store."""
        return self._call(("count",))

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs, sorted."""
        return self._call(("graphs",))

    def close(self) -> None:
        """Stop the query processes (idle ones now, busy ones when their answer ends)."""
        self._pool.close()


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
