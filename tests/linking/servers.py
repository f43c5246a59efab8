"""Real HTTP servers on loopback for the linking tests.

* :func:`oxigraph_server` — the ``oxigraph`` binary (PyPI package ``oxigraph``)
  serving the Wikidata-shaped fixture read-only: a real SPARQL endpoint.
* :class:`FaultProxy` — a small HTTP proxy in front of it that answers the first
  requests with a scripted fault (``429`` with ``Retry-After``, a ``503``, a ``200``
  whose JSON body is cut short) and then forwards, recording every request (its
  time, method, User-Agent, body) and how many were in flight at once.
"""

from __future__ import annotations

import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tierslieux.linking.client import ResponseCache, SparqlClient
from tierslieux.linking.config import LinkConfig

from ..ports import free_port
from ..servers import oxigraph_binary, stop_server, wait_until_serving

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "wikidata-fixture.ttl"
PLACES = HERE / "places.ttl"
GOLD = HERE / "gold.csv"


@contextmanager
def oxigraph_server(data: Path, workdir: Path):
    """Load ``data`` into a store under ``workdir`` and serve it read-only; yield the query endpoint URL."""
    binary = oxigraph_binary()
    store = workdir / "store"
    subprocess.run([binary, "load", "--location", str(store), "--file", str(data)], check=True, capture_output=True)
    port = free_port()
    log_path = workdir / "oxigraph.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([binary, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"], stdout=log, stderr=log)
    endpoint = f"http://127.0.0.1:{port}/query"
    try:
        wait_until_serving(endpoint + "?query=ASK%7B%7D", process, log_path)
        yield endpoint
    finally:
        stop_server(process)


@dataclass
class Seen:
    """One request the proxy received."""

    at: float
    method: str
    user_agent: str
    content_type: str
    body: bytes
    answered: str


@dataclass
class FaultProxy:
    """A proxy to ``upstream`` that answers the first requests with ``faults``, then forwards (see module docstring).

    A fault is ``"429"`` (with ``Retry-After: retry_after``), ``"503"``, ``"truncated"``
    (the upstream's answer cut in half, with status 200) or ``"ok"`` (forward).
    ``description`` replaces the answer to a GET without a query (a service description).
    """

    upstream: str
    faults: list[str] = field(default_factory=list)
    retry_after: str = "1"
    description: tuple[bytes, str] | None = None
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    def __post_init__(self):
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def _forward(self, method: str, body: bytes | None) -> tuple[int, bytes, str]:
                request = urllib.request.Request(
                    proxy.upstream + (self.path[len("/query") :] if self.path.startswith("/query") else ""),
                    data=body,
                    method=method,
                    headers={k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")},
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        return response.status, response.read(), response.headers.get("Content-Type", "")
                except urllib.error.HTTPError as error:
                    return error.code, error.read(), error.headers.get("Content-Type", "")

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy._lock:
                    proxy.in_flight += 1
                    proxy.most_in_flight = max(proxy.most_in_flight, proxy.in_flight)
                try:
                    is_query = method == "POST" or "query=" in self.path
                    fault = proxy.faults.pop(0) if is_query and proxy.faults else "ok"
                    if not is_query and proxy.description is not None:
                        fault = "description"
                    proxy.seen.append(
                        Seen(time.monotonic(), method, self.headers.get("User-Agent", ""), self.headers.get("Content-Type", ""), body, fault)
                    )
                    time.sleep(0.05)  # long enough for overlapping requests to show in most_in_flight
                    if fault == "429":
                        answer = (429, b"Too many requests", "text/plain", {"Retry-After": proxy.retry_after})
                    elif fault == "503":
                        answer = (503, b"Service unavailable", "text/plain", None)
                    elif fault == "description":
                        answer = (200, *proxy.description, None)
                    else:
                        status, data, content_type = self._forward(method, body if method == "POST" else None)
                        if fault == "truncated":
                            data = data[: len(data) // 2]
                        answer = (status, data, content_type, None)
                finally:
                    # Before the answer is sent: once the client has it, it may send its next request, which must
                    # not find this one still counted (a fresh-clone run under load once saw 2 in flight so).
                    with proxy._lock:
                        proxy.in_flight -= 1
                self._send(*answer)

            def _send(self, status: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}/query"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the proxy."""
        self._server.shutdown()
        self._server.server_close()

    @property
    def queries(self) -> list[Seen]:
        """The query requests (POST), in order."""
        return [s for s in self.seen if s.method == "POST"]


def make_client(endpoint: str, cache_dir: Path | None, config: LinkConfig, **kwargs) -> SparqlClient:
    """A client like the command's, with the test's cache folder (None: no cache)."""
    return SparqlClient(
        endpoint,
        contact="tests@tiers-lieux.invalid",
        cache=ResponseCache(cache_dir) if cache_dir else None,
        timeout_seconds=10,
        max_retries=kwargs.pop("max_retries", config.max_retries),
        backoff_seconds=config.backoff_seconds,
        **kwargs,
    )
