"""Real server processes for the tests: ``tierslieux serve`` and ``oxigraph serve`` on free loopback ports.

Each is started, waited for until it answers (failing with its log when it
exits or never answers) and stopped; the session fixtures that hold them
(``live_server``, ``oxigraph_store``) are in ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tierslieux.release import BuildLayout
from tierslieux.stores.publish import GraphStoreClient, publish_release
from tierslieux.stores.remote import RemoteStore

from .ports import free_port

TIERSLIEUX = Path(sys.executable).with_name("tierslieux")
#: The two backends the service's tests run on: the built store, and a real Oxigraph server holding the same release.
BACKENDS = ["embedded", "remote"]
#: The external store's own time limit (Oxigraph server's --timeout-s), so that it stops what a client gave up on.
OXIGRAPH_TIMEOUT_SECONDS = 20


def oxigraph_binary() -> str:
    """Return the path of the ``oxigraph`` server binary installed with the test extra."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the oxigraph server binary is missing: pip install -e '.[test]' (package 'oxigraph')")
    return found


@dataclass
class OxigraphServer:
    """A running ``oxigraph serve`` process: a real external SPARQL 1.1 store."""

    base: str
    process: subprocess.Popen
    location: Path

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return self.base + "/query"

    @property
    def update_url(self) -> str:
        """The SPARQL update endpoint."""
        return self.base + "/update"

    @property
    def gsp_url(self) -> str:
        """The Graph Store Protocol endpoint."""
        return self.base + "/store"


def start_oxigraph(location: Path, log_path: Path, timeout_seconds: int = OXIGRAPH_TIMEOUT_SECONDS) -> OxigraphServer:
    """Start ``oxigraph serve`` on a free loopback port (read-write, its own time limit) and wait until it answers."""
    port = free_port()
    command = [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", "--timeout-s", str(timeout_seconds)]
    process = subprocess.Popen(command, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    server = OxigraphServer(f"http://127.0.0.1:{port}", process, location)
    try:
        wait_until_serving(server.query_url + "?query=ASK%7B%7D", process, log_path)
    except Exception:
        stop_server(process)
        raise
    return server


def publish(built: BuildLayout, server: OxigraphServer) -> None:
    """Publish the release in ``built`` to ``server`` (what ``tierslieux publish`` does)."""
    publish_release(built.root, RemoteStore(server.query_url), GraphStoreClient(server.gsp_url))


@dataclass
class LiveServer:
    """A running ``tierslieux serve`` process."""

    url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def endpoint(self) -> str:
        """The SPARQL endpoint's URL."""
        return self.url + "/sparql"

    def log(self) -> str:
        """What the server wrote so far (gunicorn's log and access log)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def wait_until_serving(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {timeout} s:\n{log_path.read_text()}")


def start_server(command: list[str], port: int, log_path: Path, env: dict | None = None) -> LiveServer:
    """Start ``command`` (a server on ``port``) and wait until its endpoint answers."""
    log = log_path.open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url + "/sparql?query=ASK%7B%7D", process, log_path)
    except Exception:
        stop_server(process)
        raise
    return LiveServer(url, process, log_path)


def stop_server(process: subprocess.Popen) -> None:
    """Stop a server started by :func:`start_server` (gunicorn shuts down gracefully on SIGTERM)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
