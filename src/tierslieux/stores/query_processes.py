"""Queries that can be stopped: the built store queried in child processes that are killed at the time limit.

pyoxigraph cannot cancel a running query from Python: a thread that gives up
waiting leaves the engine computing. So the service never runs a query in its
own process. Each service worker keeps a small pool of long-lived *query
processes* (``python -m tierslieux.stores.query_processes``); each opens the
on-disk store once, or is forked from a holder of the release in memory
(:mod:`.held_in_memory`), and answers requests over a socket pair:

* request: ``("query", text, default_graphs, named_graphs, union, max_items, max_bytes, allowlist)``,
  ``("update", text, allowlist)``, ``("check", text, is_update, allowlist)``,
  ``("count",)`` or ``("graphs",)``; ``allowlist`` is None for the service's
  own texts, else the text is a client's and is checked first
  (``tierslieux.stores.policy.check``, under the query's deadline);
* answer: ``("boolean", value)``, or ``("head", kind, variables, bytes, done)``
  followed, until ``done``, by ``("part", bytes, done)`` chunks (SELECT rows as
  SPARQL TSV lines, CONSTRUCT triples as N-Triples: pyoxigraph's own lossless
  term syntax); ``("ok", value)``; ``("error", kind, message)`` at any point.

The parent waits for each message with the query's deadline; past it, the
query process is killed (SIGKILL, so its CPU is freed at once), reaped, and a
fresh one is started for the next query. A child stops by itself after
``max_items + 1`` rows or ``max_bytes`` bytes of answer, so an answer over a
limit costs no more than that. A child whose parent dies exits too.

What makes a query process die is contained:

* memory: a child may be given a hard limit of address space
  (``RLIMIT_AS``, ``memory_mb``); an allocation past it aborts the process
  (Oxigraph aborts on a failed allocation), which the parent reports as
  :class:`QueryOutOfMemory` and replaces;
* deep recursion: requests are answered in a thread with a large stack
  (``STACK_BYTES``), so the engine's recursive parser and evaluator do not
  overflow on any text the service accepts; the web worker refuses deeper
  nesting before (``tierslieux.service.guard.precheck``);
* any other exception is answered as an error; the process goes on, except
  after a ``SystemError`` (the interpreter reports a broken invariant) or a
  text rdflib's parser could not read within the recursion limit
  (:class:`~.policy.RefusedTooDeep`): the process is no longer trusted and
  exits, after answering the refusal in the second case;
* a process that dies before it answers a query (a crash, or the exit above)
  is replaced and the query is sent once more, to another process, within the
  same deadline: a read-only query has no effect to repeat, and the client gets
  its answer instead of a 500. The hostile corpus found such a crash: a valid
  query checked by rdflib's parser after a timed-out one sometimes met
  "error return without exception set" or a segmentation fault
  (``tests/service/test_hardening.py``).

Long queries share a few slots (:class:`LongQuerySlots`): a query still
running after ``after_seconds`` needs one, and is stopped with
:class:`QueryBusy` when they are all taken, so that long queries cannot hold
every query process while short ones wait.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
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

from ..children import end_with_parent
from .base import (
    AnswerTooLarge,
    Policy,
    QueryBusy,
    QueryFailed,
    QueryOutcome,
    QueryOutOfMemory,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
)
from .embedded import EmbeddedStore, check_client_text
from .held_in_memory import ANSWER_TIMEOUT, ForkedProcess, StoreHolder, hold
from .policy import preload as preload_policy_parser

_log = logging.getLogger(__name__)

#: Rows (or triples) sent in one message at most.
CHUNK_ITEMS = 2000
#: A partial chunk is sent after this many seconds, so that slow answers still arrive row by row.
FLUSH_SECONDS = 0.05
#: A chunk is sent once its rows reach this many bytes.
CHUNK_BYTES = 1 << 20
#: Longest wait for a new query process to open the store.
SPAWN_TIMEOUT = 60.0
#: Stack of the thread answering requests in a query process: the engine recurses on nesting (8 MiB overflowed at
#: 2,200 nested braces; 256 MiB held 30,000, more than a 64 KiB text can nest). Address space, not memory used.
STACK_BYTES = 256 << 20

#: The exit status of a query process that met a ``SystemError`` (``sysexits.h``'s EX_SOFTWARE).
BROKEN_EXIT = 70


class QueryProcessDied(QueryFailed):
    """The query process ended before it answered (a crash): nothing was answered, so a query may be sent again."""


_ERRORS: dict[str, type[Exception]] = {"syntax": QuerySyntaxError, "failed": QueryFailed, "store": StoreError}
#: Errors after which the query process is in a known state and serves the next request.
ANSWERED = (QuerySyntaxError, QueryFailed, StoreError, QueryRefused, AnswerTooLarge)


# --- the query process --------------------------------------------------------------------------


def _encode(kind: str, items: list, width: int) -> bytes:
    if kind == "solutions":
        positions = range(width)
        lines = ["\t".join(["" if (term := row[i]) is None else str(term) for i in positions]) for row in items]
        return ("\n".join(lines) + "\n").encode("utf-8")
    return ox.serialize(items, format=ox.RdfFormat.N_TRIPLES)


def _stream(conn: Connection, outcome: QueryOutcome, max_items: int | None, max_bytes: int | None = None) -> None:
    """Send an outcome's rows or triples in chunks, stopping after ``max_items + 1`` of them.

    The first message carries the head and the first chunk, and says whether
    the answer is complete: a small answer is one message. Past ``max_bytes``
    bytes of rows (in their wire form) the answer stops with a "too-large" error.
    """
    if outcome.kind == "boolean":
        conn.send(("boolean", outcome.boolean))
        return
    items = outcome.rows if outcome.kind == "solutions" else outcome.triples
    cap = None if max_items is None else max_items + 1
    width = len(outcome.variables)
    head: tuple | None = ("head", outcome.kind, outcome.variables)
    chunk: list = []
    chunk_bytes = total = sent = 0
    flushed = time.monotonic()
    for item in items:
        chunk.append(item)
        if outcome.kind == "solutions":
            chunk_bytes += sum(len(str(term)) for term in item if term is not None) + width
        else:
            chunk_bytes += len(str(item)) + 3
        if max_bytes is not None and total + chunk_bytes > max_bytes:
            conn.send(("error", "too-large", str(max_bytes)))
            return
        if cap is not None and sent + len(chunk) >= cap:
            break
        if len(chunk) >= CHUNK_ITEMS or chunk_bytes >= CHUNK_BYTES or time.monotonic() - flushed > FLUSH_SECONDS:
            payload = _encode(outcome.kind, chunk, width)
            conn.send(head + (payload, False) if head else ("part", payload, False))
            head = None
            sent += len(chunk)
            total += chunk_bytes
            chunk = []
            chunk_bytes = 0
            flushed = time.monotonic()
    payload = _encode(outcome.kind, chunk, width) if chunk else b""
    conn.send(head + (payload, True) if head else ("part", payload, True))


def _policy(allowlist: list[str] | None) -> Policy | None:
    return None if allowlist is None else Policy(tuple(allowlist))


def _answer(conn: Connection, store: EmbeddedStore | None, request: tuple) -> None:
    operation = request[0]
    try:
        if operation == "check":
            _, text, is_update, allowlist = request
            conn.send(("ok", check_client_text(text, Policy(tuple(allowlist)), is_update=is_update)))
        elif store is None:
            conn.send(("error", "failed", f"this query process has no store and only checks texts, not {operation!r}"))
        elif operation == "query":
            _, text, default_graphs, named_graphs, union, max_items, max_bytes, allowlist = request
            outcome = store.query(
                text, default_graph_uris=default_graphs, named_graph_uris=named_graphs, union_default_graph=union, policy=_policy(allowlist)
            )
            _stream(conn, outcome, max_items, max_bytes)
        elif operation == "update":
            store.update(request[1], policy=_policy(request[2]))
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
    except QueryRefused as error:
        ends = getattr(error, "ends_process", False)
        conn.send(("error", "refused", str(error), error.status, ends))
        if ends:
            os._exit(BROKEN_EXIT)  # answered; the parent does not give this process another request
    except MemoryError:
        os.abort()  # the parent reads SIGABRT as "out of memory", as for the engine's own failed allocations
    except (BrokenPipeError, ConnectionResetError):
        raise
    except SystemError:
        os._exit(BROKEN_EXIT)  # the interpreter's state is broken: the parent replaces this process
    except Exception as error:  # noqa: BLE001 -- any other failure is this request's, never the process's end
        conn.send(("error", "failed", f"{type(error).__name__}: {error}"))


def _serve(conn: Connection, store: EmbeddedStore | None) -> None:
    """Answer requests until the parent closes the socket."""
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            _answer(conn, store, request)
        except (BrokenPipeError, ConnectionResetError):
            return


def child_main(argv: list[str]) -> int:
    """Entry point of a query process: ``python -m tierslieux.stores.query_processes FD STORE_DIR|- ro|rw [MEMORY_MB [hold DUMP|-]]``.

    ``-`` as the store starts a process that only checks client texts.
    ``MEMORY_MB`` (0: none) is the hard limit of its address space, set once
    the store is open. ``hold DUMP`` starts the holder of a release read into
    memory from its N-Quads dump, which forks the query processes
    (:mod:`.held_in_memory`); ``hold -`` a holder that forks query processes
    each opening the on-disk ``STORE_DIR``.
    """
    fd, store_arg, mode = int(argv[0]), argv[1], argv[2]
    memory_mb = int(argv[3]) if len(argv) > 3 else 0
    end_with_parent(os.getppid(), lambda: os._exit(0), interval=1.0)
    conn = Connection(fd)
    if len(argv) > 5 and argv[4] == "hold":
        return hold(conn, Path(store_arg), None if argv[5] == "-" else Path(argv[5]), memory_mb, serve=run_query_process)
    store = None
    if store_arg != "-":
        try:
            store = EmbeddedStore.open(Path(store_arg), read_only=mode == "ro")
        except StoreError as error:
            conn.send(("error", "store", str(error)))
            return 3
    return run_query_process(conn, store, memory_mb)


def run_query_process(conn: Connection, store: EmbeddedStore | None, memory_mb: int, held_bytes: int = 0) -> int:
    """Answer requests on ``conn`` from ``store`` until the parent closes it (the store is open, or held in memory).

    The address space is limited to ``MEMORY_MB`` MiB plus ``held_bytes``, the
    graph a holder read into memory before it forked this process.
    """
    threading.stack_size(STACK_BYTES)
    sys.setrecursionlimit(200_000)  # rdflib's parser recurses on nesting too; the large stack holds it
    server = threading.Thread(target=_serve, args=(conn, store), name="answers")
    server.start()  # before the limit: the stack's address space is reserved now
    if memory_mb > 0:
        preload_policy_parser()
        limit = (memory_mb << 20) + held_bytes
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError) as error:
            conn.send(("error", "store", f"cannot limit the query process's memory to {memory_mb} MiB ({error})"))
            os._exit(3)
    conn.send(("ready", os.getpid()))
    server.join()
    return 0


# --- the parent's side ---------------------------------------------------------------------------


class LongQuerySlots:
    """How many queries of one pool may run longer than ``after_seconds`` at once (``count``)."""

    def __init__(self, after_seconds: float, count: int):
        self.after_seconds = float(after_seconds)
        self.count = max(1, int(count))
        self._semaphore = threading.BoundedSemaphore(self.count)

    def take(self) -> bool:
        """Take a slot if one is free; False otherwise (never waits)."""
        return self._semaphore.acquire(blocking=False)

    def give_back(self) -> None:
        """Free a slot taken with :meth:`take`."""
        self._semaphore.release()


class QueryProcess:
    """One query process and the parent's end of its socket."""

    def __init__(
        self,
        store_dir: Path | None,
        *,
        writable: bool,
        memory_mb: int = 0,
        slots: LongQuerySlots | None = None,
        holder: StoreHolder | None = None,
    ):
        parent_end, child_end = socket.socketpair()
        self.memory_mb = memory_mb
        self.slots = slots
        self.started: float | None = None  # when the current request was sent
        self.holds_slot = False
        self.generation = 0  # the pool's generation when it was started (see QueryProcessPool.renew)
        self.process: subprocess.Popen | ForkedProcess
        if holder is not None:
            try:
                self.process = holder.fork(child_end)
            except BaseException:
                parent_end.close()
                raise
            finally:
                child_end.close()
        else:
            where = "-" if store_dir is None else str(store_dir)
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "tierslieux.stores.query_processes",
                    str(child_end.fileno()), where, "rw" if writable else "ro", str(memory_mb),
                ],
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
        self.started = time.monotonic()
        try:
            self.conn.send(message)
        except OSError as error:
            self.kill()
            raise QueryProcessDied(f"the query process stopped unexpectedly ({error})") from None

    def _wait_until(self, deadline: float | None) -> tuple[float | None, bool]:
        """When to stop waiting, and whether that moment is the one a long query needs a slot at."""
        if self.slots is None or self.holds_slot or self.started is None:
            return deadline, False
        long_at = self.started + self.slots.after_seconds
        if deadline is not None and deadline <= long_at:
            return deadline, False
        return long_at, True

    def receive(self, deadline: float | None) -> tuple:
        """Wait for the next message until ``deadline``; kill the process and raise :class:`QueryTimeout` past it.

        A request still unanswered after the slots' ``after_seconds`` takes a
        long-query slot, or is stopped with :class:`QueryBusy` when none is
        free. An ``("error", …)`` message is raised as the matching exception.
        """
        while True:
            until, is_long_at = self._wait_until(deadline)
            remaining = None if until is None else max(0.0, until - time.monotonic())
            try:
                ready = self.conn.poll(remaining)
                message = self.conn.recv() if ready else None
            except (EOFError, OSError):
                raise self._death() from None
            if message is not None:
                break
            if not is_long_at:
                self.kill()
                raise QueryTimeout()
            if not self.slots.take():
                self.kill()
                raise QueryBusy(self.slots.after_seconds, self.slots.count)
            self.holds_slot = True
        if message[0] == "error":
            raise self._error(message)
        return message

    def _error(self, message: tuple) -> Exception:
        kind = message[1]
        if kind == "refused":
            if len(message) > 4 and message[4]:
                self.kill()  # the process ends after this refusal (policy.RefusedTooDeep): never lease it again
            return QueryRefused(message[2], int(message[3]))
        if kind == "too-large":
            return AnswerTooLarge(int(message[2]))
        return _ERRORS[kind](message[2])

    def _death(self) -> Exception:
        """The exception for a process that closed its socket: out of memory (it aborted) or another failure."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        if code == -signal.SIGABRT and self.memory_mb:
            return QueryOutOfMemory(self.memory_mb)
        return QueryProcessDied(f"the query process stopped unexpectedly (exit status {code})")

    def finished(self) -> None:
        """The current request is over: free its long-query slot."""
        self.started = None
        if self.holds_slot:
            self.holds_slot = False
            self.slots.give_back()

    def kill(self) -> None:
        """Kill the process (its query stops at once) and reap it."""
        self.finished()
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

    def __init__(
        self,
        store_dir: Path | None,
        *,
        writable: bool = False,
        size: int = 4,
        memory_mb: int = 0,
        long_queries: LongQuerySlots | None = None,
        holder: StoreHolder | None = None,
    ):
        self.store_dir = None if store_dir is None else Path(store_dir)
        self.writable = writable
        self.memory_mb = memory_mb
        self.long_queries = long_queries
        self.holder = holder  # the release held in memory, which forks the processes; None: each opens the on-disk store
        # A writable store takes RocksDB's lock: one process only.
        self.size = 1 if writable else max(1, size)
        self._idle: list[QueryProcess] = []
        self._started = 0
        self._generation = 0
        self._closed = False
        self._condition = threading.Condition()

    def lease(self, deadline: float | None) -> QueryProcess:
        """Return an idle query process, starting one if there is room, else wait (until ``deadline``)."""
        with self._condition:
            while True:
                # A closed pool still answers a caller that got its store just before the swap (the release is kept).
                while self._idle:
                    process = self._idle.pop()
                    if process.alive and process.generation == self._generation:
                        return process
                    process.kill()
                    self._started -= 1
                if self._started < self.size:
                    self._started += 1
                    generation = self._generation
                    break
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise QueryTimeout()
                self._condition.wait(remaining)
        try:
            process = QueryProcess(
                self.store_dir, writable=self.writable, memory_mb=self.memory_mb, slots=self.long_queries, holder=self.holder
            )
            process.generation = generation
            return process
        except BaseException:
            with self._condition:
                self._started -= 1
                self._condition.notify()
            raise

    def give_back(self, process: QueryProcess, *, clean: bool) -> None:
        """Return a leased process: kept when it finished its answer cleanly, killed otherwise."""
        process.finished()
        with self._condition:
            if clean and process.alive and not self._closed and process.generation == self._generation:
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

    def renew(self) -> None:
        """Replace every process: idle ones now, leased ones when given back (read-only processes see the store as it was
        when they opened it, so they are renewed after an update)."""
        with self._condition:
            self._generation += 1
            idle, self._idle = self._idle, []
            self._started -= len(idle)
            self._condition.notify_all()
        for process in idle:
            process.kill()

    def pids(self) -> list[int]:
        """The ids of the idle query processes (for tests and diagnostics)."""
        with self._condition:
            return [p.pid for p in self._idle]

    def close(self) -> None:
        """Stop the idle processes now and the leased ones when they are given back (the holder, once they have)."""
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            self._started -= len(idle)
            self._condition.notify_all()
        for process in idle:
            process.kill()
        if self.holder is not None:
            self.holder.close()


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
        except ANSWERED:
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

    def __init__(self, pool: QueryProcessPool, identity: str, *, default_timeout: float | None = None, writer: QueryProcessPool | None = None):
        self._pool = pool
        self._writer = writer
        self._identity = identity
        self.default_timeout = default_timeout

    @classmethod
    def open(
        cls,
        store_dir: Path,
        *,
        read_only: bool = True,
        processes: int = 4,
        default_timeout: float | None = None,
        memory_mb: int = 0,
        long_queries: LongQuerySlots | None = None,
        held_dump: Path | None = None,
    ) -> IsolatedStore:
        """Start the query processes on ``store_dir``; raise :class:`StoreError` saying why when they cannot open the store.

        ``memory_mb`` (0: none) limits each query process's address space;
        ``long_queries`` shares out the time past a few seconds (see the module docstring).
        A writable store gets one writing process for updates (RocksDB's lock
        allows one) besides ``processes`` read-only ones for queries, which are
        renewed after each update so that they see it. ``held_dump`` (the
        release's N-Quads dump; read-only stores only) holds the release in
        memory and forks the query processes from it (:mod:`.held_in_memory`).
        Without it, a read-only store's query processes are still forked, by a
        holder that holds no graph, and each opens the on-disk store: a fork
        costs far less than a fresh interpreter. A writable store's processes
        are started afresh.
        """
        store_dir = Path(store_dir)
        if not store_dir.is_dir():
            raise StoreError(f"no store at {store_dir}: run `tierslieux build` first")
        if held_dump is not None and not read_only:
            raise StoreError("a store held in memory is read-only: updates need the on-disk store")
        real = store_dir.resolve()
        writer = holder = pool = None
        if not read_only:
            writer = QueryProcessPool(real, writable=True, size=1, memory_mb=memory_mb)
            writer.fill()
        try:
            if read_only:
                holder = StoreHolder(real, None if held_dump is None else Path(held_dump), memory_mb)
            pool = QueryProcessPool(real, writable=False, size=processes, memory_mb=memory_mb, long_queries=long_queries, holder=holder)
            pool.fill()
        except BaseException:
            if pool is not None:
                pool.close()  # its processes that did start, then its holder
            elif holder is not None:
                holder.close()
            if holder is not None:
                holder.wait_ended(ANSWER_TIMEOUT)  # no process is left behind a store that cannot be served
            if writer is not None:
                writer.close()
            raise
        return cls(pool, str(real), default_timeout=default_timeout, writer=writer)

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
        max_bytes: int | None = None,
        policy: Policy | None = None,
    ) -> QueryOutcome:
        """Run ``sparql`` in a query process (see :meth:`tierslieux.stores.base.Store.query`).

        The deadline holds until the last row is read: past it the process is
        killed and :class:`QueryTimeout` raised. ``max_rows`` tells the process
        to stop after ``max_rows + 1`` rows, enough to see the limit is passed;
        ``max_bytes`` to stop past that many bytes of rows. A ``policy`` is
        checked in the query process, within the same deadline.
        """
        deadline = self._deadline(timeout)
        allowlist = None if policy is None else list(policy.service_allowlist)
        request = ("query", sparql, list(default_graph_uris), list(named_graph_uris), union_default_graph, max_rows, max_bytes, allowlist)
        for attempt in (1, 2):
            process = self._pool.lease(deadline)
            try:
                process.send(request)
                head = process.receive(deadline)
                break
            except QueryProcessDied as died:
                self._pool.give_back(process, clean=False)
                if attempt == 2:
                    raise
                _log.warning("%s; sending the query once more, to another query process", died)
            except ANSWERED:
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

    def _call(self, request: tuple, timeout: float | None = None, pool: QueryProcessPool | None = None):
        pool = pool or self._pool
        deadline = self._deadline(timeout)
        process = pool.lease(deadline)
        clean = False
        try:
            process.send(request)
            value = process.receive(deadline)[1]
            clean = True
            return value
        except ANSWERED:
            clean = process.alive
            raise
        finally:
            pool.give_back(process, clean=clean)

    def update(self, sparql: str, *, policy: Policy | None = None, timeout: float | None = None) -> None:
        """Run a SPARQL update in the writing process (the store must have been opened writable), checked first when a ``policy`` is given."""
        if self._writer is None:
            raise StoreError("this store is opened read-only")
        try:
            self._call(("update", sparql, None if policy is None else list(policy.service_allowlist)), timeout, pool=self._writer)
        finally:
            self._pool.renew()  # the readers opened the store before the update: new ones see it

    def triples_count(self) -> int:
        """Return the number of quads in the store."""
        return self._call(("count",))

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs, sorted."""
        return self._call(("graphs",))

    def close(self) -> None:
        """Stop the query processes (idle ones now, busy ones when their answer ends)."""
        self._pool.close()
        if self._writer is not None:
            self._writer.close()


class TextChecker:
    """Client texts checked in processes that hold no store (for a store that has no query processes of its own).

    The check (``tierslieux.stores.policy.check``) may parse with rdflib, which
    can take long on a hostile text: it runs in a child process killed at the
    deadline, never in the web worker.
    """

    def __init__(self, size: int = 2, memory_mb: int = 0):
        self._pool = QueryProcessPool(None, size=size, memory_mb=memory_mb)

    def check(self, sparql: str, policy: Policy, *, is_update: bool, timeout: float | None) -> bool:
        """Refuse a text that breaks ``policy`` (:class:`QueryRefused`); return whether it names its dataset with FROM."""
        waited = None if timeout is None else time.monotonic() + timeout
        process = self._pool.lease(waited)
        deadline = None if timeout is None else time.monotonic() + timeout  # from when a process is there to check
        clean = False
        try:
            process.send(("check", sparql, is_update, list(policy.service_allowlist)))
            value = process.receive(deadline)[1]
            clean = True
            return bool(value)
        except ANSWERED:
            clean = process.alive
            raise
        finally:
            self._pool.give_back(process, clean=clean)

    def close(self) -> None:
        """Stop the checking processes."""
        self._pool.close()


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
