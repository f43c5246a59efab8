"""Bounded HTTP load on one loopback server: a thread pool of ``http.client`` connections.

A *cell* is one request repeated by ``concurrency`` client threads until either
``max_requests`` have been sent or ``time_budget`` seconds have passed since
the first one (requests in flight then are waited for, up to the request
timeout). Every answer is read in full; only 2xx answers count as successes
and only their latencies enter the percentiles.
"""

from __future__ import annotations

import http.client
import math
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Errors meaning that a kept-alive connection was closed by the server between two requests.
_STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.CannotSendRequest)


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request, sent as is many times."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Answer:
    """The outcome of one request: ``status`` is the HTTP status, or a word for a failure without one."""

    status: int | str
    seconds: float
    body: bytes = b""


@dataclass
class CellResult:
    """What one cell measured."""

    concurrency: int
    sent: int
    ok: int
    failures: dict[str, int]
    wall_seconds: float
    latencies: list[float]
    client_cpu_seconds: float

    @property
    def qps(self) -> float:
        """Successful answers per second of wall time."""
        return self.ok / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def median_ms(self) -> float | None:
        """Median latency of the successful answers, in milliseconds (None without any)."""
        return statistics.median(self.latencies) * 1000 if self.latencies else None

    @property
    def p95_ms(self) -> float | None:
        """95th-percentile latency (nearest rank) of the successful answers, in milliseconds."""
        return percentile(self.latencies, 95) * 1000 if self.latencies else None

    def as_dict(self) -> dict:
        """Return the cell as JSON-ready numbers (latencies summarised, not listed)."""
        return {
            "concurrency": self.concurrency,
            "sent": self.sent,
            "ok": self.ok,
            "failures": dict(self.failures),
            "wall_seconds": round(self.wall_seconds, 4),
            "qps": round(self.qps, 3),
            "median_ms": None if self.median_ms is None else round(self.median_ms, 3),
            "p95_ms": None if self.p95_ms is None else round(self.p95_ms, 3),
            "max_ms": round(max(self.latencies) * 1000, 3) if self.latencies else None,
            "client_cpu_ms_per_request": round(self.client_cpu_seconds * 1000 / self.sent, 3) if self.sent else None,
        }


def percentile(values: list[float], pct: float) -> float:
    """Return the nearest-rank ``pct`` percentile of ``values`` (which must not be empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class Client:
    """One kept-alive connection to ``host:port``, re-opened when the server closes it."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.connection

    def close(self) -> None:
        """Close the connection, if open."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send(self, request: HttpRequest, keep_body: bool = False) -> Answer:
        """Send ``request`` and read the whole answer; never raises for network failures (they become the status)."""
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = self.connection is not None
            try:
                connection = self._connect()
                connection.request(request.method, request.path, body=request.body, headers=request.headers)
                response = connection.getresponse()
                body = response.read()
                if response.will_close:
                    self.close()
                return Answer(response.status, time.perf_counter() - started, body if keep_body else b"")
            except _STALE_CONNECTION:
                self.close()
                if reused and attempt == 1:
                    started = time.perf_counter()  # the retry on a fresh connection is what gets timed
                    continue
                return Answer("connection-error", time.perf_counter() - started)
            except TimeoutError:
                self.close()
                return Answer("timeout", time.perf_counter() - started)
            except OSError as error:
                self.close()
                return Answer(f"os-error:{error.errno}", time.perf_counter() - started)
        raise AssertionError("unreachable")


def send_once(host: str, port: int, request: HttpRequest, timeout: float) -> Answer:
    """Send one request on a fresh connection and return its answer with the body."""
    client = Client(host, port, timeout)
    try:
        return client.send(request, keep_body=True)
    finally:
        client.close()


def run_cell(
    host: str,
    port: int,
    request: HttpRequest | Callable[[int], HttpRequest],
    *,
    concurrency: int,
    max_requests: int,
    time_budget: float,
    request_timeout: float,
) -> CellResult:
    """Send ``request`` from ``concurrency`` threads, bounded by ``max_requests`` and ``time_budget`` seconds.

    ``request`` may be a function of the request's number (0, 1, 2…), for
    requests whose parameters change every time (no cache can answer them).
    """
    make = request if callable(request) else (lambda _number: request)
    lock = threading.Lock()
    issued = 0
    answers: list[Answer] = []
    started = time.perf_counter()
    deadline = started + time_budget
    finished_at = started

    def worker() -> None:
        nonlocal issued, finished_at
        client = Client(host, port, request_timeout)
        try:
            while True:
                with lock:
                    if issued >= max_requests or (issued and time.perf_counter() >= deadline):
                        return
                    number = issued
                    issued += 1
                answer = client.send(make(number))
                with lock:
                    answers.append(answer)
                    finished_at = max(finished_at, time.perf_counter())
        finally:
            client.close()

    cpu_before = time.process_time()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_before
    failures: dict[str, int] = {}
    latencies = []
    for answer in answers:
        if isinstance(answer.status, int) and 200 <= answer.status < 300:
            latencies.append(answer.seconds)
        else:
            key = str(answer.status)
            failures[key] = failures.get(key, 0) + 1
    return CellResult(concurrency, len(answers), len(latencies), failures, finished_at - started, latencies, cpu)
