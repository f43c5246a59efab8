"""Fixtures for the SPARQL service: the Flask app on either backend, and a headless browser.

The service's tests run on two backends (``backend`` and ``live_server`` are
parametrized by ``tests/conftest.py``): ``embedded``, the built store, and, in
the modules marked ``both_backends``, ``remote``, a real ``oxigraph serve``
process on loopback into which the same release was published with the Graph
Store Protocol (``tierslieux publish``). The release
itself (``built``), that server (``oxigraph_store``) and ``tierslieux serve`` as
a real process (``live_server``) are fixtures of ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tierslieux.release import BuildLayout
from tierslieux.service import DEFAULTS, create_app, internal_timeout
from tierslieux.stores.embedded import EmbeddedStore
from tierslieux.stores.query_processes import IsolatedStore, LongQuerySlots

from .chromium import CHROMIUM, DevTools


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


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """A fresh headless Chromium with DevTools, ended after the test."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run `make system-deps` (scripts/install-system-deps.sh)")
    devtools = DevTools(tmp_path / "profile")
    yield devtools
    devtools.close()
