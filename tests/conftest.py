"""Fixtures shared by the whole test suite: a tiny knowledge model, and the repository's graph built and served.

``built`` (the release built once per session), ``oxigraph_store`` (a real
Oxigraph server holding it) and ``live_server`` (``tierslieux serve`` as a real
process, on either store) are here rather than in ``tests/service/`` because
tests of the named queries, the README and the query rewrites use them too.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierslieux.build.builder import build_release
from tierslieux.release import BuildLayout

from .ports import free_port
from .servers import BACKENDS, TIERSLIEUX, LiveServer, OxigraphServer, publish, start_oxigraph, start_server, stop_server

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"

#: A tiny knowledge model for command tests that must not depend on the real data.
MINI_ONTOLOGY = """\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
tl:ThirdPlace a owl:Class ; rdfs:label "tiers-lieu"@fr, "third place"@en .
"""
MINI_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix tlsh: <https://w3id.org/tiers-lieux/shapes#> .
tlsh:MiniPlaceShape a sh:NodeShape ;
    sh:targetClass tl:ThirdPlace ;
    sh:property [
        sh:path rdfs:label ; sh:minCount 1 ; sh:severity sh:Violation ;
        sh:message "Un tiers-lieu doit avoir un nom."@fr, "A third place must have a name."@en
    ] .
"""
MINI_GOOD_DATA = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
<https://w3id.org/tiers-lieux/id/place/la-coroutine> a tl:ThirdPlace ; rdfs:label "La Coroutine"@fr .
"""
MINI_BAD_DATA = """\
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
<https://w3id.org/tiers-lieux/id/place/sans-nom> a tl:ThirdPlace .
"""


#: Fixtures that start a real process (a server, a browser): a test using one is ``slow`` without saying so itself.
REAL_PROCESS_FIXTURES = frozenset({"live_server", "oxigraph_store", "browser"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the tests that use ``backend`` or ``live_server`` on the built store; those of a module marked ``both_backends``
    on the remote one too.

    The protocol's own modules (request parsing, results, limits, description, security, real clients) carry the mark:
    the remote store is tested where the protocol is, and the pages, dumps, explorer and named queries, which read the
    store through the same ``Store`` protocol, once.
    """
    both = metafunc.definition.get_closest_marker("both_backends") is not None
    # the remote store is a real `oxigraph serve` process: slow, as every test on a real process
    backends = [pytest.param(name, marks=pytest.mark.slow) if name == "remote" else name for name in BACKENDS]
    for fixture in ("backend", "live_server"):
        if fixture in metafunc.fixturenames:
            metafunc.parametrize(fixture, backends if both else ["embedded"], indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses a real process's fixture, so ``make test-fast`` stays in-process."""
    for item in items:
        if REAL_PROCESS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def mini_repo(tmp_path: Path) -> Path:
    """A folder with ontology/, shapes/ and data/ holding a tiny, conforming knowledge model."""
    for relative, text in {
        "ontology/core.ttl": MINI_ONTOLOGY,
        "shapes/places.ttl": MINI_SHAPES,
        "data/curated/places.ttl": MINI_GOOD_DATA,
    }.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildLayout:
    """A release built by ``build_release`` from the repository's ontology, vocabularies and data.

    Validation is skipped: these tests are about serving a store, and the data
    is validated by its own tests (a build refused there must not hide these).
    """
    root = tmp_path_factory.mktemp("build")
    build_release(root, validate=False)
    return BuildLayout(root)


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


@pytest.fixture(scope="session")
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
