"""The Service Description (bare GET /sparql) and the VoID description (/.well-known/void).

Statistics are checked against a second, independent path: the build's
manifest for graph sizes, and rdflib counting over the TriG dump for classes,
links, licences and distinct triples.
"""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID

from tierslieux.namespaces import TL
from tierslieux.release import BuildLayout
from tierslieux.service import description

pytestmark = pytest.mark.both_backends

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENDPOINT = URIRef("http://localhost/sparql")
DATASET = URIRef(description.DATASET_IRI)


def parse(response, fmt: str = "turtle") -> Graph:
    """The response body parsed by rdflib."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return Graph().parse(data=response.data, format=fmt)


@pytest.fixture(scope="module")
def dump(built: BuildLayout) -> Dataset:
    """The release's TriG dump read by rdflib, as the union of its graphs."""
    dataset = Dataset(default_union=True)
    dataset.parse(built.dumps_dir / "tiers-lieux.trig", format="trig")
    return dataset


def test_bare_get_is_the_service_description(make_client, built):
    response = make_client(SERVICE_ALLOWLIST=[]).get("/sparql")
    assert response.mimetype == "text/turtle"
    graph = parse(response)
    assert (ENDPOINT, RDF.type, SD.Service) in graph
    assert (ENDPOINT, SD.endpoint, ENDPOINT) in graph
    assert set(graph.objects(ENDPOINT, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert set(graph.objects(ENDPOINT, SD.resultFormat)) == {
        FORMATS[name] for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                                   "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads")
    }
    assert (ENDPOINT, SD.feature, SD.UnionDefaultGraph) in graph
    assert (ENDPOINT, SD.feature, SD.BasicFederatedQuery) not in graph
    named = {
        str(graph.value(node, SD.name)): int(graph.value(graph.value(node, SD.graph), VOID.triples))
        for node in graph.objects(DATASET, SD.namedGraph)
    }
    assert named == built.manifest()["graphs"]


def test_service_description_by_content_negotiation(client):
    graph = parse(client.get("/sparql", headers={"Accept": "application/ld+json"}), "json-ld")
    assert (ENDPOINT, RDF.type, SD.Service) in graph


def test_a_browser_opening_the_endpoint_is_sent_to_the_query_page(client):
    """Issue 17: a person who opens /sparql sees the query page; SPARQL clients still get the description (above)."""
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/query")
    shown = client.get(response.headers["Location"], headers={"Accept": "text/html"})
    assert shown.status_code == 200 and 'id="yasgui"' in shown.get_data(as_text=True)


def test_service_description_mentions_update_and_federation_when_enabled(make_client, memory_store):
    client = make_client(STORE=memory_store, UPDATE_TOKEN="t", SERVICE_ALLOWLIST=["https://query.wikidata.org/sparql"])
    graph = parse(client.get("/sparql"))
    assert set(graph.objects(ENDPOINT, SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}
    assert (ENDPOINT, SD.feature, SD.BasicFederatedQuery) in graph


@pytest.fixture(scope="module")
def void_graph(built) -> Graph:
    """The VoID description served for the built release."""
    from tierslieux.service import create_app

    return parse(create_app({"TESTING": True, "BUILD_DIR": built.root}).test_client().get("/.well-known/void"))


def test_void_dataset(void_graph):
    assert (DATASET, RDF.type, VOID.Dataset) in void_graph
    assert (DATASET, VOID.sparqlEndpoint, ENDPOINT) in void_graph
    assert (DATASET, VOID.uriSpace, Literal("https://w3id.org/tiers-lieux/id/")) in void_graph


@pytest.mark.slow  # reads the whole dump with rdflib
def test_void_triples_are_the_distinct_triples_the_endpoint_serves(void_graph, built):
    """The endpoint serves every source's statements (the N-Quads dump, as triples); the triple dumps hold the resolved
    view, where values a source lost to another are left out (docs/merging.md)."""
    dataset = Dataset()
    dataset.parse(built.dumps_dir / "tiers-lieux.nq", format="nquads")
    served = {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}
    assert int(void_graph.value(DATASET, VOID.triples)) == len(served)


def test_void_subsets_are_the_named_graphs(void_graph, built):
    subsets = {
        str(s): int(void_graph.value(s, VOID.triples))
        for s in void_graph.objects(DATASET, VOID.subset)
        if (s, RDF.type, VOID.Dataset) in void_graph and (s, RDF.type, VOID.Linkset) not in void_graph
    }
    assert subsets == built.manifest()["graphs"]


@pytest.mark.slow  # reads the whole dump with rdflib
def test_void_class_partitions(void_graph, dump):
    served = {
        str(void_graph.value(p, VOID["class"])): int(void_graph.value(p, VOID.entities))
        for p in void_graph.objects(DATASET, VOID.classPartition)
    }
    counted = {
        str(row[0]): int(row[1])
        for row in dump.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c")
    }
    assert served == counted
    assert served["http://www.w3.org/2002/07/owl#Class"] > 10
    assert int(void_graph.value(DATASET, VOID.classes)) == len(counted)


@pytest.mark.slow  # reads the whole dump with rdflib
def test_void_wikidata_linkset(void_graph, dump):
    (linkset,) = [s for s in void_graph.objects(DATASET, VOID.subset) if (s, RDF.type, VOID.Linkset) in void_graph]
    assert void_graph.value(linkset, VOID.linkPredicate) == TL.wikidataItem
    assert void_graph.value(linkset, VOID.subjectsTarget) == DATASET
    assert int(void_graph.value(linkset, VOID.triples)) == len(set(dump.triples((None, TL.wikidataItem, None))))


@pytest.mark.slow  # reads the whole dump with rdflib
def test_void_licences_and_sources(void_graph, dump):
    licences = {str(o) for o in dump.objects(None, DCTERMS.license) if isinstance(o, URIRef)}
    assert {str(o) for o in void_graph.objects(DATASET, DCTERMS.license)} == licences
    assert "https://www.etalab.gouv.fr/licence-ouverte-open-licence/" in licences
    sources = {str(s) for s in dump.subjects(RDF.type, TL.SourceDocument)}
    assert sources <= {str(o) for o in void_graph.objects(DATASET, DCTERMS.source)}


def test_void_lists_the_dumps(void_graph, built):
    dumps = {str(o).rsplit("/", 1)[1] for o in void_graph.objects(DATASET, VOID.dataDump)}
    assert dumps == set(built.manifest()["dumps"])


def test_void_statistics_are_computed_once_per_store(app, monkeypatch):
    calls = []
    real = description.compute_statistics
    monkeypatch.setattr(description, "compute_statistics", lambda store: calls.append(store) or real(store))
    client = app.test_client()
    for _ in range(3):
        assert client.get("/.well-known/void").status_code == 200
    assert client.get("/sparql").status_code == 200
    assert len(calls) == 1

