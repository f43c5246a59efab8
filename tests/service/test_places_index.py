"""The places index (service/places/index.py): pages and facets read once per release give what the queries give."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from werkzeug.datastructures import MultiDict

from tierslieux.release import BuildLayout
from tierslieux.service import create_app
from tierslieux.service.places.filters import Filters, parse_filters
from tierslieux.service.places.index import PlacesIndex, places_index, read_index, read_places_index, warm_up
from tierslieux.service.places.query import facets_in, fetch_facets, fetch_page
from tierslieux.stores.embedded import EmbeddedStore

#: (query string, offset, limit, field set): what the explorer and API clients ask for, and the edges of a page
PAGES = [
    ("", 0, 100_000, "map"),
    ("", 0, 50, "all"),
    ("", 1_490, 100, "all"),
    ("", 10**6, 10, "map"),
    ("bbox=-10.00000,41.00000,14.00000,51.50000", 0, 50, "all"),
    ("bbox=-10.00000,41.00000,14.00000,51.50000", 60, 7, "all"),
    ("bbox=2.2,48.8,2.5,48.9", 0, 1000, "map"),  # Paris
    ("bbox=-62,15.8,-61,16.6", 0, 1000, "all"),  # Guadeloupe
    ("bbox=0,0,0.001,0.001", 0, 10, "all"),  # no place
    ("bbox=-180,-90,180,90", 5, 20, "all"),
]


@pytest.fixture(scope="module")
def store(built: BuildLayout):
    """The built store, read in this process."""
    opened = EmbeddedStore.open(built.store_dir, read_only=True)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def index(store) -> PlacesIndex:
    return read_index(store, timeout=None)


@pytest.mark.parametrize(("query", "offset", "limit", "fields"), PAGES)
def test_a_page_from_the_index_is_the_page_query_s(store, index, query, offset, limit, fields):
    filters = parse_filters(MultiDict([tuple(query.split("=", 1))] if query else []))
    assert index.answers(filters)
    queried = fetch_page(store, filters, offset=offset, limit=limit, fields=fields)
    indexed = fetch_page(store, filters, offset=offset, limit=limit, fields=fields, index=index)
    assert indexed.total == queried.total
    assert indexed.records == queried.records
    if not query:
        assert queried.total == len(index.places) > 1_000


@pytest.mark.parametrize("query", ["kind=fablab", "q=coroutine", "kind=fablab&bbox=-10,41,14,51.5", "region=84"])
def test_filters_the_index_cannot_answer_are_queried(index, query):
    assert not index.answers(parse_filters(MultiDict([tuple(part.split("=", 1)) for part in query.split("&")])))
    assert not index.answers(Filters(places=("https://w3id.org/tiers-lieux/id/place/la-coroutine",)))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_index_s_facets_are_the_facet_query_s(store, index, lang):
    assert facets_in(index.facets, lang) == fetch_facets(store, Filters(), lang=lang)


def join_index_readers() -> None:
    """Wait for the threads reading a places index (started when a release is opened)."""
    for reader in [t for t in threading.enumerate() if t.name == "places-index"]:
        reader.join(120)
        assert not reader.is_alive()


def release_app_of(built: BuildLayout, **config):
    """The service reading the built release itself (the index is kept only for a release), one query process."""
    return create_app({"TESTING": True, "BUILD_DIR": built.root, "QUERY_PROCESSES": 1, **config})


@contextmanager
def serving_release(built: BuildLayout, held: HeldReading | None = None, **config):
    """:func:`release_app_of` and its store registry; on leaving, a reading the test ``held`` is let go, every index
    reader is waited for and the release's store is closed."""
    app = release_app_of(built, **config)
    stores = app.extensions["tierslieux.stores"]
    try:
        yield app, stores
    finally:
        if held is not None:
            held.go.set()
        join_index_readers()
        stores.get().close()


@pytest.fixture(scope="module")
def release_app(built: BuildLayout):
    """:func:`release_app_of`, its release opened and its index read."""
    app = release_app_of(built)
    app.extensions["tierslieux.stores"].get()
    join_index_readers()
    yield app
    app.extensions["tierslieux.stores"].get().close()


@pytest.mark.parametrize(
    "path",
    [
        "/api/places?lang=fr&fields=map&limit=100000",
        "/api/places?bbox=-10.00000,41.00000,14.00000,51.50000&limit=50&lang=fr",
        "/api/places?bbox=2.2,48.8,2.5,48.9&limit=5&offset=3&lang=en",
        "/api/places?bbox=2.2,48.8,2.5,48.9&limit=5&format=geojson",
        "/api/places/facets?lang=fr",
        "/api/places/facets?lang=en",
    ],
)
def test_the_api_answers_alike_with_and_without_the_index(release_app, client, path):
    with release_app.app_context():
        stores = release_app.extensions["tierslieux.stores"]
        assert isinstance(places_index(stores.get()), PlacesIndex), "read when the release was opened"
    with_index = release_app.test_client().get(path, headers={"Accept": "application/json"})
    without = client.get(path, headers={"Accept": "application/json"})  # a store handed in: no index
    assert with_index.status_code == without.status_code == 200
    assert with_index.get_data() == without.get_data()
    assert (with_index.headers.get("X-Places-Index"), without.headers.get("X-Places-Index")) == ("used", None)


def test_no_index_for_a_store_handed_in(app):
    with app.app_context():
        store = app.extensions["tierslieux.stores"].get()
        assert read_places_index(store, 60) is None and places_index(store) is None
    assert warm_up(app) is None


def test_opening_a_release_starts_reading_its_index(built: BuildLayout):
    with serving_release(built) as (app, stores):
        opened = []
        stores.after_open.append(lambda: opened.append(True))
        stores.open_now()  # what gunicorn's post_worker_init and the thread following releases call
        stores.get()
        assert opened == [True], "the after_open callables run once per release opened"
        assert any(t.name == "places-index" for t in threading.enumerate()) or "places index" in stores.cache(stores.get())
        join_index_readers()
        assert isinstance(stores.cache(stores.get()).get("places index"), PlacesIndex)


def test_an_index_that_cannot_be_read_leaves_requests_to_the_store(built: BuildLayout):
    with serving_release(built) as (app, stores):
        with app.app_context():
            store = stores.get()
            join_index_readers()
            stores.cache(store).clear()  # as if the release had just been opened
            assert read_places_index(store, 1e-6) is None  # the page query cannot finish in a microsecond
            assert stores.cache(store).get("places index failed") is True
            assert read_places_index(store, 60) is None, "not tried again for this release"
            assert places_index(store) is None
        answer = app.test_client().get("/api/places?limit=3")
        assert answer.status_code == 200 and answer.get_json()["returned"] == 3


def test_a_box_s_edges_are_within_it(store, index):
    """A box reduced to one place's point keeps that place, in the index as in the page query (bounds included)."""
    _, slug, _, lat, long = next(p for p in index.places if p[3] is not None and p[4] is not None)
    filters = parse_filters(MultiDict({"bbox": f"{long!r},{lat!r},{long!r},{lat!r}"}))
    indexed = fetch_page(store, filters, limit=10, index=index)
    assert indexed.records == fetch_page(store, filters, limit=10).records
    assert slug in {r["slug"] for r in indexed.records}


class HeldReading:
    """Stands in for :func:`read_index` while a test holds it: the real reading, once the test lets it go."""

    def __init__(self, monkeypatch, busy_times: int = 0):
        from tierslieux.service.places import index as module

        self.started, self.go, self.calls = threading.Event(), threading.Event(), 0
        self.busy_times = busy_times
        real = module.read_index

        def held(store, timeout):
            self.calls += 1
            if self.calls <= self.busy_times:
                from tierslieux.stores.base import QueryBusy

                raise QueryBusy(2.0, 2)
            self.started.set()
            assert self.go.wait(60), "the test never let the reading go"
            return real(store, timeout)

        monkeypatch.setattr(module, "read_index", held)
        monkeypatch.setattr(module, "BUSY_PAUSE_SECONDS", 0.01)


def counting_queries(monkeypatch, store) -> list[str]:
    """The texts of the queries ``store`` runs from now on."""
    seen: list[str] = []
    real = store.query

    def query(text, *args, **kwargs):
        seen.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(store, "query", query)
    return seen


@pytest.mark.parametrize("path", ["/api/places?lang=fr&fields=map&limit=100000", "/api/places/facets?lang=fr"])
def test_a_request_waits_for_the_index_being_read_instead_of_computing_it_beside(built: BuildLayout, monkeypatch, path):
    held = HeldReading(monkeypatch)
    with serving_release(built, held) as (app, stores):
        with app.app_context():
            store = stores.get()  # opening the release starts the reading, held by the test
            assert held.started.wait(60)
            seen = counting_queries(monkeypatch, store)
        answers = []
        request = threading.Thread(target=lambda: answers.append(app.test_client().get(path)))
        request.start()
        request.join(0.5)
        assert request.is_alive() and not answers, "the request should wait for the index being read"
        held.go.set()
        request.join(60)
        (answer,) = answers
        assert answer.status_code == 200 and answer.headers.get("X-Places-Index") == "used"
        assert len(seen) == 2, "only the index's two queries ran (the page and the facets), none for the request"


def test_a_request_that_waited_its_time_limit_for_the_index_gets_503_with_retry_after(built: BuildLayout, monkeypatch):
    held = HeldReading(monkeypatch)
    with serving_release(built, held, QUERY_TIMEOUT_SECONDS=0.3) as (app, stores):
        with app.app_context():
            stores.get()
            assert held.started.wait(60)
        answer = app.test_client().get("/api/places?limit=3")
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert answer.get_json()["error"].startswith("The places query is answered from the places index, which this worker is still reading")
        filtered = app.test_client().get("/api/places?limit=3&kind=coworking")
        assert filtered.status_code == 200, "a page the index cannot answer is queried at once"
        held.go.set()
        join_index_readers()
        again = app.test_client().get("/api/places?limit=3")
        assert again.status_code == 200 and again.headers.get("X-Places-Index") == "used"


def test_the_index_is_read_again_while_every_long_query_slot_is_taken(built: BuildLayout, monkeypatch):
    held = HeldReading(monkeypatch, busy_times=3)
    held.go.set()
    with serving_release(built) as (app, stores), app.app_context():
        store = stores.get()
        join_index_readers()
        assert held.calls == 4, "three refusals (every slot taken), then read"
        assert isinstance(places_index(store), PlacesIndex)
