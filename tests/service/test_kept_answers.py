"""Answers kept per release (service/kept_answers.py): repeated requests from memory, ETags and 304, emptied by a new release."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from tierslieux.release import BuildLayout
from tierslieux.service import create_app
from tierslieux.service.kept_answers import KeptAnswer, KeptAnswers

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/tiers-lieux/ontology#ThirdPlace> }"

#: One request of each kind of view that keeps its answers.
KEPT = [
    f"/sparql?query={quote(COUNT)}",
    "/sparql",
    "/.well-known/void",
    "/queries/",
    "/queries/places-by-kind?format=json",
    "/id/place/la-coroutine",
    "/id/place/la-coroutine.ttl",
    "/vocab",
    "/graph/ontology",
    "/api/places?kind=fablab&limit=5",
    "/api/places/facets?region=84",
    "/api/places/la-coroutine",
    "/api/openapi.json",
    "/observatory",
]


def release_app(build_dir: Path, **config):
    """The service over the release published in ``build_dir``, as `tierslieux serve` opens it (one query process)."""
    return create_app({"TESTING": True, "BUILD_DIR": build_dir, "QUERY_PROCESSES": 1, **config})


@pytest.fixture(scope="module")
def release_client(built: BuildLayout):
    """A client of the service reading the built release itself (answers are kept only for a release)."""
    app = release_app(built.root)
    yield app.test_client()
    app.extensions["tierslieux.stores"].get().close()


@pytest.mark.parametrize("path", KEPT)
def test_a_repeated_request_is_answered_from_memory(release_client, path):
    first = release_client.get(path)
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    again = release_client.get(path)
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) in {("miss", "hit"), ("hit", "hit")}
    assert again.get_data() == first.get_data()
    for header in ("Content-Type", "ETag", "Vary", "Link", "X-Result-Rows", "X-Total-Count"):
        assert again.headers.get(header) == first.headers.get(header), header


@pytest.mark.parametrize("path", KEPT)
def test_a_client_that_has_the_answer_gets_304(release_client, path):
    first = release_client.get(path)
    revalidated = release_client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.get_data() == b""
    assert revalidated.headers["ETag"] == first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache", "a client must revalidate: a new release changes the answer"
    stale = release_client.get(path, headers={"If-None-Match": '"an-older-release"'})
    assert stale.status_code == 200 and stale.get_data() == first.get_data()


def test_requests_that_differ_get_their_own_answers(release_client):
    as_json = release_client.get(f"/sparql?query={quote(COUNT)}", headers={"Accept": "application/sparql-results+json"})
    as_csv = release_client.get(f"/sparql?query={quote(COUNT)}", headers={"Accept": "text/csv"})
    assert as_json.content_type.startswith("application/sparql-results+json")
    assert as_csv.content_type.startswith("text/csv") and as_csv.get_data() != as_json.get_data()
    french = release_client.get("/observatory", headers={"Accept-Language": "fr"})
    english = release_client.get("/observatory", headers={"Accept-Language": "en"})
    assert "Observatoire" in french.get_data(as_text=True) and "Observatory" in english.get_data(as_text=True)
    fablabs = release_client.get("/api/places?kind=fablab&limit=3")
    coworking = release_client.get("/api/places?kind=coworking&limit=3")
    assert fablabs.get_data() != coworking.get_data() and fablabs.headers["ETag"] != coworking.headers["ETag"]
    reordered = release_client.get("/api/places?limit=3&kind=fablab")
    assert reordered.headers["X-Cache"] == "hit" and reordered.get_data() == fablabs.get_data()


@pytest.mark.parametrize(
    "text",
    [
        "SELECT (NOW() AS ?t) WHERE {}",
        "SELECT (RAND() AS ?r) WHERE {}",
        "SELECT (STRUUID() AS ?u) WHERE {}",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } LIMIT 1",
    ],
)
def test_an_answer_that_depends_on_more_than_the_release_is_not_kept(release_client, text):
    for _ in range(2):
        answer = release_client.get(f"/sparql?query={quote(text)}")
        assert answer.headers.get("X-Cache") in ("miss", None), "an answer of the clock, chance or another service was replayed"


def test_errors_are_not_kept(release_client):
    for _ in range(2):
        answer = release_client.get(f"/sparql?query={quote('SELECT * WHERE { ?s ?p }')}")
        assert answer.status_code == 400 and "X-Cache" not in answer.headers


def test_a_new_release_starts_with_no_kept_answer(built: BuildLayout, tmp_path):
    layout = BuildLayout(tmp_path)
    layout.releases_dir.mkdir()
    for name in ("first", "second"):
        shutil.copytree(built.current.resolve(), layout.releases_dir / name, symlinks=True)
    os.symlink("releases/first", layout.current)
    app = release_app(tmp_path)
    client = app.test_client()
    path = f"/sparql?query={quote(COUNT)}"
    try:
        assert [client.get(path).headers["X-Cache"] for _ in range(2)] == ["miss", "hit"]
        os.symlink("releases/second", tmp_path / "next")
        os.replace(tmp_path / "next", layout.current)  # as a build publishes: one atomic rename
        assert [client.get(path).headers["X-Cache"] for _ in range(2)] == ["miss", "hit"]
    finally:
        app.extensions["tierslieux.stores"].get().close()


def test_a_store_handed_in_keeps_no_answer_but_answers_conditional_requests(make_client):
    client = make_client()  # the store is handed in (STORE) or external (STORE_URL): it may change unseen
    path = f"/sparql?query={quote(COUNT)}"
    first, again = client.get(path), client.get(path)
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "miss")
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_budget_of_zero_keeps_nothing(built: BuildLayout):
    app = release_app(built.root, ANSWER_CACHE_MB=0)
    client = app.test_client()
    try:
        assert [client.get("/api/places?limit=2").headers["X-Cache"] for _ in range(2)] == ["miss", "miss"]
    finally:
        app.extensions["tierslieux.stores"].get().close()


def test_kept_answers_stay_within_their_budget():
    answers = KeptAnswers(budget_bytes=1000)
    small = KeptAnswer((("Content-Type", "text/plain"),), b"x" * 200)
    for key in (b"a", b"b", b"c", b"d"):
        assert answers.keep(key, small)
    assert answers.bytes <= 1000 and len(answers) == 4
    answers.get(b"a")  # now the most recently used
    assert answers.keep(b"e", small)
    assert answers.get(b"b") is None, "the least recently used answer was not the one forgotten"
    assert answers.get(b"a") is not None and answers.bytes <= 1000
    assert not answers.keep(b"big", KeptAnswer((), b"x" * 300)), "an answer over a quarter of the budget was kept"


def test_a_repeated_post_is_answered_from_memory_and_its_body_is_part_of_the_key(release_client):
    as_query = {"data": COUNT, "content_type": "application/sparql-query"}
    first, again = release_client.post("/sparql", **as_query), release_client.post("/sparql", **as_query)
    assert first.status_code == again.status_code == 200
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) in {("miss", "hit"), ("hit", "hit")}
    assert again.get_data() == first.get_data()
    as_form = release_client.post("/sparql", data={"query": COUNT})
    assert as_form.get_data() == first.get_data()
    other = COUNT.replace("ThirdPlace", "Community")
    different = release_client.post("/sparql", data=other, content_type="application/sparql-query")
    assert different.headers["X-Cache"] == "miss" and different.get_data() != first.get_data()


def test_an_update_is_never_kept(release_client):
    for _ in range(2):
        answer = release_client.post("/sparql", data="INSERT DATA { <http://a> <http://b> <http://c> }", content_type="application/sparql-update")
        assert answer.status_code == 403 and "X-Cache" not in answer.headers
