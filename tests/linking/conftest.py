"""pytest fixtures of the linking tests: the fixture endpoint, a fresh links folder, a client, our sample places."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tierslieux.linking.config import LinkConfig, load_config
from tierslieux.linking.places import load_graph, read_places

from .servers import FIXTURE, PLACES, FaultProxy, oxigraph_server


@pytest.fixture(scope="session")
def wikidata_endpoint(tmp_path_factory) -> str:
    """The Wikidata-shaped fixture, served by a real ``oxigraph serve-read-only`` process on loopback."""
    with oxigraph_server(FIXTURE, tmp_path_factory.mktemp("oxigraph")) as endpoint:
        yield endpoint


@pytest.fixture
def link_config(wikidata_endpoint) -> LinkConfig:
    """The repository's configuration, aimed at the fixture endpoint, with short back-offs and small batches."""
    return replace(load_config().with_endpoint(wikidata_endpoint), backoff_seconds=0.05, batch_size=5)


@pytest.fixture
def links_dir(tmp_path) -> Path:
    """An empty folder for the linker's files (links, review queue, rejections, class cache)."""
    folder = tmp_path / "links"
    folder.mkdir()
    return folder


@pytest.fixture
def places():
    """The 24 real census places of tests/linking/places.ttl."""
    return read_places(load_graph([PLACES]))


@pytest.fixture
def proxy_factory(wikidata_endpoint):
    """Make :class:`FaultProxy` servers in front of the fixture endpoint; they are closed after the test."""
    made: list[FaultProxy] = []

    def make(**kwargs) -> FaultProxy:
        proxy = FaultProxy(wikidata_endpoint, **kwargs)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()
