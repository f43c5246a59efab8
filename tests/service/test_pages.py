"""The pages for people and the linked-data answers for machines, through the Flask test client.

Two stores: the release built from the repository's data (``client``), and a
small fixture store whose place has every part a page shows, and text that
tries to inject HTML (``fixture_client``).
"""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from tierslieux.namespaces import TL
from tierslieux.service import create_app, ontology_docs
from tierslieux.stores.embedded import EmbeddedStore

LA_COROUTINE = URIRef("https://w3id.org/tiers-lieux/id/place/la-coroutine")
STATIC = Path(__file__).resolve().parents[2] / "src" / "tierslieux" / "service" / "static"
PLACE = "https://w3id.org/tiers-lieux/id/place/atelier-d-essai"

FIXTURE_GRAPHS = {
    "https://w3id.org/tiers-lieux/graph/ontology": """
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
        <https://w3id.org/tiers-lieux/ontology> a owl:Ontology ; rdfs:label "Ontologie"@fr, "Ontology"@en .
        tl:ThirdPlace a owl:Class ; rdfs:label "tiers-lieu"@fr, "third place"@en ;
            skos:definition "Un lieu <script>alert('definition')</script>"@fr, "A place <script>alert('definition')</script> [x](javascript:alert(1))"@en .
        tl:placeKind a owl:ObjectProperty ; rdfs:label "type de lieu"@fr, "place kind"@en .
        tl:statesValue a owl:ObjectProperty ; rdfs:label "affirme la valeur"@fr, "states value"@en .
        tl:range a owl:ObjectProperty ; rdfs:label "nested"@en ; rdfs:range [ a owl:Class ; owl:intersectionOf (
            skos:Concept [ a owl:Class ; owl:unionOf ( tl:ThirdPlace [ a owl:Restriction ; owl:onProperty skos:inScheme ; owl:hasValue tl:ThirdPlace ] ) ] ) ] .
    """,
    "https://w3id.org/tiers-lieux/graph/vocabularies": """
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://w3id.org/tiers-lieux/vocab/place-kind> a skos:ConceptScheme ; skos:prefLabel "types de lieux"@fr, "place kinds"@en .
        <https://w3id.org/tiers-lieux/vocab/place-kind/fablab> a skos:Concept ; skos:prefLabel "fablab"@fr, "fab lab"@en ;
            skos:inScheme <https://w3id.org/tiers-lieux/vocab/place-kind> .
        <https://w3id.org/tiers-lieux/vocab/manifesto/libre> a skos:Concept ; skos:prefLabel "valeur libre"@fr, "free value"@en .
    """,
    "https://w3id.org/tiers-lieux/graph/curated/fixture": """
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        @prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
        @prefix wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://w3id.org/tiers-lieux/id/place/atelier-d-essai> a tl:ThirdPlace ;
            rdfs:label "Atelier d'essai"@fr, "Test workshop <b>bold</b>"@en ;
            dct:description "Un atelier <script>alert('description')</script>"@fr ;
            tl:placeKind <https://w3id.org/tiers-lieux/vocab/place-kind/fablab> ;
            tl:statesValue <https://w3id.org/tiers-lieux/vocab/manifesto/libre> ;
            tl:address <https://w3id.org/tiers-lieux/id/address/atelier-d-essai> ;
            tl:partOfNetwork <https://w3id.org/tiers-lieux/id/community/reseau-essai> ;
            tl:website <https://atelier.example/>, <javascript:alert('website')> ;
            tl:wikidataItem <http://www.wikidata.org/entity/Q42> ;
            tl:foundingDate "2012"^^xsd:gYear ;
            wgs84:lat "50.5"^^xsd:decimal ; wgs84:long "3.25"^^xsd:decimal ;
            dct:source <https://w3id.org/tiers-lieux/id/source/seed-000> .
        <https://w3id.org/tiers-lieux/id/address/atelier-d-essai> a tl:Address ; tl:streetAddress "8 rue Molière" ; tl:postalCode "59000" .
        <https://w3id.org/tiers-lieux/id/community/reseau-essai> a tl:Network ; rdfs:label "Réseau d'essai"@fr .
        <https://w3id.org/tiers-lieux/id/source/seed-000> rdfs:label "Document source"@fr .
        <https://w3id.org/tiers-lieux/id/event/fete-essai> a tl:Event ; rdfs:label "Fête d'essai"@fr ; tl:location <https://w3id.org/tiers-lieux/id/place/atelier-d-essai> .
        <https://w3id.org/tiers-lieux/id/community/collectif-essai> a tl:Collective ; rdfs:label "Collectif d'essai"@fr ; tl:operates <https://w3id.org/tiers-lieux/id/place/atelier-d-essai> ;
            tl:hasMembership <https://w3id.org/tiers-lieux/id/membership/collectif-essai-alice> .
        <https://w3id.org/tiers-lieux/id/membership/collectif-essai-alice> a tl:Membership ; tl:agent <https://w3id.org/tiers-lieux/id/person/alice> ; tl:role <https://w3id.org/tiers-lieux/vocab/role/fondateur> .
        <https://w3id.org/tiers-lieux/id/person/alice> a tl:Person ; rdfs:label "Alice <i>Essai</i>"@fr .
    """,
}


@pytest.fixture(scope="module")
def fixture_store() -> EmbeddedStore:
    """An in-memory store with the fixture graphs (a fully described place, HTML in its text)."""
    store = ox.Store()
    for graph, turtle in FIXTURE_GRAPHS.items():
        store.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    return EmbeddedStore(store, identity="fixture-store-v1")


@pytest.fixture
def fixture_client(fixture_store, tmp_path):
    """A test client over the fixture store (no built release; caches in a temporary folder)."""
    app = create_app({"TESTING": True, "STORE": fixture_store, "BUILD_DIR": tmp_path / "no-build", "CACHE_DIR": tmp_path / "cache"})
    return app.test_client()


class Links(HTMLParser):
    """Collects the src and href attributes of a page, and its text."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name) is not None:
                self.urls.append((tag, name, attributes[name]))
        if tag == "script":
            self.scripts.append(attributes)


def links_of(html: str) -> Links:
    """Parse ``html`` and return its links."""
    parser = Links()
    parser.feed(html)
    return parser


def parse_rdf(response, rdf_format: str) -> Graph:
    """Parse a response body with rdflib (fails on invalid RDF)."""
    return Graph().parse(data=response.get_data(as_text=True), format=rdf_format)


# --- the query page ---------------------------------------------------------------------------


def test_query_page_loads_every_asset_from_the_service(client):
    response = client.get("/query")
    assert response.status_code == 200
    page = links_of(response.get_data(as_text=True))
    assets = [(tag, url) for tag, name, url in page.urls if tag in ("script", "link", "img")]
    assert ("script", "/static/vendor/yasgui/yasgui.min.js") in assets
    assert ("link", "/static/vendor/yasgui/yasgui.min.css") in assets
    for tag, name, url in page.urls:
        assert url.startswith("/") and not url.startswith("//"), f"<{tag} {name}={url!r}> is not a path on the service"
    for tag, url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, f"{url} is not served"
        assert len(asset.data) > 0


#: An element that loads something (not a plain hyperlink) from another host.
ASSET_FROM_ELSEWHERE = re.compile(r"""<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)\s*=\s*["'](?:https?:)?//""")


def test_no_template_or_script_names_another_host():
    templates = STATIC.parent / "templates"
    for path in [*templates.glob("*.html"), *(STATIC / "js").glob("*.js")]:
        for match in re.finditer(ASSET_FROM_ELSEWHERE, path.read_text(encoding="utf-8")):
            pytest.fail(f"{path.name}: an asset is loaded from another host: {match.group(0)}")


def test_vendored_files_match_their_recorded_checksums():
    readme = (STATIC / "vendor" / "README.md").read_text(encoding="utf-8")
    recorded = re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.MULTILINE)
    assert len(recorded) == 4
    for digest, name in recorded:
        assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == digest, f"{name} differs from the vendored release"


def page_config(response) -> dict:
    """The JSON configuration block the query page hands to its script."""
    html = response.get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="query-page-config">(.*?)</script>', html, flags=re.DOTALL)
    assert match, "the query page has no configuration block"
    return json.loads(match.group(1))


def test_query_page_lists_the_named_queries_present_at_request_time(built, tmp_path):
    folder = tmp_path / "queries"
    folder.mkdir()
    client = create_app({"TESTING": True, "BUILD_DIR": built.root, "QUERIES_DIR": folder}).test_client()

    empty = client.get("/query")
    assert page_config(empty)["namedQueries"] == []
    assert "No named query is installed yet" in empty.get_data(as_text=True)

    (folder / "places-in-lille.rq").write_text(
        "# title: Places in <Lille>\n# description: Every place of the commune.\n"
        "# param: commune iri = https://w3id.org/tiers-lieux/id/commune/59350 -- the commune\n"
        "SELECT ?place WHERE { ?place <https://w3id.org/tiers-lieux/ontology#locality> ?commune }\n",
        encoding="utf-8",
    )
    (folder / "broken.rq").write_text("# title: Broken\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    listed = client.get("/query")
    config = page_config(listed)
    assert [q["name"] for q in config["namedQueries"]] == ["places-in-lille"]
    assert config["namedQueries"][0]["text"].startswith("# title: Places in <Lille>")
    assert "VALUES (?commune) { (<https://w3id.org/tiers-lieux/id/commune/59350>) }" in config["namedQueries"][0]["text"]
    assert config["namedQueries"][0]["parameters"][0]["name"] == "commune"
    assert config["endpoint"] == "/sparql"
    html = listed.get_data(as_text=True)
    assert "Places in &lt;Lille&gt;" in html and "Places in <Lille>" not in html.split('id="query-page-config"')[0]
    assert "broken.rq could not be read" in html and "no &#39;# description:&#39; line" in html


def test_query_page_queries_answer_what_their_route_answers_by_default(client):
    """Run as shown on the page, a named query gives the same rows as /queries/{name} with its defaults."""
    for query in page_config(client.get("/query"))["namedQueries"]:
        if not query["parameters"]:
            continue
        on_page = client.post("/sparql", data={"query": query["text"]}, headers={"Accept": "application/sparql-results+json"})
        by_route = client.get(f"/queries/{query['name']}", headers={"Accept": "application/sparql-results+json"})
        assert on_page.status_code == by_route.status_code == 200, query["name"]
        rows = lambda r: sorted(json.dumps(b, sort_keys=True) for b in r.get_json()["results"]["bindings"])  # noqa: E731
        assert rows(on_page) == rows(by_route), query["name"]


def test_query_page_lists_the_repository_queries(client):
    from tierslieux.paths import QUERIES_DIR

    names = sorted(p.stem for p in QUERIES_DIR.glob("*.rq"))
    assert [q["name"] for q in page_config(client.get("/query"))["namedQueries"]] == names


# --- content negotiation on the repository's data -----------------------------------------------


@pytest.mark.parametrize(
    ("headers", "url", "media_type", "rdf_format"),
    [
        ({"Accept": "text/turtle"}, "/id/place/la-coroutine", "text/turtle", "turtle"),
        ({"Accept": "application/ld+json"}, "/id/place/la-coroutine", "application/ld+json", "json-ld"),
        ({"Accept": "application/n-triples"}, "/id/place/la-coroutine", "application/n-triples", "nt"),
        ({"Accept": "application/rdf+xml"}, "/id/place/la-coroutine", "application/rdf+xml", "xml"),
        ({}, "/id/place/la-coroutine.ttl", "text/turtle", "turtle"),
        ({}, "/id/place/la-coroutine.jsonld", "application/ld+json", "json-ld"),
        ({}, "/id/place/la-coroutine.nt", "application/n-triples", "nt"),
        ({"Accept": "text/html"}, "/id/place/la-coroutine.ttl", "text/turtle", "turtle"),
        ({"Accept": "text/html"}, "/id/place/la-coroutine?format=json-ld", "application/ld+json", "json-ld"),
        ({"Accept": "text/turtle;q=0.5, application/ld+json"}, "/id/place/la-coroutine", "application/ld+json", "json-ld"),
    ],
)
def test_machine_representations(client, headers, url, media_type, rdf_format):
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    graph = parse_rdf(response, rdf_format)
    assert (LA_COROUTINE, RDFS.label, Literal("La Coroutine", lang="fr")) in graph
    assert (LA_COROUTINE, RDF.type, TL.ThirdPlace) in graph


def test_generic_iri_answers_200_with_content_location_and_vary(client):
    response = client.get("/id/place/la-coroutine", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Location"] == "/id/place/la-coroutine.ttl"
    assert "Accept" in response.headers["Vary"]
    assert '</id/place/la-coroutine.jsonld>; rel="alternate"; type="application/ld+json"' in response.headers["Link"]


@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}])
def test_browsers_and_clients_without_preference_get_html(client, headers):
    response = client.get("/id/place/la-coroutine", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/html"


def test_unproducible_type_is_406(client):
    response = client.get("/id/place/la-coroutine", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "image/png" in response.get_data(as_text=True)


def test_unknown_format_parameter_is_404_naming_the_formats(client):
    response = client.get("/id/place/la-coroutine?format=pdf")
    assert response.status_code == 404
    assert "unknown format &#39;pdf&#39;; use one of: html, ttl, jsonld, nt, rdf" in response.get_data(as_text=True)


def test_conditional_get_on_a_resource(client):
    first = client.get("/id/place/la-coroutine.ttl")
    assert first.headers["ETag"]
    again = client.get("/id/place/la-coroutine.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_machine_description_carries_labels_of_linked_resources(client):
    graph = parse_rdf(client.get("/id/place/la-coroutine.ttl"), "turtle")
    linked = {o for o in graph.objects(LA_COROUTINE, None) if isinstance(o, URIRef) and str(o).startswith("https://w3id.org/tiers-lieux/")}
    kinds = set(graph.objects(LA_COROUTINE, TL.placeKind))
    assert kinds, "la-coroutine has no place kind in the description"
    for kind in kinds:
        assert any(graph.objects(kind, SKOS.prefLabel)), f"no label for the linked concept {kind}"
    unlabelled = [o for o in linked if not any(graph.objects(o, RDFS.label)) and not any(graph.objects(o, SKOS.prefLabel))]
    store_labels = client.get(
        "/sparql",
        query_string={"query": "SELECT ?r WHERE { VALUES ?r { " + " ".join(f"<{o}>" for o in unlabelled)
                      + " } ?r <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"
                      if unlabelled else "ASK {}"},
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()
    assert not store_labels.get("results", {}).get("bindings"), f"labels left out for {store_labels}"


def test_place_page_shows_labels_kinds_sources_and_raw_data_links(client):
    html = client.get("/id/place/la-coroutine", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<h1 id="resource-label" lang="fr">La Coroutine</h1>' in html
    assert 'href="/vocab/place-kind/coworking"' in html
    assert 'href="/id/source/seed-000"' in html
    for extension in ("ttl", "jsonld", "nt", "rdf"):
        assert f'href="/id/place/la-coroutine.{extension}"' in html
    assert 'id="incoming"' in html  # La Coroutine is linked from publications and communities


def test_unknown_resource_gets_a_helpful_404(client):
    response = client.get("/id/place/la-corout", headers={"Accept": "text/html"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "The graph has nothing about &lt;https://w3id.org/tiers-lieux/id/place/la-corout&gt;" in html
    assert 'href="/id/place/la-coroutine"' in html  # suggested
    machine = client.get("/id/place/la-corout.ttl")
    assert machine.status_code == 404 and machine.mimetype == "text/plain"


def test_vocabularies_schemes_and_concepts_resolve(client):
    index = client.get("/vocab/").get_data(as_text=True)
    assert 'href="/vocab/place-kind"' in index
    scheme = client.get("/vocab/place-kind", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/vocab/place-kind/coworking"' in scheme  # a concept, listed as an incoming skos:inScheme
    concept = client.get("/vocab/place-kind/coworking.ttl")
    assert concept.status_code == 200
    graph = parse_rdf(concept, "turtle")
    assert (URIRef("https://w3id.org/tiers-lieux/vocab/place-kind/coworking"), SKOS.inScheme, URIRef("https://w3id.org/tiers-lieux/vocab/place-kind")) in graph


@pytest.mark.slow  # pyLODE renders the whole ontology (3 s)
def test_ontology_documentation_is_generated_by_pylode(client):
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "pyLODE" in html
    assert 'id="ThirdPlace"' in html and 'id="placeKind"' in html  # /ontology#ThirdPlace lands on the term
    assert "<h1>Tiers-lieux ontology</h1>" in html
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    french = client.get("/ontology?lang=fr").get_data(as_text=True)
    assert "<h1>Ontologie des tiers-lieux</h1>" in french


def test_ontology_for_machines_is_the_whole_ontology_graph(client):
    graph = parse_rdf(client.get("/ontology", headers={"Accept": "text/turtle"}), "turtle")
    assert (TL.ThirdPlace, RDF.type, OWL.Class) in graph
    assert (URIRef("https://w3id.org/tiers-lieux/ontology"), RDF.type, OWL.Ontology) in graph


def test_ontology_module_iri_resolves(client):
    response = client.get("/ontology/places", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'href="/ontology#ThirdPlace"' in response.get_data(as_text=True)


def test_named_graph_page_and_triples(client):
    html = client.get("/graph/curated/seed-000", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "https://w3id.org/tiers-lieux/graph/curated/seed-000" in html and "tl:ThirdPlace" in html
    graph = parse_rdf(client.get("/graph/curated/seed-000.nt"), "nt")
    assert (LA_COROUTINE, RDF.type, TL.ThirdPlace) in graph
    assert client.get("/graph/curated/nothing-here.ttl").status_code == 404


# --- every part of a page, and escaping, on the fixture store --------------------------------------


def test_fixture_place_page_shows_every_part(fixture_client):
    html = fixture_client.get("/id/place/atelier-d-essai").get_data(as_text=True)
    assert '<h1 id="resource-label" lang="fr">Atelier d&#39;essai</h1>' in html
    assert "English: Test workshop &lt;b&gt;bold&lt;/b&gt;" in html
    assert '<a href="/ontology#ThirdPlace" title="https://w3id.org/tiers-lieux/ontology#ThirdPlace">tiers-lieu</a>' in html
    assert ">fablab</a> <span class=\"muted\" lang=\"en\">(fab lab)</span>" in html  # kind, in French and English
    assert ">valeur libre</a>" in html  # a value
    assert ">Réseau d&#39;essai</a>" in html  # a network
    assert "8 rue Molière" in html and "59000" in html  # the owned address, nested
    address = html.split('<div class="card" id="address">')[1].split("</address>")[0]
    assert address.index("8 rue Molière") < address.index("<br>") < address.index("59000")  # and as a postal address
    assert 'data-lat="50.5" data-long="3.25"' in html and 'id="map"' in html
    assert 'href="http://www.wikidata.org/entity/Q42"' in html
    assert 'href="https://atelier.example/"' in html
    assert ">Document source</a>" in html  # a source
    assert ">Fête d&#39;essai</a>" in html and ">Collectif d&#39;essai</a>" in html  # incoming: an event, an operator
    assert "/static/vendor/leaflet/leaflet.js" in html


def test_fixture_membership_is_nested_with_agent_and_role(fixture_client):
    html = fixture_client.get("/id/community/collectif-essai").get_data(as_text=True)
    assert 'href="/id/person/alice"' in html and "Alice &lt;i&gt;Essai&lt;/i&gt;" in html
    assert 'href="/vocab/role/fondateur"' in html


def test_text_from_the_data_is_escaped(fixture_client):
    response = fixture_client.get("/id/place/atelier-d-essai")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;description&#39;)&lt;/script&gt;" in html
    assert "javascript:" not in [url for _, _, url in links_of(html).urls]
    assert not any(url.startswith("javascript:") for _, _, url in links_of(html).urls), "a javascript: IRI became a link"
    scripts = [s.get("src") for s in links_of(html).scripts]
    assert all(src and src.startswith("/static/") for src in scripts), scripts
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_ontology_documentation_escapes_text_and_flattens_nested_class_expressions(fixture_client):
    response = fixture_client.get("/ontology?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "A place &lt;script&gt;" in html or "A place &amp;lt;script&amp;gt;" in html
    assert "(tl:ThirdPlace or (skos:inScheme value tl:ThirdPlace))" in html
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]


def test_ontology_documentation_is_generated_once_per_store(fixture_store, tmp_path, monkeypatch):
    calls = []
    real = ontology_docs.generate_html

    def counting(graph, language):
        calls.append(language)
        return real(graph, language)

    monkeypatch.setattr(ontology_docs, "generate_html", counting)
    config = {"TESTING": True, "STORE": EmbeddedStore(fixture_store._store, identity="fixture-once"), "BUILD_DIR": tmp_path, "CACHE_DIR": tmp_path / "cache"}
    first_app = create_app(config).test_client()
    for _ in range(3):
        assert first_app.get("/ontology?lang=en").status_code == 200
    assert calls == ["en"]
    # A new process (a new app) over the same store reads the cached file instead of running pyLODE again.
    assert create_app(config).test_client().get("/ontology?lang=en").status_code == 200
    assert calls == ["en"]
    assert len(list((tmp_path / "cache").glob("*/ontology.en.html"))) == 1


def test_unknown_path_for_a_browser_gets_the_helpful_page(fixture_client):
    response = fixture_client.get("/nothing/here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Find it another way" in response.get_data(as_text=True)


def test_nothing_built_is_503_with_the_reason(tmp_path):
    client = create_app({"TESTING": True, "BUILD_DIR": tmp_path / "empty"}).test_client()
    response = client.get("/id/place/la-coroutine")
    assert response.status_code == 503
    assert "run `tierslieux build` first" in response.get_data(as_text=True)
    assert client.get("/query").status_code == 200  # the query page itself needs no store


def test_page_past_the_time_limit_is_503(make_client):
    response = make_client(QUERY_TIMEOUT_SECONDS=1e-9).get("/id/place/la-coroutine")
    assert response.status_code == 503
    assert response.get_data(as_text=True).startswith("Reading this resource ran longer than 1e-09 s, the limit of this service")
    assert response.headers["Retry-After"] == "60"


def test_shapes_resolve_for_people_and_machines(client):
    html = client.get("/shapes", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<section id="ThirdPlaceShape" class="card">' in html  # /shapes#ThirdPlaceShape lands on the shape
    assert "sh:targetClass tl:ThirdPlace" in html
    graph = parse_rdf(client.get("/shapes", headers={"Accept": "text/turtle"}), "turtle")
    shape = URIRef("https://w3id.org/tiers-lieux/shapes#ThirdPlaceShape")
    assert (shape, RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")) in graph
    assert client.get("/shapes.nt").mimetype == "application/n-triples"


def test_turtle_of_a_place_names_each_kind_of_resource_with_a_prefix_and_escapes_nothing(client):
    """Regression: an address came out as ``tlid:address\\/la-coroutine`` (a prefix per kind of resource now)."""
    response = client.get("/id/place/la-coroutine.ttl")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "\\/" not in text
    assert "@prefix address: <https://w3id.org/tiers-lieux/id/address/> ." in text and "address:la-coroutine" in text
    parsed = Graph().parse(data=text, format="turtle")
    assert (URIRef("https://w3id.org/tiers-lieux/id/place/la-coroutine"), TL.address, URIRef("https://w3id.org/tiers-lieux/id/address/la-coroutine")) in parsed
