"""Slow clients against the tested reverse proxy (server/nginx/tierslieux.conf) in front of a real ``tierslieux serve``.

gunicorn's threaded workers wait, without a time limit, for the header of a
connection they took: a few clients sending one byte a second hold every
thread (docs/operations.md). nginx stands in front: here fifty connections
send their headers one byte a second while a normal client is still answered, and nginx closes a connection whose header is not complete after
its ``client_header_timeout`` (shortened for the test; the one change to the
configuration besides the two addresses).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..ports import free_port
from ..servers import TIERSLIEUX, LiveServer, start_server, stop_server, wait_until_serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (scripts/install-system-deps.sh installs it)"),
]

CONFIG = Path(__file__).resolve().parents[2] / "server" / "nginx" / "tierslieux.conf"
QUICK = "ASK { <https://w3id.org/tiers-lieux/ontology#ThirdPlace> a <http://www.w3.org/2002/07/owl#Class> }"
SLOW_CONNECTIONS = 50
#: More than the service's threads (2 workers x 4), fewer than the configuration's requests in progress per address
#: (16: a connection counts once its header is read, and the test's clients all come from 127.0.0.1).
SLOW_BODIES = 12
HEADER_TIMEOUT_SECONDS = 3
#: seconds within which a normal client must be answered meanwhile (never, without the proxy)
ANSWERED_WITHIN = 10.0


def nginx_config(tmp: Path, listen: int, upstream: int) -> Path:
    """The repository's configuration with the test's addresses, inside a main file that runs nginx unprivileged in ``tmp``."""
    site = CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
        ("listen 80;", f"listen 127.0.0.1:{listen};"),
        ("client_header_timeout 10s;", f"client_header_timeout {HEADER_TIMEOUT_SECONDS}s;"),
    ):
        assert old in site, f"{CONFIG} no longer has {old!r}: update this test"
        site = site.replace(old, new)
    (tmp / "site.conf").write_text(site, encoding="utf-8")
    user = "user root root;\n" if os.geteuid() == 0 else ""  # as root, nginx's workers would otherwise run as nobody
    main = f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""
    path = tmp / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def proxied(built, tmp_path_factory) -> Iterator[tuple[LiveServer, str]]:
    """``tierslieux serve`` (defaults: two workers of four threads) behind nginx; yields the service and nginx's URL."""
    tmp = tmp_path_factory.mktemp("proxied")
    port, listen = free_port(), free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "2", "--build-dir", str(built.root)]
    server = start_server(command, port, tmp / "serve.log", env={"TIERSLIEUX_UPDATE_TOKEN": ""})
    config = nginx_config(tmp, listen, port)
    nginx = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(config)], stdout=subprocess.DEVNULL, stderr=(tmp / "nginx.out").open("wb"))
    url = f"http://127.0.0.1:{listen}"
    try:
        wait_until_serving(url + "/sparql?query=ASK%7B%7D", nginx, tmp / "nginx.out")
        yield server, url
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        stop_server(server.process)


class Slowloris:
    """Connections that send ``head`` at once, then ``drip`` one byte a second, and never finish."""

    HEADER = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200

    def __init__(self, url: str, count: int, head: bytes = b"", drip: bytes = HEADER):
        parts = urllib.parse.urlsplit(url)
        self.REQUEST = drip
        self.sockets = [socket.create_connection((parts.hostname, parts.port), timeout=5) for _ in range(count)]
        for sock in self.sockets:
            if head:
                sock.sendall(head)
        self.closed_at: dict[int, float] = {}
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        for position in range(len(self.REQUEST)):
            for index, sock in enumerate(self.sockets):
                if index in self.closed_at:
                    continue
                try:
                    sock.sendall(self.REQUEST[position : position + 1])
                except OSError:
                    self.closed_at[index] = time.monotonic() - self.started
            if self._stop.wait(1.0):
                return

    def stop(self) -> None:
        """Stop sending and close every connection."""
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def timed_ask(url: str) -> tuple[int, float]:
    """Send the cheap query; return the status and the seconds it took."""
    started = time.monotonic()
    with urllib.request.urlopen(url + "/sparql?" + urllib.parse.urlencode({"query": QUICK}), timeout=30) as response:
        response.read()
        return response.status, time.monotonic() - started


def answered_meanwhile(url: str, slow: Slowloris) -> list[tuple[int, float]]:
    """The cheap query sent again and again for five seconds while ``slow`` drips; then ``slow`` is stopped."""
    try:
        answers = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            answers.append(timed_ask(url))
    finally:
        slow.stop()
    return answers


def test_slow_headers_do_not_stop_a_normal_client_behind_nginx(proxied):
    _, url = proxied
    answers = answered_meanwhile(url, Slowloris(url, SLOW_CONNECTIONS))
    assert answers and all(status == 200 for status, _ in answers)
    # Without the proxy such a client is not answered at all while the slow ones hold the threads; how fast it is
    # answered here depends on what else the machine runs, so the bound is generous (make bench measures latency).
    slowest = max(seconds for _, seconds in answers)
    assert slowest < ANSWERED_WITHIN, f"a normal client waited {slowest:.2f} s behind {SLOW_CONNECTIONS} slow headers"


def test_slow_bodies_do_not_stop_a_normal_client_behind_nginx(proxied):
    """Bodies sent one byte a second are read by nginx, which passes a request on only once its body is complete."""
    _, url = proxied
    body = QUICK.encode()
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        + f"Content-Length: {len(body) + 1000}\r\n\r\n".encode()
    )
    answers = answered_meanwhile(url, Slowloris(url, SLOW_BODIES, head=head, drip=body + b" " * 1000))
    assert answers and all(status == 200 for status, _ in answers)
    # Without the proxy such a client is not answered at all while the slow ones hold the threads; how fast it is
    # answered here depends on what else the machine runs, so the bound is generous (make bench measures latency).
    slowest = max(seconds for _, seconds in answers)
    assert slowest < ANSWERED_WITHIN, f"a normal client waited {slowest:.2f} s behind {SLOW_BODIES} slow bodies"


def test_nginx_closes_a_header_that_never_ends(proxied):
    _, url = proxied
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=HEADER_TIMEOUT_SECONDS * 4) as sock:
        sock.sendall(b"GET /sparql HTTP/1.1\r\nHost: x\r\n")  # the header's end never comes
        started = time.monotonic()
        try:
            data = sock.recv(4096)
        except TimeoutError:
            pytest.fail(f"nginx kept the connection open longer than {HEADER_TIMEOUT_SECONDS * 4} s")
        waited = time.monotonic() - started
    # nginx closes it (with or without a 408), never passes the request on
    assert data == b"" or data.startswith(b"HTTP/1.1 408"), data[:200]
    assert waited >= HEADER_TIMEOUT_SECONDS - 0.5, f"closed after {waited:.1f} s, before the header timeout"
