"""Limits that hold, shown on real processes: a query past the time limit is stopped (its CPU freed), others keep being answered.

Each backend gets its own ``oxigraph serve`` (remote) or uses the built store
(embedded), with two ``tierslieux serve`` processes in front: one with a 4 s
time limit and no practical row limit, one with a row limit of 3.
CPU is read from /proc (utime + stime of a process and its descendants).
"""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..ports import free_port
from ..servers import BACKENDS, TIERSLIEUX, LiveServer, OxigraphServer, publish, start_oxigraph, start_server, stop_server
from .processes import cpu_used_during, descendants, is_query_process, wait_until_gone

pytestmark = pytest.mark.slow

#: Long enough for a quick question to be answered several times while an explosive query runs on a loaded two-core
#: machine (one core computes the product, another streams its rows, and a fresh-clone run of the suite showed a quick
#: answer taking 1.8 s there).
TIME_LIMIT = 4.0
#: Time a loaded two-core machine may add to the limit before the answer arrives.
SLACK = 4.0
ROW_LIMIT = 3
#: The timed service has no row or byte cap: only its time limit may stop a query (the held store streams the
#: endless product past the default 64 MiB cap within the time limit; a fresh-clone CI run showed it).
UNCAPPED = {"TIERSLIEUX_MAX_RESULT_ROWS": str(10**12), "TIERSLIEUX_MAX_RESULT_BYTES": str(1 << 31)}
ROWS_SERVER_TIME_LIMIT = 8.0
#: Three copies of the whole graph joined with nothing: billions of rows, long after any sane time limit.
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: The same product, counted: nothing to stream, only computation.
ENDLESS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: Rows that come slowly: each place costs a scan of the whole graph before it is kept (every one is).
SLOW_ROWS = """SELECT ?a WHERE { ?a a <https://w3id.org/tiers-lieux/ontology#ThirdPlace> .
  FILTER NOT EXISTS { ?x ?y ?z FILTER(STR(?z) = CONCAT(STR(?a), "#nothing")) } }"""
QUICK = "ASK { <https://w3id.org/tiers-lieux/ontology#ThirdPlace> a <http://www.w3.org/2002/07/owl#Class> }"


# --- servers ------------------------------------------------------------------------------------


@dataclass
class Limited:
    """The servers of one backend: the time-limited service, the row-limited one, and the remote store if any."""

    backend: str
    timed: LiveServer
    rows: LiveServer
    store: OxigraphServer | None

    def service_processes(self) -> list[int]:
        """Every process of both services (gunicorn masters, workers, query processes)."""
        return descendants(self.timed.process.pid) + descendants(self.rows.process.pid)

    def engine_processes(self) -> list[int]:
        """Where queries are computed: the query processes (embedded) or the Oxigraph server (remote)."""
        if self.store is not None:
            return [self.store.process.pid]
        return [pid for pid in self.service_processes() if is_query_process(pid)]


def serve(tmp: Path, built, store: OxigraphServer | None, name: str, **env: str) -> LiveServer:
    """Start ``tierslieux serve`` (two workers) with the given TIERSLIEUX_* settings."""
    port = free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "2", "--build-dir", str(built.root)]
    if store is not None:
        command += ["--store", store.query_url]
    return start_server(command, port, tmp / f"{name}.log", env={"TIERSLIEUX_UPDATE_TOKEN": "", **env})


@pytest.fixture(scope="module", params=BACKENDS)
def limited(request, built, tmp_path_factory) -> Iterator[Limited]:
    """Both services on one backend; the remote store's own time limit is above the services' (as docs/operations.md advises)."""
    tmp = tmp_path_factory.mktemp(f"limits-{request.param}")
    store = None
    if request.param == "remote":
        store = start_oxigraph(tmp / "store", tmp / "oxigraph.log", timeout_seconds=int(ROWS_SERVER_TIME_LIMIT) + 2)
        publish(built, store)
    servers = []
    try:
        servers.append(serve(tmp, built, store, "timed", TIERSLIEUX_QUERY_TIMEOUT_SECONDS=str(TIME_LIMIT), **UNCAPPED))
        servers.append(
            serve(tmp, built, store, "rows", TIERSLIEUX_QUERY_TIMEOUT_SECONDS=str(ROWS_SERVER_TIME_LIMIT), TIERSLIEUX_MAX_RESULT_ROWS=str(ROW_LIMIT))
        )
        yield Limited(request.param, servers[0], servers[1], store)
    finally:
        for server in servers:
            stop_server(server.process)
        if store is not None:
            stop_server(store.process)


def ask(server: LiveServer, query: str, timeout: float = 60) -> tuple[int, str, float]:
    """GET ``query`` from ``server``; return the status, the body and the seconds it took."""
    url = server.endpoint + "?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.monotonic() - started


class QuickClient(threading.Thread):
    """Another client asking a quick question again and again while the test runs, recording every answer."""

    def __init__(self, server: LiveServer):
        super().__init__(daemon=True)
        self.server = server
        self.answers: list[tuple[int, str, float]] = []
        self.stop = threading.Event()

        self.answered_at: list[float] = []

    def run(self) -> None:
        while not self.stop.is_set():
            self.answers.append(ask(self.server, QUICK, timeout=30))
            self.answered_at.append(time.monotonic())
            time.sleep(0.05)

    def finish(self) -> list[tuple[int, str, float]]:
        """Stop asking and return the answers."""
        self.stop.set()
        self.join(timeout=60)
        return self.answers

    def answered_before(self, moment: float) -> int:
        """How many answers arrived before ``moment`` (a ``time.monotonic()`` value)."""
        return sum(1 for at in self.answered_at if at < moment)


def wait_until_idle(pids: list[int], within: float) -> float:
    """Wait until ``pids`` together use under 0.15 s of CPU in a second; return that last measure (fails after ``within`` s)."""
    deadline = time.monotonic() + within
    while True:
        used = cpu_used_during(pids, 1.0)
        if used < 0.15 or time.monotonic() > deadline:
            return used


# --- the time limit -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [ENDLESS, ENDLESS_COUNT], ids=["rows", "count"])
def test_explosive_query_is_stopped_while_others_are_answered(limited, query):
    if limited.backend == "remote" and query == ENDLESS_COUNT:
        pytest.skip("Oxigraph server does not stop an aggregate: see test_remote_store_keeps_computing_an_abandoned_aggregate")
    result: list[tuple[int, str, float]] = []
    ended: list[float] = []

    def explode() -> None:
        result.append(ask(limited.timed, query))
        ended.append(time.monotonic())

    explosive = threading.Thread(target=explode, daemon=True)
    quick = QuickClient(limited.timed)
    explosive.start()
    time.sleep(0.3)
    quick.start()
    time.sleep(0.4)
    engines = set(limited.engine_processes())
    # Streamed rows go at the pace the worker reads them: the query process may use less than a core.
    used = cpu_used_during(list(engines), 0.8)
    assert used > 0.05, f"nothing computes the explosive query ({used:.2f} s of CPU in 0.8 s)"
    explosive.join(timeout=TIME_LIMIT + SLACK + 30)
    answers = quick.finish()

    status, body, seconds = result[0]
    assert status == 503, body
    assert body.startswith(f"The query ran longer than {TIME_LIMIT:g} s, the limit of this service, and was stopped"), body
    assert seconds < TIME_LIMIT + SLACK, f"answered after {seconds:.1f} s"
    # The other client was answered while the explosive query ran, not after it was stopped, and every time.
    assert quick.answered_before(ended[0]) >= 1, f"no quick answer before the explosive one; their times: {[round(s, 2) for _, _, s in answers]}"
    assert answers and all(status == 200 and '"boolean":true' in body for status, body, _ in answers), answers
    if limited.backend == "embedded":
        # The query process that computed the product was killed and reaped (the quick client's stays in the pool).
        assert wait_until_gone(engines, within=10), f"none of the query processes {sorted(engines)} was stopped"
        used_after = wait_until_idle(limited.service_processes(), within=5)
    else:
        # Oxigraph server stops streaming rows when the service hangs up.
        used_after = wait_until_idle(limited.engine_processes() + limited.service_processes(), within=5)
    assert used_after < 0.15, f"{used_after:.2f} s of CPU used in one second after the query was stopped"
    # And the service still answers.
    assert ask(limited.timed, QUICK)[0] == 200


def test_a_new_query_process_replaces_the_killed_one(limited):
    if limited.backend == "remote":
        pytest.skip("query processes are the embedded store's; the remote store computes in its own server")
    status, body, _ = ask(limited.timed, ENDLESS_COUNT)
    assert status == 503, body
    for _ in range(4):  # both workers, whichever takes the request
        assert ask(limited.timed, QUICK)[0] == 200
    alive = [pid for pid in limited.engine_processes() if Path(f"/proc/{pid}").exists()]
    assert alive, "no query process serves the next queries"


# --- the row limit --------------------------------------------------------------------------------


def test_row_limit_refuses_slow_rows_without_waiting_for_the_end(limited):
    status, body, seconds = ask(limited.rows, SLOW_ROWS)
    if limited.backend == "embedded":
        # The query process stops after ROW_LIMIT + 1 rows, long before the answer's end (about 1,500 rows, minutes away).
        assert status == 422, body
        assert body.startswith(f"The answer has more than {ROW_LIMIT} rows, the most this service returns at once; add LIMIT"), body
        assert seconds < ROWS_SERVER_TIME_LIMIT, f"refused after {seconds:.1f} s"
        used_after = wait_until_idle(limited.service_processes(), within=5)
    else:
        # Oxigraph server buffers an answer's first rows (about 8 kB) before sending any: none arrive before the
        # time limit, which then stops the query (docs/operations.md).
        assert status == 503, body
        assert seconds < ROWS_SERVER_TIME_LIMIT + SLACK, f"answered after {seconds:.1f} s"
        used_after = wait_until_idle(limited.engine_processes() + limited.service_processes(), within=15)
    assert used_after < 0.15, f"{used_after:.2f} s of CPU used in one second after the answer"


def test_row_limit_on_fast_rows(limited):
    status, body, seconds = ask(limited.rows, ENDLESS)
    assert status == 422, body
    assert seconds < ROWS_SERVER_TIME_LIMIT
    status, body, _ = ask(limited.rows, f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {ROW_LIMIT}")
    assert status == 200, body
    used_after = wait_until_idle(limited.service_processes() + (limited.engine_processes() if limited.store else []), within=15)
    assert used_after < 0.15, f"{used_after:.2f} s of CPU used in one second after the answer"


# --- the size limit --------------------------------------------------------------------------------


def test_query_size_limit_refuses_before_the_engine(limited):
    quick = QuickClient(limited.timed)
    quick.start()
    text = QUICK + "\n# " + "x" * (64 * 1024)
    request = urllib.request.Request(limited.timed.endpoint, data=text.encode(), headers={"Content-Type": "application/sparql-query"})
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    message = refused.value.read().decode()
    assert message.startswith(f"The query is {len(text.encode())} bytes long; this service accepts at most 65536 bytes."), message
    assert time.monotonic() - started < TIME_LIMIT, "the refusal waited for something (it needs no engine)"
    huge = urllib.request.Request(limited.timed.endpoint, data=b"ASK {}" + b" " * 300_000, headers={"Content-Type": "application/sparql-query"})
    with pytest.raises(urllib.error.HTTPError) as too_big:
        urllib.request.urlopen(huge, timeout=30)
    assert too_big.value.code == 413
    assert "larger than this service accepts" in too_big.value.read().decode()
    answers = quick.finish()
    assert answers and all(status == 200 for status, _, _ in answers)


# --- last, as it leaves the remote store busy until the module's servers stop -----------------------


@pytest.mark.xfail(
    strict=True,
    reason="Oxigraph server checks its --timeout-s only between result rows, so an aggregate over a huge product runs on "
    "after the service has given up (oxigraph/oxigraph#1336); the embedded store's query processes are killed instead",
)
def test_remote_store_keeps_computing_an_abandoned_aggregate(limited):
    if limited.backend == "embedded":
        pytest.skip("only about the remote store")
    status, body, seconds = ask(limited.timed, ENDLESS_COUNT)
    assert status == 503, body
    assert seconds < TIME_LIMIT + SLACK
    assert wait_until_idle(limited.service_processes(), within=5) < 0.15
    # Beyond the store's own time limit (ROWS_SERVER_TIME_LIMIT + 2 s from the request, which was sent more than
    # TIME_LIMIT s ago) its CPU should be free: it is not. Waiting that long from now leaves the store TIME_LIMIT s of
    # slack past its limit, so no SLACK is added (each second here is a second of the suite).
    used = wait_until_idle(limited.engine_processes(), within=ROWS_SERVER_TIME_LIMIT + 2)
    assert used < 0.15, f"the Oxigraph server still uses {used:.2f} s of CPU a second"


# --- the query processes themselves -------------------------------------------------------------------


def test_query_processes_survive_errors_and_are_replaced_after_a_timeout(built):
    from tierslieux.stores.base import QuerySyntaxError, QueryTimeout
    from tierslieux.stores.query_processes import IsolatedStore

    store = IsolatedStore.open(built.store_dir, processes=2)
    try:
        started = set(store.pool.pids())
        assert len(started) == 2, "opening the store starts the pool's processes"
        for _ in range(2):
            with pytest.raises(QuerySyntaxError, match=r"error at 1:\d+"):
                store.query("SELECT * WHERE {")
        assert set(store.pool.pids()) == started, "a syntax error must not cost a new process"
        with pytest.raises(QueryTimeout):
            list(store.query(ENDLESS_COUNT, timeout=0.5).rows)
        (first,) = started - set(store.pool.pids())
        assert not Path(f"/proc/{first}").exists(), "the process past its deadline was not killed and reaped"
        assert store.query(QUICK).boolean is True
        # Two callers at once: the surviving process, and a fresh one in place of the killed one.
        leased = [store.pool.lease(None), store.pool.lease(None)]
        for process in leased:
            store.pool.give_back(process, clean=True)
        now = set(store.pool.pids())
        assert len(now) == 2 and first not in now and len(now - started) == 1
        # An answer over the cap: the process stops by itself after cap + 1 rows and stays.
        rows = store.query(ENDLESS, max_rows=10).rows
        assert len(list(rows)) == 11
        assert set(store.pool.pids()) == now
    finally:
        store.close()
    for second in now:
        assert not Path(f"/proc/{second}").exists()


def test_a_query_whose_process_dies_before_answering_is_sent_once_more(built, monkeypatch):
    """A crash before the answer (the hostile corpus met a segmentation fault and a SystemError in rdflib's parser after
    a timed-out query) costs the client nothing: the query goes to another process, once; a second crash is reported."""
    import signal

    from tierslieux.stores.query_processes import IsolatedStore, QueryProcess, QueryProcessDied

    crashes = {"left": 1}
    send = QueryProcess.send

    def crashing_send(self, message):
        if message[0] == "query" and crashes["left"] > 0:
            crashes["left"] -= 1
            os.kill(self.pid, signal.SIGSEGV)  # as if the engine crashed on the request (before, so that it never answers)
            self.process.wait()
        send(self, message)

    monkeypatch.setattr(QueryProcess, "send", crashing_send)
    store = IsolatedStore.open(built.store_dir, processes=2)
    try:
        started = set(store.pool.pids())
        assert store.query(QUICK).boolean is True
        assert crashes["left"] == 0, "the crash was not simulated"
        assert len(started - set(store.pool.pids())) == 1, "the crashed process is still in the pool"
        crashes["left"] = 2
        with pytest.raises(QueryProcessDied, match=r"stopped unexpectedly"):
            store.query(QUICK)
        assert store.query(QUICK).boolean is True
    finally:
        store.close()


def test_a_process_whose_policy_parse_met_the_recursion_limit_is_not_reused(built):
    """After rdflib's parser meets the recursion limit, a later text sometimes failed in that process ("error return
    without exception set", or a segmentation fault): the refusal is answered, then the process ends."""
    from tierslieux.stores.base import Policy, QueryRefused
    from tierslieux.stores.query_processes import IsolatedStore

    store = IsolatedStore.open(built.store_dir, processes=1)
    try:
        (first,) = store.pool.pids()
        deep = "#service\nSELECT * { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }"
        with pytest.raises(QueryRefused, match=r"could not be read\): maximum recursion depth") as refused:
            store.query(deep, policy=Policy(()))
        assert refused.value.status == 400
        assert store.pool.pids() == [] and not Path(f"/proc/{first}").exists(), "the process was kept after the recursion limit"
        assert store.query(QUICK, policy=Policy(())).boolean is True
    finally:
        store.close()
