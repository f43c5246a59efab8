"""Restarts and dying workers (docs/operations.md), on a real ``tierslieux serve``: no request that was waiting is lost.

A graceful restart (``kill -HUP`` the gunicorn master) starts new workers and
lets the old ones finish what they handle: a query computing when the signal
comes gets its whole answer, and the requests sent meanwhile wait in the
listen queue until a worker takes them. A worker killed outright is replaced,
and the requests sent after its death are served by the other worker and the
replacement. What a killed worker was handling itself is lost (its
connections are reset): that is gunicorn's behaviour, documented, not tested.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from ..ports import free_port
from ..servers import TIERSLIEUX, LiveServer, start_server, stop_server
from .processes import workers

pytestmark = pytest.mark.slow

QUICK = "ASK { <https://w3id.org/tiers-lieux/ontology#ThirdPlace> a <http://www.w3.org/2002/07/owl#Class> }"
#: Every place against every label, counted: a second or two of computation with a known answer.
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/tiers-lieux/ontology#ThirdPlace> . "
    "?b <http://www.w3.org/2000/01/rdf-schema#label> ?o }"
)


def ask(server: LiveServer, query: str, timeout: float = 60) -> tuple[int, str]:
    """GET ``query``; return the status and the body, or (0, the error) when the connection failed."""
    url = server.endpoint + "?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:  # reset, refused, timed out: the request was lost
        return 0, repr(error)


def wait_for_workers(server: LiveServer, count: int, unlike: set[int], within: float = 60) -> set[int]:
    """Wait until the master has ``count`` workers, none of them in ``unlike``; return them (fails after ``within`` s)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        now = workers(server.process.pid)
        if len(now) == count and not now & unlike:
            return now
        time.sleep(0.1)
    pytest.fail(f"the master has workers {sorted(workers(server.process.pid))}, expected {count} new ones besides {sorted(unlike)}\n{server.log()[-3000:]}")


class Asker(threading.Thread):
    """A client asking the quick question again and again until stopped, recording every answer."""

    def __init__(self, server: LiveServer):
        super().__init__(daemon=True)
        self.server = server
        self.answers: list[tuple[int, str]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.answers.append(ask(self.server, QUICK))

    def finish(self) -> list[tuple[int, str]]:
        """Stop asking; return the answers."""
        self.stop.set()
        self.join(timeout=90)
        return self.answers


@pytest.fixture
def server(built, tmp_path) -> Iterator[LiveServer]:
    """A service of its own (two workers), as each test restarts or kills its workers."""
    port = free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "2", "--build-dir", str(built.root)]
    server = start_server(command, port, tmp_path / "serve.log", env={"TIERSLIEUX_UPDATE_TOKEN": "", "TIERSLIEUX_QUERY_TIMEOUT_SECONDS": "60"})
    yield server
    stop_server(server.process)


def test_a_graceful_restart_loses_no_request(server):
    expected = ask(server, SLOW)
    assert expected[0] == 200 and '"n"' in expected[1], expected
    before = workers(server.process.pid)
    slow: list[tuple[int, str]] = []
    computing = threading.Thread(target=lambda: slow.append(ask(server, SLOW)), daemon=True)
    computing.start()
    asker = Asker(server)
    asker.start()
    time.sleep(0.5)  # the slow query is being computed (or waits its turn: either way it must be answered)
    os.kill(server.process.pid, signal.SIGHUP)
    wait_for_workers(server, 2, unlike=before)
    # the new workers answer, then the client stops
    assert ask(server, QUICK)[0] == 200
    computing.join(timeout=60)
    answers = asker.finish()
    assert slow == [expected], "the query computing during the restart did not get its whole answer"
    assert answers and all(status == 200 for status, _ in answers), [a for a in answers if a[0] != 200]
    assert "Hang up" in server.log() or "Handling signal: hup" in server.log(), server.log()[-2000:]


def test_a_killed_worker_is_replaced_and_the_requests_after_its_death_are_served(server):
    before = workers(server.process.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    # sent at once, while the master has not noticed yet: they wait in the listen queue for the living workers
    answers = [ask(server, QUICK) for _ in range(20)]
    assert all(status == 200 for status, _ in answers), answers
    replaced = wait_for_workers(server, 2, unlike={victim})
    assert before - {victim} <= replaced, "the other worker was restarted too"
    # the replacement serves: ask until every worker has answered at least once is not observable, so ask often
    assert all(ask(server, QUICK)[0] == 200 for _ in range(20))
    assert server.process.poll() is None
