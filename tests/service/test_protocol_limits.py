"""Limits on query length, result rows and time, each answered with its own status and message."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.both_backends

OWL_CLASSES = "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> }"
CONSTRUCT_LABELS = "CONSTRUCT { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
#: Three copies of the whole graph joined with nothing: billions of rows, long after any sane time limit.
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def padded(query: str, size: int) -> str:
    """``query`` followed by a comment that makes it exactly ``size`` UTF-8 bytes long."""
    filler = size - len(query.encode()) - 3
    return query + "\n# " + "x" * filler


def test_query_too_long(make_client):
    client = make_client(MAX_QUERY_BYTES=300)
    response = client.post("/sparql", data={"query": padded("ASK {}", 301)}, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.get_data(as_text=True) == "The query is 301 bytes long; this service accepts at most 300 bytes.\n"
    assert client.get("/sparql", query_string={"query": padded("ASK {}", 300)}).status_code == 200


def test_body_far_too_long_is_refused_before_reading(make_client):
    client = make_client(MAX_QUERY_BYTES=300)
    response = client.post("/sparql", data=b"ASK {}" + b" " * 100_000, content_type="application/sparql-query")
    assert response.status_code == 413
    assert "larger than this service accepts (queries up to 300 bytes)" in response.get_data(as_text=True)


def test_too_many_rows(make_client, client):
    total = int(client.get("/sparql", query_string={"query": OWL_CLASSES}).headers["X-Result-Rows"])
    assert total > 10
    limited = make_client(MAX_RESULT_ROWS=10)
    response = limited.get("/sparql", query_string={"query": OWL_CLASSES})
    assert response.status_code == 422
    assert response.headers["X-Result-Limit"] == "10"
    assert response.get_data(as_text=True).startswith("The answer has more than 10 rows, the most this service returns at once; add LIMIT")
    exact = limited.get("/sparql", query_string={"query": OWL_CLASSES + " LIMIT 10"})
    assert exact.status_code == 200
    assert exact.headers["X-Result-Rows"] == "10"
    assert len(exact.json["results"]["bindings"]) == 10


def test_too_many_triples(make_client):
    response = make_client(MAX_RESULT_ROWS=5).get("/sparql", query_string={"query": CONSTRUCT_LABELS})
    assert response.status_code == 422


def test_time_limit(make_client):
    client = make_client(QUERY_TIMEOUT_SECONDS=0.5, MAX_RESULT_ROWS=10**12, MAX_RESULT_BYTES=1 << 31)  # only time may stop it
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": ENDLESS})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_data(as_text=True).startswith("The query ran longer than 0.5 s, the limit of this service, and was stopped")
    assert response.headers["Retry-After"] == "60"
    assert elapsed < 5, f"the query was not stopped near its limit ({elapsed:.1f} s)"


def test_time_limit_does_not_touch_quick_queries(make_client):
    response = make_client(QUERY_TIMEOUT_SECONDS=0.5).get("/sparql", query_string={"query": OWL_CLASSES})
    assert response.status_code == 200
