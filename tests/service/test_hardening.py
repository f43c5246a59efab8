"""Hostile requests against a real ``tierslieux serve``: each gets a clear 4xx or a documented 503, and nothing dies.

The corpus holds the exact reproducers of issue 13 (deep nesting that crashed
the engine, texts that cost rdflib minutes in the web worker, memory bombs,
bad dataset parameters, an answer larger than the byte limit). One server
receives them, with the defaults a public endpoint runs with (two workers of
eight threads and query processes, one long-query slot per worker after 1 s)
and smaller limits so that each case meets one quickly (1 GiB of memory per
query process, a 6 s time limit, a 1 MB answer limit). The tests assert
the status of each, that no gunicorn worker died (same PIDs, nothing in the
log about a killed or timed-out worker), and that a cheap query keeps being
answered, every time, while eight clients send the corpus at once. How fast it
is answered meanwhile is measured by ``make bench`` (``benchmarks/abuse.py``),
not asserted: a latency bound would depend on what else the machine runs.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ..ports import free_port
from ..servers import TIERSLIEUX, LiveServer, start_server, stop_server
from .processes import descendants, is_query_process, workers

pytestmark = pytest.mark.slow

MEMORY_MB = 1024
TIME_LIMIT = 6.0
MAX_BYTES = 1_000_000
NESTING = 128
QUICK = "ASK { <https://w3id.org/tiers-lieux/ontology#ThirdPlace> a <http://www.w3.org/2002/07/owl#Class> }"
#: The issue's two memory bombs (4.9 GB each without a limit).
OPTIONAL_BOMB = "SELECT (COUNT(*) AS ?n) {?a ?b ?c OPTIONAL{?d ?e ?f OPTIONAL{?g ?h ?i OPTIONAL{?j ?k ?l OPTIONAL{?m ?n2 ?o}}}}}"
ORDER_BOMB = "SELECT * {?a ?b ?c . ?d ?e ?f} ORDER BY ?c ?f LIMIT 10"
REFUSED_DEEP = {400}
#: What a query stopped by a limit of the service may get: time, memory or long-query slots (each with Retry-After).
STOPPED = {503}


@dataclass(frozen=True)
class Case:
    """One hostile request: how it is sent and the statuses it may get (and a text its body must hold)."""

    name: str
    query: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    post: bool = True
    expected: frozenset[int] = frozenset({400})
    says: str = ""


def _nested(opening: str, closing: str, times: int, inner: str = "") -> str:
    return opening * times + inner + closing * times


CORPUS: list[Case] = [
    # 1. texts that cost rdflib minutes in the web worker
    Case("a-a-a (64 KB)", "a-" * 32760, expected=frozenset({400}), says="SPARQL syntax error"),
    Case(
        "#service + FILTER(1+1+…) 32,000 terms",
        "#service\nSELECT * { FILTER(" + "+".join(["1"] * 32000) + ") }",
        expected=frozenset(STOPPED | {400}),
    ),
    Case(
        'the word "service" in a literal and 40 parentheses (valid)',
        'SELECT ?s {?s ?p "service" FILTER(' + _nested("(", ")", 40, "1") + ")} LIMIT 1",
        expected=frozenset({200}),
    ),
    # 3. memory
    Case("OPTIONAL memory bomb", OPTIONAL_BOMB, expected=frozenset(STOPPED)),
    Case("ORDER BY memory bomb", ORDER_BOMB, expected=frozenset(STOPPED)),
    Case("answer over the byte limit", "SELECT * {?s ?p ?o} LIMIT 90000", expected=frozenset({422}), says=f"{MAX_BYTES} bytes"),
    # 4. ordinary input that killed query processes
    *[
        Case(f"default-graph-uri={value!r}", "ASK{}", params=(("default-graph-uri", value),), post=False, says="`default-graph-uri`")
        for value in ("foo", "", "<http://x>", "http://a b", "\x00", "_:b0")
    ],
    Case("named-graph-uri=foo", "ASK{}", params=(("named-graph-uri", "foo"),), post=False, says="`named-graph-uri`"),
    Case("{ x 2,200", "SELECT * " + _nested("{", "}", 2200), says=f"at most {NESTING} levels"),
    Case("( x 4,670", "SELECT * { FILTER" + _nested("(", ")", 4670, "1") + " }", says=f"at most {NESTING} levels"),
    Case("OPTIONAL x 3,000", "SELECT * { " + "OPTIONAL { ?s ?p ?o " * 3000 + "}" * 3000 + " }", says=f"at most {NESTING} levels"),
    Case("sub-select x 2,000", "SELECT * " + "{ SELECT * " * 2000 + "{}" + "}" * 2000, says=f"at most {NESTING} levels"),
    Case("! x 30,000", "SELECT * { FILTER(" + "!" * 30000 + "true) }", says=f"at most {NESTING} levels"),
    Case("STR( x 5,000", "SELECT * { FILTER(" + "STR(" * 5000 + "1" + ")" * 5000 + ") }", says=f"at most {NESTING} levels"),
    # the policy, decided on the parsed query
    Case("SERVICE off the allow-list", "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", expected=frozenset({403})),
    Case("LOAD", "LOAD <http://127.0.0.1:9/x>", expected=frozenset({403})),
]


@dataclass
class Answer:
    """What the service answered."""

    status: int
    body: str
    headers: dict[str, str]
    seconds: float


def send(server: LiveServer, case: Case, timeout: float = 60) -> Answer:
    """Send one case (GET with its parameters, or POST of its text as application/sparql-query)."""
    params = list(case.params)
    if case.post:
        url = server.endpoint + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, data=case.query.encode("utf-8"), headers={"Content-Type": "application/sparql-query"})
    else:
        url = server.endpoint + "?" + urllib.parse.urlencode([("query", case.query), *params])
        request = urllib.request.Request(url)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, response.read().decode("utf-8", "replace"), dict(response.headers), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode("utf-8", "replace"), dict(error.headers), time.monotonic() - started)


@pytest.fixture(scope="module")
def hardened(built, tmp_path_factory) -> Iterator[LiveServer]:
    """``tierslieux serve`` with its default workers, threads and long-query slots, and small limits, so that each
    hostile case meets one quickly."""
    port = free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--build-dir", str(built.root)]
    env = {
        "TIERSLIEUX_UPDATE_TOKEN": "",
        "TIERSLIEUX_QUERY_TIMEOUT_SECONDS": str(TIME_LIMIT),
        "TIERSLIEUX_QUERY_MEMORY_MB": str(MEMORY_MB),
        "TIERSLIEUX_MAX_RESULT_BYTES": str(MAX_BYTES),
        "TIERSLIEUX_MAX_QUERY_NESTING": str(NESTING),
    }
    server = start_server(command, port, tmp_path_factory.mktemp("hardened") / "serve.log", env=env)
    yield server
    stop_server(server.process)


def assert_answer_is_documented(case: Case, answer: Answer) -> None:
    """The answer is one ``case`` allows, a 503 carries Retry-After, and an error body is plain text that cannot be sniffed."""
    assert answer.status in case.expected, f"{case.name}: {answer.status} {answer.body[:300]}"
    if answer.status == 503:
        assert "Retry-After" in answer.headers, case.name
        assert any(
            reason in answer.body
            for reason in ("needs more memory than this service allows", "ran longer than", "other long queries were running")
        ), f"{case.name}: {answer.body[:300]}"
    if answer.status >= 400:
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", case.name
    assert case.says in answer.body, f"{case.name}: {answer.body[:300]}"


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_each_hostile_request_gets_a_documented_answer(hardened, case):
    before = workers(hardened.process.pid)
    answer = send(hardened, case)
    assert_answer_is_documented(case, answer)
    assert workers(hardened.process.pid) == before, "a gunicorn worker died"
    assert send(hardened, Case("quick", QUICK, expected=frozenset({200}))).status == 200


def test_deep_nesting_is_refused_in_the_worker_naming_the_limit(hardened):
    answer = send(hardened, CORPUS[[c.name for c in CORPUS].index("{ x 2,200")])
    assert answer.status == 400
    assert f"nested 2200 levels deep (brackets, braces, parentheses or repeated `!`); this service accepts at most {NESTING} levels" in answer.body


def test_memory_bomb_answers_503_and_the_service_goes_on(hardened):
    answer = send(hardened, Case("bomb", OPTIONAL_BOMB, expected=frozenset(STOPPED)))
    assert answer.status == 503
    # Within the time limit the memory limit is met first (the bomb reaches 1 GiB in 0.5 to 1.5 s on an idle machine) unless the slot is taken.
    assert "needs more memory than this service allows" in answer.body or "other long queries were running" in answer.body, answer.body
    assert send(hardened, Case("quick", QUICK, expected=frozenset({200}))).status == 200


def test_query_process_past_its_memory_limit_is_reported_and_replaced(hardened):
    """The memory limit alone: a bomb that becomes large before it becomes long (one client, so its slot is free)."""
    answers = [send(hardened, Case("bomb", ORDER_BOMB, expected=frozenset(STOPPED))) for _ in range(2)]
    assert all(a.status == 503 for a in answers), [a.body for a in answers]
    assert any(f"needs more memory than this service allows ({MEMORY_MB} MiB per query)" in a.body for a in answers), [a.body for a in answers]
    log = hardened.log()
    assert "WORKER TIMEOUT" not in log and "was sent SIGKILL" not in log, log[-3000:]


def test_cheap_queries_keep_being_answered_while_eight_clients_attack(hardened):
    """Eight clients send the corpus twice between them; under that load a case may also be stopped with a documented 503."""
    before = workers(hardened.process.pid)
    hostile = [case for case in CORPUS if case.expected != frozenset({200})] * 2
    failures: list[str] = []
    stop = threading.Event()

    def attack(offset: int) -> None:
        for case in hostile[offset::8]:
            if stop.is_set():
                return
            answer = send(hardened, case)
            allowed = Case(case.name, expected=case.expected | STOPPED, says="" if answer.status == 503 else case.says)
            try:
                assert_answer_is_documented(allowed, answer)
            except AssertionError as error:
                failures.append(str(error))

    clients = [threading.Thread(target=attack, args=(offset,)) for offset in range(8)]
    for client in clients:
        client.start()
    quick: list[Answer] = []
    try:
        while any(client.is_alive() for client in clients) and len(quick) < 400:
            quick.append(send(hardened, Case("quick", QUICK, expected=frozenset({200})), timeout=30))
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=120)
    assert not failures, failures
    assert len(quick) >= 5, "the attack ended before the cheap queries could be measured"
    assert all(a.status == 200 for a in quick), [(a.status, a.body[:200]) for a in quick if a.status != 200]
    # How long they took is measured by `make bench` (benchmarks/abuse.py, benchmarks/RESULTS.md), not asserted here:
    # a latency bound depends on what else the machine runs, and a test must not.
    assert workers(hardened.process.pid) == before, "a gunicorn worker died"


def test_update_without_token_and_bad_parameters_never_reach_a_query_process(hardened):
    pids_before = {pid for pid in descendants(hardened.process.pid) if is_query_process(pid)}
    assert pids_before, "no query process found: the check below would be empty"
    for value in ("foo", "", "<http://x>", "http://a b", "\x00", "_:b0"):
        answer = send(hardened, Case("bad", "ASK{}", params=(("default-graph-uri", value),), post=False))
        assert answer.status == 400 and "`default-graph-uri` must be an absolute IRI" in answer.body, answer.body
    pids_after = {pid for pid in descendants(hardened.process.pid) if is_query_process(pid)}
    assert pids_before <= pids_after, "a query process died on a bad parameter"


#: The whole graph twice over, counted: runs for minutes, until any time limit, in a few tens of MB (three copies may
#: meet the memory limit first in a query process that earlier answers left larger, and free its long-query slot early).
ENDLESS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
#: More endless queries than the service's long-query slots (two workers of one): at least four find none.
ENDLESS_CLIENTS = 6


def test_long_queries_beyond_the_slots_are_stopped_with_retry_after(hardened):
    """Six endless queries on two workers of one long-query slot each: those beyond the slots are stopped after a second, not at the limit."""
    answers: list[Answer] = []
    clients = [threading.Thread(target=lambda: answers.append(send(hardened, Case("endless", ENDLESS_COUNT)))) for _ in range(ENDLESS_CLIENTS)]
    for client in clients:
        client.start()
    quick = send(hardened, Case("quick", QUICK, expected=frozenset({200})))
    for client in clients:
        client.join(timeout=60)
    assert quick.status == 200
    assert len(answers) == ENDLESS_CLIENTS and all(a.status == 503 and "Retry-After" in a.headers for a in answers), [(a.status, a.body) for a in answers]
    busy = [a for a in answers if "other long queries were running, the most this service runs at once" in a.body]
    stopped = [a for a in answers if "ran longer than" in a.body or "needs more memory than this service allows" in a.body]
    # At least one is stopped for want of a slot; how many depends on when each reached its worker on a loaded machine,
    # and one that got a slot ends at the time limit or, this server's memory limit being small, at that limit.
    assert len(busy) >= 1 and len(busy) + len(stopped) == ENDLESS_CLIENTS, [a.body for a in answers]
    assert all(a.headers["Retry-After"] == "10" for a in busy)


#: The writable server's time limit: the long query of test_update_mode_keeps_a_pool_of_query_processes must outlive a
#: quick one even on a loaded machine.
WRITABLE_TIME_LIMIT = 4


@pytest.fixture(scope="module")
def writable(built, tmp_path_factory) -> Iterator[LiveServer]:
    """``tierslieux serve`` accepting updates (one worker: the store is opened writable), with a 4 s time limit."""
    import shutil

    root = tmp_path_factory.mktemp("writable") / "build"
    shutil.copytree(built.root, root, symlinks=True)
    port = free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "1", "--build-dir", str(root)]
    env = {"TIERSLIEUX_UPDATE_TOKEN": "secret", "TIERSLIEUX_QUERY_TIMEOUT_SECONDS": str(WRITABLE_TIME_LIMIT), "TIERSLIEUX_QUERY_MEMORY_MB": str(MEMORY_MB)}
    server = start_server(command, port, root.parent / "serve.log", env=env)
    yield server
    stop_server(server.process)


def test_update_past_the_time_limit_is_503_with_retry_after(writable):
    # Updates see the store's own default graph (empty here: the data is in named graphs), so the product names them.
    # Two copies of the graph, counted: hours of work over one materialised copy (tens of MB). Inserting the rows of a
    # larger product would meet the memory limit first on a fast machine and the time limit first on a loaded one.
    update = (
        "INSERT { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> ?n } } WHERE { "
        "{ SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } } } }"
    )
    request = urllib.request.Request(
        writable.endpoint, data=update.encode(), headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer secret"}
    )
    try:
        urllib.request.urlopen(request, timeout=60)
        pytest.fail("the endless update was accepted")
    except urllib.error.HTTPError as error:
        status, body, headers = error.code, error.read().decode(), error.headers
    assert status == 503, body
    assert body.startswith(f"The update ran longer than {WRITABLE_TIME_LIMIT} s, the limit of this service"), body
    assert headers["Retry-After"] and headers["Content-Type"].startswith("text/plain")
    assert send(writable, Case("quick", QUICK, expected=frozenset({200}))).status == 200
    # The stopped update was one transaction: nothing of it was written.
    unchanged = send(writable, Case("unchanged", "ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }", expected=frozenset({200})))
    assert unchanged.status == 200 and '"boolean":false' in unchanged.body.replace(" ", ""), unchanged.body


def test_update_mode_keeps_a_pool_of_query_processes(writable):
    """With an update token, queries run in read-only processes beside the writing one: a long query blocks no other,
    and an update is seen by the next query."""
    slow: list[Answer] = []
    long_query = threading.Thread(target=lambda: slow.append(send(writable, Case("endless", ENDLESS_COUNT))))
    long_query.start()
    try:
        quick = send(writable, Case("quick", QUICK, expected=frozenset({200})))
        assert quick.status == 200, quick.body
        assert long_query.is_alive(), "the long query ended before the quick one was answered: nothing was shown"
    finally:
        long_query.join(timeout=60)
    assert slow and slow[0].status == 503
    insert = "INSERT DATA { GRAPH <http://example.org/seen> { <http://example.org/a> <http://example.org/p> 1 } }"
    request = urllib.request.Request(
        writable.endpoint, data=insert.encode(), headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer secret"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 204
    seen = send(writable, Case("seen", "ASK { GRAPH <http://example.org/seen> { ?s ?p 1 } }", expected=frozenset({200})))
    assert seen.status == 200 and '"boolean":true' in seen.body.replace(" ", ""), seen.body
