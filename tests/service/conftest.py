"""Fixtures for the SPARQL service: one release built from the repository's data, the Flask app, a real server.

The service's tests run against both backends (``backend`` and ``live_server``
are parametrized): ``embedded``, the built store, and ``remote``, a real
``oxigraph serve`` process on loopback into which the same release was
published with the Graph Store Protocol (``tierslieux publish``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from tierslieux.build.builder import build_release
from tierslieux.release import BuildLayout
from tierslieux.service import DEFAULTS, create_app, internal_timeout
from tierslieux.stores.embedded import EmbeddedStore
from tierslieux.stores.publish import GraphStoreClient, publish_release
from tierslieux.stores.query_processes import IsolatedStore, LongQuerySlots
from tierslieux.stores.remote import RemoteStore

from ..linking.servers import oxigraph_binary
from ..ports import free_port

TIERSLIEUX = Path(sys.executable).with_name("tierslieux")
BACKENDS = ["embedded", "remote"]
#: The external store's own time limit (Oxigraph server's --timeout-s), so that it stops what a client gave up on.
OXIGRAPH_TIMEOUT_SECONDS = 20


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildLayout:
    """A release built by ``build_release`` from the repository's ontology, vocabularies and data.

    Validation is skipped: these tests are about serving a store, and the data
    is validated by its own tests (a build refused there must not hide these).
    """
    root = tmp_path_factory.mktemp("build")
    build_release(root, validate=False)
    return BuildLayout(root)


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


@pytest.fixture(scope="session")
def oxigraph_store(built: BuildLayout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real Oxigraph server holding the built release, published through the Graph Store Protocol."""
    folder = tmp_path_factory.mktemp("oxigraph")
    server = start_oxigraph(folder / "store", folder / "oxigraph.log")
    try:
        publish(built, server)
        yield server
    finally:
        stop_server(server.process)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the tests that use ``backend`` on the built store; those of a module marked ``both_backends`` on the remote one too.

    The protocol's own modules (request parsing, results, limits, description, security) carry the mark: the remote
    store is tested where the protocol is, and the pages, dumps and named queries, which read the store through the
    same ``Store`` protocol, once.
    """
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_backends") is not None
        metafunc.parametrize("backend", BACKENDS if both else ["embedded"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> dict:
    """The service settings for one backend: the shared query processes of the built store, or the remote store."""
    if request.param == "embedded":
        return {"STORE": request.getfixturevalue("built_store")}
    server = request.getfixturevalue("oxigraph_store")
    return {"STORE_URL": server.query_url, "STORE_UPDATE_URL": server.update_url}


@pytest.fixture(scope="session")
def built_store(built: BuildLayout) -> Iterator[IsolatedStore]:
    """The built store's query processes, started once and shared by the test apps (each app would start its own)."""
    # as the service opens it with its default settings: the release held in memory
    release = built.current_release.resolved()
    store = IsolatedStore.open(
        release.store_dir,
        held_dump=release.quads_dump,
        processes=int(DEFAULTS["QUERY_PROCESSES"]),
        default_timeout=internal_timeout(DEFAULTS),
        memory_mb=int(DEFAULTS["QUERY_MEMORY_MB"]),
        long_queries=LongQuerySlots(float(DEFAULTS["LONG_QUERY_SECONDS"]), int(DEFAULTS["LONG_QUERIES"])),
    )
    yield store
    store.close()


@pytest.fixture
def app(built: BuildLayout, backend: dict):
    """The service over the built release (or the same release in the remote store), read-only, with default limits."""
    return create_app({"TESTING": True, "BUILD_DIR": built.root, **backend})


@pytest.fixture
def client(app):
    """A Flask test client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A Flask CLI runner of :func:`app`."""
    return app.test_cli_runner()


@pytest.fixture
def make_client(built: BuildLayout, backend: dict):
    """Build a test client with some settings changed (limits, allow-list, token, store)."""

    def make(**config):
        settings = {key: value for key, value in backend.items() if not ("STORE" in config and key == "STORE")}
        return create_app({"TESTING": True, "BUILD_DIR": built.root, **settings, **config}).test_client()

    return make


@pytest.fixture
def memory_store() -> EmbeddedStore:
    """A writable in-memory Oxigraph store behind the Store interface (for updates)."""
    return EmbeddedStore(ox.Store(), identity="memory", read_only=False)




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


@pytest.fixture(scope="session", params=BACKENDS)
def live_server(request: pytest.FixtureRequest, built: BuildLayout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``tierslieux serve`` as a real process (gunicorn, two workers) on a free loopback port, on the built or the remote store."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("live") / "serve.log"
    command = [str(TIERSLIEUX), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--build-dir", str(built.root)]
    if request.param == "remote":
        command += ["--store", request.getfixturevalue("oxigraph_store").query_url]
    server = start_server(command, port, log_path, env={"TIERSLIEUX_UPDATE_TOKEN": ""})
    yield server
    stop_server(server.process)
