"""Result formats and content negotiation.

Every answer is parsed back with rdflib (a parser independent of pyoxigraph,
which wrote it) and compared, as a set, with what rdflib computes itself from
the release's TriG dump.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from rdflib import Dataset, Graph
from rdflib.query import Result

from tierslieux.release import BuildLayout

pytestmark = pytest.mark.both_backends

SELECT = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class ?label WHERE { ?class a owl:Class ; rdfs:label ?label } ORDER BY ?class ?label
"""
CONSTRUCT = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?class rdfs:label ?label } WHERE { ?class a owl:Class ; rdfs:label ?label }
"""


@pytest.fixture(scope="module")
def dump_graph(built: BuildLayout) -> Dataset:
    """The release's TriG dump read by rdflib: all named graphs, queried as their union."""
    graph = Dataset(default_union=True)
    graph.parse(built.dumps_dir / "tiers-lieux.trig", format="trig")
    return graph


@pytest.fixture(scope="module")
def expected_rows(dump_graph) -> list[tuple]:
    """The SELECT's rows (rdflib terms) as computed by rdflib on the dump."""
    rows = [tuple(row) for row in dump_graph.query(SELECT)]
    assert len(rows) > 10, "the ontology should label more than ten classes"
    return rows


def as_multiset(rows, *, plain: bool) -> Counter:
    """Rows as a multiset of tuples: terms in N3 (kind, language, datatype kept), or as plain strings (CSV keeps no more)."""
    return Counter(tuple(str(term) if plain else term.n3() for term in row) for row in rows)


@pytest.fixture(scope="module")
def expected_triples(dump_graph) -> set[tuple[str, str, str]]:
    """The CONSTRUCT's triples as computed by rdflib on the dump."""
    return {tuple(t.n3() for t in triple) for triple in dump_graph.query(CONSTRUCT).graph}


@pytest.mark.parametrize(
    ("accept", "media_type", "parser"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "xml"),
        ("text/csv", "text/csv", "csv"),
        ("text/tab-separated-values", "text/tab-separated-values", "tsv"),
        ("application/json", "application/sparql-results+json", "json"),
    ],
)
def test_select_formats_round_trip(client, expected_rows, accept, media_type, parser):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["X-Result-Rows"] == str(len(expected_rows))
    result = Result.parse(io.BytesIO(response.data), format=parser)
    plain = parser == "csv"
    assert as_multiset(result, plain=plain) == as_multiset(expected_rows, plain=plain)


@pytest.mark.parametrize(
    ("accept", "media_type", "parser"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/json", "application/ld+json", "json-ld"),
    ],
)
def test_construct_formats_round_trip(client, expected_triples, accept, media_type, parser):
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    graph = Dataset(default_union=True) if parser in ("trig", "nquads") else Graph()
    graph.parse(data=response.data, format=parser)
    triples = graph.quads() if isinstance(graph, Dataset) else graph
    assert {tuple(t.n3() for t in statement[:3]) for statement in triples} == expected_triples


@pytest.mark.parametrize(("accept", "body"), [("text/csv", b"true"), ("application/sparql-results+xml", b"<boolean>true</boolean>")])
def test_ask_formats(client, accept, body):
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": accept})
    assert response.status_code == 200
    assert body in response.data


def test_accept_q_values_choose_the_best(client):
    accept = "application/sparql-results+json;q=0.2, application/sparql-results+xml;q=0.5, text/csv;q=0.9"
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert response.mimetype == "text/csv"
    assert response.headers["Vary"] == "Accept"


def test_accept_q_zero_excludes(client):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "application/sparql-results+json;q=0, */*;q=0.1"})
    assert response.mimetype == "application/sparql-results+xml"


def test_browser_accept_gets_json_results(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": browser})
    assert response.mimetype == "application/sparql-results+xml"  # application/xml (q=0.9) beats */* (q=0.8)


def test_no_accept_gets_the_first_format(client):
    response = client.get("/sparql", query_string={"query": CONSTRUCT})
    assert response.mimetype == "text/turtle"


@pytest.mark.parametrize(("value", "media_type"), [("tsv", "text/tab-separated-values"), ("xml", "application/sparql-results+xml"), ("text/csv", "text/csv")])
def test_format_parameter_wins_over_accept(client, value, media_type):
    response = client.get("/sparql", query_string={"query": SELECT, "format": value}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.mimetype == media_type


def test_format_parameter_in_a_form_post(client):
    response = client.post("/sparql", data={"query": CONSTRUCT, "format": "nt"}, content_type="application/x-www-form-urlencoded")
    assert response.mimetype == "application/n-triples"


def test_not_acceptable_accept_header(client):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    text = response.get_data(as_text=True)
    assert "Cannot produce Accept: image/png for a SELECT/ASK result" in text
    assert "text/csv (format=csv)" in text


def test_not_acceptable_format_for_the_query_form(client):
    response = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "csv"})
    assert response.status_code == 406
    assert "Cannot produce format='csv' for a CONSTRUCT/DESCRIBE result" in response.get_data(as_text=True)


def test_not_acceptable_graph_type_for_select(client):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406


@pytest.fixture(scope="module")
def native_store(built: BuildLayout):
    """The release as the service holds it (read into memory from its dump), used directly through pyoxigraph."""
    from tierslieux.stores.held_in_memory import read_dump

    return read_dump(built.current_release.quads_dump)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        "SELECT ?s ?missing ?o WHERE { ?s a ?o OPTIONAL { ?o <http://example.org/nothing> ?missing } }",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    ],
    ids=["everything", "unbound", "aggregate"],
)
def test_served_rows_are_byte_identical_to_the_engine(client, backend, native_store, query, fmt):
    """Rows counted against the limit, then written by pyoxigraph, lose nothing: same bytes as the engine's own output.

    The engine is pyoxigraph on the release held in memory, or the Oxigraph server asked directly (blank node labels are the store's own).
    """
    import urllib.parse
    import urllib.request

    import pyoxigraph as ox

    engine_format = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[fmt]
    if "STORE_URL" in backend:
        form = urllib.parse.urlencode({"query": query, "union-default-graph": ""}).encode()
        asked = urllib.request.Request(backend["STORE_URL"], data=form, headers={"Accept": engine_format.media_type})
        with urllib.request.urlopen(asked, timeout=60) as answer:
            expected = answer.read()
    else:
        expected = native_store.query(query, use_default_graph_as_union=True).serialize(format=engine_format)
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200
    assert response.data == expected
