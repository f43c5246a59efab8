"""Browsers get pages: ``/queries/{name}`` as a readable table, a bare ``/sparql`` sent to the query page; clients keep their formats."""

from __future__ import annotations

import re

import pytest

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_named_query_in_a_browser_is_a_table_of_plain_values(client):
    answer = client.get("/queries/counts-per-region-and-kind", headers={"Accept": BROWSER})
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    assert '<table class="listing results" id="results">' in page
    # Auvergne-Rhône-Alpes has 161 coworking spaces (README): shown as 161, the region as a link to its page
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "/id/region/84" in r and "kind:coworking" in r)
    assert ">161</td>" in row and '<a href="/id/region/84">' in row
    assert "^^" not in page and "XMLSchema#integer" not in page.split("<details")[0]
    assert "SELECT" in page  # the query text
    for fmt in ("json", "csv", "tsv", "xml"):
        assert f"/queries/counts-per-region-and-kind?format={fmt}" in page


def test_named_query_page_keeps_the_parameters_in_its_links(client):
    page = client.get("/queries/places-by-name?text=coroutine", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "La Coroutine" in page and '<a href="/id/place/la-coroutine">' in page
    assert "/queries/places-by-name?text=coroutine&amp;format=csv" in page


@pytest.mark.parametrize(
    "accept, media_type",
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
        (None, "application/sparql-results+json"),
        ("text/csv", "text/csv"),
    ],
)
def test_sparql_clients_still_get_results(client, accept, media_type):
    answer = client.get("/queries/counts-per-region-and-kind", headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.mimetype == media_type


def test_bare_sparql_in_a_browser_goes_to_the_query_page(client):
    answer = client.get("/sparql", headers={"Accept": BROWSER})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/query")
    described = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert described.status_code == 200 and described.mimetype == "text/turtle"
    with_query = client.get("/sparql?query=ASK%7B%7D", headers={"Accept": BROWSER})
    assert with_query.status_code != 303
