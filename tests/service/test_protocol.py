"""The SPARQL 1.1 Protocol, query side, with the Flask test client.

Test names follow the W3C SPARQL 1.1 Protocol test manifest
(sparql11/data-sparql11/protocol/manifest.ttl). The manifest's graphs
(data1.rdf, data2.rdf…) are replaced by the release's own named graphs: the
ontology graph holds ``tl:ThirdPlace a owl:Class`` and the vocabularies graph
holds the ``place-kind`` concept scheme, and each holds nothing of the other.
"""

from __future__ import annotations

import json
import re

import pytest
from werkzeug.datastructures import MultiDict

from tierslieux.namespaces import graph_iri

pytestmark = pytest.mark.both_backends

ONTOLOGY_GRAPH = str(graph_iri("ontology"))
VOCAB_GRAPH = str(graph_iri("vocabularies"))
IN_ONTOLOGY = "<https://w3id.org/tiers-lieux/ontology#ThirdPlace> a <http://www.w3.org/2002/07/owl#Class>"
IN_VOCABULARIES = "<https://w3id.org/tiers-lieux/vocab/place-kind> a <http://www.w3.org/2004/02/skos/core#ConceptScheme>"
FORM = "application/x-www-form-urlencoded"
JSON_RESULTS = "application/sparql-results+json"


def ask(response) -> bool:
    """The boolean of a SPARQL JSON ASK answer (fails on anything else)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == JSON_RESULTS
    return json.loads(response.data)["boolean"]


# --- positive cases ---------------------------------------------------------------


def test_query_get(client):
    response = client.get("/sparql", query_string={"query": f"ASK {{ {IN_ONTOLOGY} }}"})
    assert ask(response) is True


def test_query_post_form(client):
    response = client.post("/sparql", data={"query": f"ASK {{ {IN_ONTOLOGY} }}"}, content_type=FORM)
    assert ask(response) is True


def test_query_post_direct(client):
    response = client.post("/sparql", data=f"ASK {{ {IN_ONTOLOGY} }}".encode(), content_type="application/sparql-query")
    assert ask(response) is True


def test_query_post_direct_with_utf8_charset(client):
    response = client.post("/sparql", data=b'ASK { ?s ?p "caf\xc3\xa9" } ', content_type="application/sparql-query; charset=UTF-8")
    assert ask(response) is False


def test_query_dataset_default_graph(client):
    query = f"ASK {{ {IN_ONTOLOGY} }}"
    assert ask(client.get("/sparql", query_string={"query": query, "default-graph-uri": ONTOLOGY_GRAPH})) is True
    # The same fact is absent from a default graph made of the vocabularies only: the parameter is obeyed.
    assert ask(client.get("/sparql", query_string={"query": query, "default-graph-uri": VOCAB_GRAPH})) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_query_dataset_default_graphs(client, method):
    query = f"ASK {{ {IN_ONTOLOGY} . {IN_VOCABULARIES} }}"
    both = [("query", query), ("default-graph-uri", ONTOLOGY_GRAPH), ("default-graph-uri", VOCAB_GRAPH)]
    one = [("query", query), ("default-graph-uri", ONTOLOGY_GRAPH)]
    if method == "get":
        assert ask(client.get("/sparql", query_string=both)) is True
        assert ask(client.get("/sparql", query_string=one)) is False
    else:
        assert ask(client.post("/sparql", data=MultiDict(both), content_type=FORM)) is True
        assert ask(client.post("/sparql", data=MultiDict(one), content_type=FORM)) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_query_dataset_named_graphs(client, method):
    query = f"ASK {{ GRAPH ?g1 {{ {IN_ONTOLOGY} }} GRAPH ?g2 {{ {IN_VOCABULARIES} }} }}"
    params = [("query", query), ("named-graph-uri", ONTOLOGY_GRAPH), ("named-graph-uri", VOCAB_GRAPH)]
    if method == "get":
        assert ask(client.get("/sparql", query_string=params)) is True
    else:
        assert ask(client.post("/sparql", data=MultiDict(params), content_type=FORM)) is True
    # With only the ontology graph named, the default graph is empty and GRAPH ?g2 finds no vocabulary.
    assert ask(client.get("/sparql", query_string=params[:2])) is False


def test_query_dataset_named_graphs_leave_default_graph_empty(client):
    params = {"query": "ASK { ?s ?p ?o }", "named-graph-uri": ONTOLOGY_GRAPH}
    assert ask(client.get("/sparql", query_string=params)) is False


def test_query_dataset_full(client):
    query = f"ASK {{ {IN_VOCABULARIES} GRAPH ?g {{ {IN_ONTOLOGY} }} }}"
    params = [("query", query), ("default-graph-uri", VOCAB_GRAPH), ("named-graph-uri", ONTOLOGY_GRAPH)]
    assert ask(client.post("/sparql", data=MultiDict(params), content_type=FORM)) is True


def test_query_multiple_dataset(client):
    """The protocol's dataset wins over the query's FROM."""
    query = f"ASK FROM <{VOCAB_GRAPH}> {{ {IN_ONTOLOGY} }}"
    assert ask(client.get("/sparql", query_string={"query": query})) is False
    assert ask(client.get("/sparql", query_string={"query": query, "default-graph-uri": ONTOLOGY_GRAPH})) is True


def test_query_from_clause_is_obeyed_without_protocol_dataset(client):
    """A FROM in the query replaces the union default graph (pyoxigraph's union flag would otherwise override it)."""
    with_from = f"SELECT (COUNT(*) AS ?n) FROM <{VOCAB_GRAPH}> WHERE {{ ?s ?p ?o }}"
    in_graph = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{VOCAB_GRAPH}> {{ ?s ?p ?o }} }}"
    union = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def count(query: str) -> int:
        response = client.get("/sparql", query_string={"query": query})
        return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])

    assert count(with_from) == count(in_graph) > 0
    assert count(union) > count(with_from)


def test_default_graph_is_union_of_named_graphs(client, built):
    """With no dataset, the default graph is every named graph together (the build puts nothing in the real default graph)."""
    response = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
    in_graphs = int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])
    assert in_graphs == sum(built.manifest()["graphs"].values())
    assert ask(client.get("/sparql", query_string={"query": f"ASK {{ {IN_ONTOLOGY} . {IN_VOCABULARIES} }}"})) is True


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT (1 AS ?value) {}", {JSON_RESULTS, "application/sparql-results+xml", "text/tab-separated-values", "text/csv"}),
        ("ASK {}", {JSON_RESULTS, "application/sparql-results+xml"}),
        ("DESCRIBE <http://example.org/>", {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json"}),
        ("CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}", {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json"}),
    ],
    ids=["query_content_type_select", "query_content_type_ask", "query_content_type_describe", "query_content_type_construct"],
)
def test_query_content_type(client, query, expected):
    response = client.post("/sparql", data={"query": query}, content_type=FORM)
    assert response.status_code == 200
    assert response.mimetype in expected


# --- negative cases ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_bad_query_method(client, method):
    response = getattr(client, method)("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST, OPTIONS"
    assert f"{method.upper()} is not allowed" in response.get_data(as_text=True)


def test_bad_multiple_queries(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert response.status_code == 400
    assert "2 `query` parameters" in response.get_data(as_text=True)


def test_bad_multiple_queries_form_and_url(client):
    response = client.post("/sparql?query=ASK%20%7B%7D", data={"query": "ASK {}"}, content_type=FORM)
    assert response.status_code == 400
    assert "2 `query` parameters" in response.get_data(as_text=True)


def test_bad_query_wrong_media_type(client):
    response = client.post("/sparql", data=b"ASK {}", content_type="text/plain")
    assert response.status_code == 415
    assert "Content-Type text/plain is not accepted" in response.get_data(as_text=True)


def test_bad_query_missing_form_type(client):
    response = client.post("/sparql", data=b"query=ASK%20%7B%7D")
    assert response.status_code == 400
    assert "no Content-Type" in response.get_data(as_text=True)


def test_bad_query_missing_direct_type(client):
    response = client.post("/sparql", data=b"ASK {}")
    assert response.status_code == 400
    assert "no Content-Type" in response.get_data(as_text=True)


def test_bad_query_non_utf8(client):
    """The manifest's case: a UTF-16 body declared as such."""
    response = client.post("/sparql", data="ASK {}".encode("utf-16"), content_type="application/sparql-query; charset=UTF-16")
    assert response.status_code == 415
    assert "charset=UTF-16 is not supported" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "content_type", "what"),
    [
        ('ASK { ?s ?p "caf\xe9" }'.encode("latin-1"), "application/sparql-query", "request body is not valid UTF-8 (byte 16: b'\\xe9')"),
        (b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22caf%E9%22%20%7D", FORM, "The form body is not valid UTF-8 once percent-decoded"),
    ],
    ids=["direct", "form"],
)
def test_bad_query_non_utf8_undeclared(client, data, content_type, what):
    response = client.post("/sparql", data=data, content_type=content_type)
    assert response.status_code == 400
    assert what in response.get_data(as_text=True)


def test_bad_query_non_utf8_in_url(client):
    response = client.get("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22caf%E9%22%20%7D")
    assert response.status_code == 400
    assert "The URL's query string is not valid UTF-8 once percent-decoded" in response.get_data(as_text=True)


def test_bad_query_syntax(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert re.match(r"SPARQL syntax error: error at 3:\d+: expected ", text), text


def test_bad_query_missing(client):
    response = client.post("/sparql", data={"default-graph-uri": ONTOLOGY_GRAPH}, content_type=FORM)
    assert response.status_code == 400
    assert "no `query`" in response.get_data(as_text=True)


def test_bad_query_empty(client):
    response = client.get("/sparql", query_string={"query": "  "})
    assert response.status_code == 400
    assert "`query` parameter is empty" in response.get_data(as_text=True)


def test_bad_query_and_update_together(client):
    response = client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}, content_type=FORM)
    assert response.status_code == 400
    assert "both `query` and `update`" in response.get_data(as_text=True)


def test_bad_direct_post_with_query_in_url(client):
    response = client.post("/sparql?query=ASK%7B%7D", data=b"ASK {}", content_type="application/sparql-query")
    assert response.status_code == 400
    assert "the SPARQL text is the body" in response.get_data(as_text=True)


def test_update_text_sent_as_query_is_a_syntax_error(client):
    response = client.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-query")
    assert response.status_code == 400
    assert "SPARQL syntax error" in response.get_data(as_text=True)


# --- CORS -------------------------------------------------------------------------------


def test_cors_on_reads(client):
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Result-Rows" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight(client):
    response = client.options(
        "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert response.headers["Access-Control-Allow-Headers"] == "Accept, Content-Type, Authorization"


def test_cors_preflight_never_reflects_requested_headers(client):
    response = client.options(
        "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-evil, cookie"},
    )
    assert "x-evil" not in response.headers["Access-Control-Allow-Headers"].lower()
    assert "cookie" not in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_on_errors(client):
    response = client.get("/sparql", query_string={"query": "ASK {"})
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"
