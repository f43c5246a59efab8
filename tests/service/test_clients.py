"""The real service (``tierslieux serve``, gunicorn) used as clients use it: SPARQLWrapper, rdflib's SPARQLStore, raw HTTP."""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.parse

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import GET, JSON, POST, TURTLE, XML, SPARQLWrapper

from tierslieux.namespaces import TL

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]  # real clients speak the protocol: both stores

CLASSES = "PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT ?c WHERE { ?c a owl:Class FILTER(isIRI(?c)) } ORDER BY ?c"
CONSTRUCT_CLASSES = "CONSTRUCT { ?c a <http://www.w3.org/2002/07/owl#Class> } WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> FILTER(isIRI(?c)) }"


@pytest.fixture(scope="module")
def owl_classes(built) -> set[str]:
    """The ontology's classes, counted by rdflib from the TriG dump (the independent path)."""
    dataset = Dataset(default_union=True)
    dataset.parse(built.dumps_dir / "tiers-lieux.trig", format="trig")
    classes = {str(c) for c in dataset.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    assert str(TL.ThirdPlace) in classes
    return classes


def wrapper(live_server, method, fmt) -> SPARQLWrapper:
    """A SPARQLWrapper on the live endpoint."""
    client = SPARQLWrapper(live_server.endpoint)
    client.setMethod(method)
    client.setReturnFormat(fmt)
    return client


# --- SPARQLWrapper ----------------------------------------------------------------------


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_json(live_server, owl_classes, method):
    client = wrapper(live_server, method, JSON)
    client.setQuery(CLASSES)
    bindings = client.queryAndConvert()["results"]["bindings"]
    assert {b["c"]["value"] for b in bindings} == owl_classes


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_xml(live_server, owl_classes, method):
    client = wrapper(live_server, method, XML)
    client.setQuery(CLASSES)
    document = client.queryAndConvert()  # an xml.dom.minidom document
    uris = {node.firstChild.data for node in document.getElementsByTagName("uri")}
    assert uris == owl_classes


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_ask(live_server, method):
    client = wrapper(live_server, method, JSON)
    client.setQuery(f"ASK {{ <{TL.ThirdPlace}> a <{OWL.Class}> }}")
    assert client.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, XML])
def test_sparqlwrapper_construct(live_server, owl_classes, fmt):
    client = wrapper(live_server, GET, fmt)
    client.setQuery(CONSTRUCT_CLASSES)
    graph = client.queryAndConvert()
    if isinstance(graph, bytes):  # SPARQLWrapper hands Turtle back unparsed
        graph = Graph().parse(data=graph, format="turtle")
    assert {str(s) for s in graph.subjects(RDF.type, OWL.Class)} == owl_classes


def test_sparqlwrapper_reports_syntax_errors(live_server):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = wrapper(live_server, GET, JSON)
    client.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed, match="SPARQL syntax error: error at 1:"):
        client.queryAndConvert()


# --- rdflib SPARQLStore -----------------------------------------------------------------


def test_rdflib_sparqlstore_query(live_server, owl_classes):
    graph = Graph(store=SPARQLStore(live_server.endpoint))
    assert {str(row.c) for row in graph.query(CLASSES)} == owl_classes


def test_rdflib_sparqlstore_graph_api(live_server):
    graph = Graph(store=SPARQLStore(live_server.endpoint))
    assert (TL.ThirdPlace, RDF.type, OWL.Class) in graph
    labels = {(str(label), label.language) for label in graph.objects(TL.ThirdPlace, RDFS.label)}
    assert {language for _, language in labels} >= {"fr", "en"}


def test_rdflib_sparqlstore_construct(live_server, owl_classes):
    graph = Graph(store=SPARQLStore(live_server.endpoint))
    result = graph.query(CONSTRUCT_CLASSES)
    assert {str(s) for s, _, _ in result} == owl_classes


# --- raw HTTP: the protocol's error cases ------------------------------------------


def raw(live_server, method: str, target: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
    """Send one request with http.client; return status, headers and body text."""
    host, port = urllib.parse.urlsplit(live_server.url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_raw_query_get(live_server):
    status, headers, body = raw(live_server, "GET", "/sparql?query=ASK%20%7B%7D", headers={"Accept": "text/csv"})
    assert (status, body) == (200, "true")
    assert headers["Content-Type"] == "text/csv; charset=utf-8"


def test_raw_bad_query_method(live_server):
    status, headers, body = raw(live_server, "PUT", "/sparql?query=ASK%20%7B%7D", body=b"")
    assert status == 405
    assert headers["Allow"] == "GET, POST, OPTIONS"
    assert "PUT is not allowed" in body


def test_raw_bad_multiple_queries(live_server):
    status, _, body = raw(live_server, "GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert status == 400 and "2 `query` parameters" in body


def test_raw_bad_query_wrong_media_type(live_server):
    status, _, body = raw(live_server, "POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"})
    assert status == 415 and "text/plain is not accepted" in body


def test_raw_bad_query_missing_form_type(live_server):
    status, _, body = raw(live_server, "POST", "/sparql", b"query=ASK%20%7B%7D")
    assert status == 400 and "no Content-Type" in body


def test_raw_bad_query_non_utf8(live_server):
    status, _, body = raw(live_server, "POST", "/sparql", "ASK {}".encode("utf-16"), {"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert status == 415 and "charset=UTF-16 is not supported" in body
    status, _, body = raw(live_server, "POST", "/sparql", b'ASK { ?s ?p "caf\xe9" }', {"Content-Type": "application/sparql-query"})
    assert status == 400 and "not valid UTF-8" in body


def test_raw_bad_query_syntax(live_server):
    status, _, body = raw(live_server, "GET", "/sparql?query=ASK%20%7B")
    assert status == 400 and body.startswith("SPARQL syntax error: error at 1:6")


def test_raw_bad_update_get(live_server):
    status, _, body = raw(live_server, "GET", "/sparql?update=CLEAR%20ALL")
    assert status == 400 and "must be sent with POST" in body


def test_raw_update_refused(live_server):
    status, _, body = raw(live_server, "POST", "/sparql", b"CLEAR ALL", {"Content-Type": "application/sparql-update", "Authorization": "Bearer guess"})
    assert status == 403 and "read-only" in body


def test_raw_cors_preflight(live_server):
    status, headers, _ = raw(live_server, "OPTIONS", "/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_raw_service_refused_without_connecting(live_server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    accepted: list = []

    def watch() -> None:
        try:
            accepted.append(listener.accept())
        except (TimeoutError, OSError):
            pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    query = urllib.parse.quote(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}")
    status, _, body = raw(live_server, "GET", f"/sparql?query={query}")
    watcher.join()
    listener.close()
    assert status == 403 and f"SERVICE <http://127.0.0.1:{port}/sparql> is not allowed" in body
    assert accepted == []


def test_raw_long_get_is_told_to_use_post(live_server):
    query = urllib.parse.quote("ASK {} #" + "x" * 9000)
    status, _, body = raw(live_server, "GET", f"/sparql?query={query}")
    assert status == 414, body
    assert "Request Line is too large" in body
    status, _, _ = raw(live_server, "POST", "/sparql", ("ASK {} #" + "x" * 9000).encode(), {"Content-Type": "application/sparql-query"})
    assert status == 200
