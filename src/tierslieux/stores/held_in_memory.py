"""A release held in memory once per service worker, and query processes forked from it.

Oxigraph answers several times faster from memory than from its on-disk store
(``benchmarks/SERVING.md``). A *holder* process loads the release's N-Quads
dump (:attr:`tierslieux.release.Release.quads_dump`, canonical blank-node
labels) into an in-memory pyoxigraph store once, imports what a query process
needs, and from then on only forks: each query process is a child of the
holder, starts in milliseconds instead of a fresh interpreter's half second,
and starts with the graph's memory pages shared with the holder
copy-on-write. The sharing does not last: the pages a query reads become the
process's own copies (Oxigraph's in-memory store writes to them as it reads;
measured in ``docs/operations.md``), so a busy query process ends up holding
much of the graph, which is why only releases up to the service's
``IN_MEMORY_MAX_QUADS`` are held in memory by default. Everything else is as
for query processes that open the on-disk store (:mod:`.query_processes`): the
same requests and answers, the same time limit (SIGKILL), memory limit and
long-query slots.

The holder is ``python -m tierslieux.stores.query_processes FD STORE_DIR ro
MEMORY_MB hold DUMP`` (its query processes keep that command line). It speaks
with the worker over one socket:

* ``("fork",)`` followed by one socket passed with SCM_RIGHTS: fork a query
  process serving that socket; the answer is ``("forked", pid)``;
* ``("status", pid)`` once that query process has ended (the worker watches it
  through a pidfd): the answer is ``("status", code)``, its exit code as
  :mod:`subprocess` gives it (negative: the signal that ended it), after the
  holder has reaped it.

When the worker closes the socket (it serves a newer release) the holder
accepts no more forks, waits for its query processes (the worker still reads
their answers, then ends them) and exits. A holder whose worker is gone
exits, and its query processes then end too.

The memory limit of a forked query process is ``MEMORY_MB`` *plus* the address
space the graph took in the holder: ``QUERY_MEMORY_MB`` keeps its meaning,
what a query process may use besides the graph.

A release too large to hold (or when ``STORE_IN_MEMORY`` is false) is queried
on disk, and a holder without a dump (``hold -``) still does the forking: it
holds no graph, only the imports every query process needs (rdflib's SPARQL
parser is most of a fresh interpreter's start), and each forked query process
opens the on-disk store itself. A process started afresh costs about a quarter
of a second of CPU; a worker starts one per thread, so forking them is most of
the time from ``tierslieux serve`` to its first answer on a large graph
(``benchmarks/RESULTS.md``, cold start). The holder never opens the store:
RocksDB's handle must not cross a fork.
"""

from __future__ import annotations

import gc
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing import reduction
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from ..children import end_with_parent
from .base import StoreError
from .embedded import EmbeddedStore
from .policy import preload as preload_policy_parser

#: Longest wait for the holder to load the release (about 1 M quads per 10 s on this project's machine).
LOAD_TIMEOUT = 600.0
#: Longest wait for the holder to answer a fork or a status (it only forks or reaps: milliseconds).
ANSWER_TIMEOUT = 30.0
#: The exit code of a query process the holder could no longer report on (it had stopped serving the release).
UNKNOWN_EXIT = 255
#: The exit code of a forked query process that failed outside any request (``sysexits.h``'s EX_SOFTWARE).
FAILED_EXIT = 70


def read_dump(dump: Path) -> ox.Store:
    """The N-Quads ``dump`` in a new in-memory store, its blank-node labels kept; :class:`StoreError` saying why it cannot.

    Two stores read from one dump answer with the same rows in the same order.
    """
    store = ox.Store()
    try:
        store.bulk_extend(ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS, rename_blank_nodes=False))
    except (OSError, SyntaxError, ValueError) as error:
        raise StoreError(f"the release's dump {dump} cannot be read into memory ({error}); rebuild it with `tierslieux build`") from None
    return store


def _address_space() -> int:
    """This process's address space in bytes (``VmSize``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) << 10
    return 0


# --- the holder process -----------------------------------------------------------------------------


def hold(conn: Connection, store_dir: Path, dump: Path | None, memory_mb: int, serve: Callable[[Connection, EmbeddedStore, int, int], int]) -> int:
    """Run the holder on ``conn`` (see the module docstring); ``serve(conn, store, memory_mb, held_bytes)`` runs a query process.

    ``dump`` None: no graph is held, and each forked query process opens the on-disk store ``store_dir`` itself.
    """
    before = _address_space()
    store = None
    if dump is not None:
        try:
            store = EmbeddedStore(read_dump(dump), str(store_dir), read_only=True)
        except StoreError as error:
            conn.send(("error", "store", str(error)))
            return 3
    preload_policy_parser()
    # What a forked process has besides what a process started afresh would: the graph (nothing, on disk).
    held_bytes = max(0, _address_space() - before) if store is not None else 0
    gc.freeze()  # the collector of a forked process then leaves the holder's objects, and their pages, alone
    conn.send(("ready", os.getpid()))
    ended: dict[int, int] = {}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            break
        if request[0] == "fork":
            fd = reduction.recv_handle(conn)
            pid = os.fork()
            if pid == 0:
                conn.close()
                code = FAILED_EXIT
                try:
                    end_with_parent(os.getppid(), lambda: os._exit(0), interval=1.0)
                    code = _serve_forked(Connection(fd), store, store_dir, memory_mb, held_bytes, serve)
                finally:
                    os._exit(code)
            os.close(fd)
            conn.send(("forked", pid))
        elif request[0] == "status":
            conn.send(("status", _reap(request[1], ended)))
        _reap_ended(ended)
    while True:  # the worker serves another release: wait for the query processes it still reads, then end
        try:
            os.wait()
        except ChildProcessError:
            return 0


def _serve_forked(conn: Connection, store: EmbeddedStore | None, store_dir: Path, memory_mb: int, held_bytes: int,
                  serve: Callable[[Connection, EmbeddedStore, int, int], int]) -> int:
    """Run a forked query process on the held ``store``, or on the on-disk store it opens now (exit code 3 when it cannot)."""
    if store is None:
        try:
            store = EmbeddedStore.open(store_dir, read_only=True)
        except StoreError as error:
            conn.send(("error", "store", str(error)))
            return 3
    return serve(conn, store, memory_mb, held_bytes)


def _reap(pid: int, ended: dict[int, int]) -> int | None:
    """The exit code of the ended query process ``pid``, reaping it now unless that was done already."""
    if pid in ended:
        return ended.pop(pid)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


def _reap_ended(ended: dict[int, int]) -> None:
    """Reap every query process that has ended, keeping its exit code until the worker asks (no zombie waits for it)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        ended[pid] = os.waitstatus_to_exitcode(status)


# --- the worker's side ------------------------------------------------------------------------------


class ForkedProcess:
    """A query process forked by the holder, with what the pool uses of :class:`subprocess.Popen` (pid, poll, wait, kill).

    It is not the worker's child: the worker sees it end through a pidfd and
    asks the holder for its exit code.
    """

    def __init__(self, holder: StoreHolder, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._holder = holder
        self._pidfd = os.pidfd_open(pid)

    def _ended(self, timeout: float | None) -> bool:
        readable, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(readable)

    def _reaped(self) -> int:
        code = self._holder.exit_status(self.pid)
        self.returncode = UNKNOWN_EXIT if code is None else code
        os.close(self._pidfd)
        return self.returncode

    def poll(self) -> int | None:
        """The exit code once the process has ended, else None."""
        if self.returncode is None and self._ended(0):
            self._reaped()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to end and return its exit code; :class:`subprocess.TimeoutExpired` past ``timeout``."""
        if self.returncode is None:
            if not self._ended(timeout):
                raise subprocess.TimeoutExpired(f"query process {self.pid}", timeout or 0)
            self._reaped()
        return self.returncode

    def kill(self) -> None:
        """Send SIGKILL (its query stops at once)."""
        if self.returncode is None:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass


class StoreHolder:
    """The worker's end of a holder process: it forks query processes on the release held in memory (``dump``), or,
    with no dump, query processes that each open the on-disk store ``store_dir``.

    A holder that died (killed, or out of memory) is started again at the next
    fork: the release is read into memory again and queries go on.
    """

    def __init__(self, store_dir: Path, dump: Path | None, memory_mb: int = 0):
        self.store_dir = store_dir
        self.dump = dump
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._closed = False
        with self._lock:
            self._start()

    def _start(self) -> None:
        """Start a holder process and wait until it holds the release (:class:`StoreError` saying why it cannot)."""
        parent_end, child_end = socket.socketpair()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "tierslieux.stores.query_processes",
                str(child_end.fileno()), str(self.store_dir), "ro", str(self.memory_mb), "hold", str(self.dump or "-"),
            ],
            pass_fds=(child_end.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        child_end.close()
        self._conn = Connection(parent_end.detach())
        try:
            message = self._answer(LOAD_TIMEOUT, f"load {self.dump or 'what a query process needs'} within {LOAD_TIMEOUT:g} s")
        except BaseException:
            self._end()
            raise
        if message[0] == "error":
            self._end()
            raise StoreError(message[2])

    def _answer(self, timeout: float, doing: str) -> tuple:
        """The holder's next message; :class:`StoreError` (and the socket closed) when it does not come in time."""
        try:
            if self._conn.poll(timeout):
                return self._conn.recv()
        except (EOFError, OSError) as error:
            self._conn.close()
            raise StoreError(f"the process holding the release in memory stopped ({error or 'no answer'}); see the service's log") from None
        self._conn.close()  # an answer may still come: the conversation can no longer be trusted
        raise StoreError(f"the process holding the release in memory did not {doing}")

    def fork(self, serving: socket.socket) -> ForkedProcess:
        """Fork a query process that serves ``serving`` (the query process's end of its socket pair)."""
        with self._lock:
            if self._closed:
                raise StoreError("the release held in memory is no longer served; the next request opens the current one")
            if self._conn.closed or self.process.poll() is not None:
                self._end()
                self._start()  # the holder died: read the release into memory again
            try:
                self._conn.send(("fork",))
                reduction.send_handle(self._conn, serving.fileno(), self.process.pid)
            except OSError as error:
                self._conn.close()
                raise StoreError(f"the process holding the release in memory stopped ({error})") from None
            message = self._answer(ANSWER_TIMEOUT, f"fork a query process within {ANSWER_TIMEOUT:g} s")
        return ForkedProcess(self, message[1])

    def exit_status(self, pid: int) -> int | None:
        """The exit code of the ended query process ``pid``; None when the holder no longer says (it stopped serving)."""
        with self._lock:
            if self._conn.closed:
                return None
            try:
                self._conn.send(("status", pid))
                return self._answer(ANSWER_TIMEOUT, "report a query process's end")[1]
            except (OSError, StoreError):
                return None

    def close(self) -> None:
        """Stop forking: the holder ends once its query processes have (the pool ends them as their answers are read)."""
        with self._lock:
            self._closed = True
            self._end()

    def wait_ended(self, timeout: float) -> None:
        """Wait, at most ``timeout`` s, for the holder process to exit after :meth:`close` (it does once its query
        processes have ended: at once when none was forked or all were killed)."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass  # it ends with its last query process, or with this worker

    def _end(self) -> None:
        """Close the socket to the holder process, which then ends (once its query processes have), and reap it then."""
        self._conn.close()
        threading.Thread(target=self.process.wait, name="holder-reaper", daemon=True).start()
