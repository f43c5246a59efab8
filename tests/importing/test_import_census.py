"""The 2019 census imported for real: counts measured on the file, merges, networks, identifiers,
provenance, personal data, determinism and the unification with the curated graph (issue 3)."""

from __future__ import annotations

import re

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS

from tierslieux.importing.issues import WARNING
from tierslieux.importing.likely_duplicates import report_csv as duplicates_csv
from tierslieux.importing.pipeline import run_import
from tierslieux.namespaces import GEO, PLACE_KIND, PROV, TL, WGS84, resource_iri
from tierslieux.paths import DATA_DIR, MAPPINGS_DIR, turtle_files
from tierslieux.rdfio import canonical_turtle, has_blank_nodes, parse_file

from ..conftest import REPO_ROOT, SHARED

pytestmark = pytest.mark.slow  # the real census imported (7 s once, up to 16 s a test)

CENSUS = SHARED / "datasets" / "cget-tiers-lieux-2019"
MAPPING = MAPPINGS_DIR / "cget-2019.yarrrml.yml"
COMMITTED = REPO_ROOT / "data" / "census" / "cget-2019.ttl"
DATASET = URIRef("https://w3id.org/tiers-lieux/id/dataset/cget-tiers-lieux-2019")
PLACE = "https://w3id.org/tiers-lieux/id/place/"


@pytest.fixture(scope="module")
def census():
    """The census CSV imported against the repository's curated data (nothing written)."""
    return run_import(MAPPING, CENSUS / "CGET_TiersLieux_2019.csv", data_dir=DATA_DIR)


def places(graph):
    return set(graph.subjects(RDF.type, TL.ThirdPlace))


def test_counts_add_up_and_match_the_measured_file(census):
    # 1,512 rows; none rejected (every row has a name and numeric coordinates); 13 rows merged:
    # 6 by the rule (same name key, same commune, <= 100 m) and 7 by the reviewed table.
    assert (census.read, census.imported, census.merged, census.rejected) == (1512, 1499, 13, 0)
    assert census.read == census.imported + census.merged + census.rejected
    assert len(places(census.graph)) == 1499


def test_kinds_from_the_typology(census):
    graph = census.graph
    by_kind = {kind: len(set(graph.subjects(TL.placeKind, getattr(PLACE_KIND, kind))))
               for kind in ("coworking", "fablab", "tiers-lieu")}
    # 1,118 coworking and 345 fab lab rows, less the merged ones; 49 blank typologies -> tiers-lieu
    # (six of them merged into a coworking place, which then bears both kinds).
    assert by_kind == {"coworking": 1111, "fablab": 345, "tiers-lieu": 49}
    assert len(set(graph.subjects(RDF.type, TL.CoworkingSpace))) == 1111
    assert len(set(graph.subjects(RDF.type, TL.FabLab))) == 345
    blank = [i for i in census.log.of(WARNING) if i.fields == "TYPO" and "blank typology" in i.message]
    assert len(blank) == 49


def test_regions_departments_communes(census):
    graph = census.graph
    # 17 of the 18 regions (no place in Mayotte), 99 departments, 621 communes.
    assert len(set(graph.subjects(RDF.type, TL.Region))) == 17
    assert len(set(graph.subjects(RDF.type, TL.Department))) == 99
    assert len(set(graph.subjects(RDF.type, TL.Commune))) == 621
    lille = resource_iri("commune", "59350")
    assert graph.value(lille, TL.inseeCode) == Literal("59350")
    assert (lille, SKOS.exactMatch, URIRef("http://id.insee.fr/geo/commune/59350")) in graph
    assert (lille, RDFS.label, Literal("Lille", lang="fr")) in graph
    assert graph.value(lille, TL.department) == resource_iri("department", "59")
    assert graph.value(resource_iri("department", "59"), TL.region) == resource_iri("region", "32")


def test_curated_and_census_communes_are_one_resource_with_one_name(census):
    """A French commune is …/id/commune/{INSEE} in both sources: no twin link, one label per language."""
    curated = Graph()
    for path in turtle_files(DATA_DIR / "curated"):
        parse_file(path, curated)
    shared = set(curated.subjects(RDF.type, TL.Commune))
    assert shared == {resource_iri("commune", code) for code in
                      ("59350", "75056", "42218", "69123", "21231", "93048", "86194", "29019")}
    assert shared <= set(census.graph.subjects(RDF.type, TL.Commune))
    # the census names a commune by its INSEE name (NOMCOM); the curated label is that same name
    differing = [(str(c), sorted(curated.objects(c, RDFS.label)), sorted(census.graph.objects(c, RDFS.label)))
                 for c in sorted(shared) if set(curated.objects(c, RDFS.label)) != set(census.graph.objects(c, RDFS.label))]
    assert differing == []
    la_coroutine = URIRef(PLACE + "la-coroutine")
    assert curated.value(la_coroutine, TL.locality) == census.graph.value(la_coroutine, TL.locality) \
        == resource_iri("commune", "59350")
    twins = [(str(s), str(o)) for s, o in census.graph.subject_objects(SKOS.exactMatch)
             if str(o).startswith(str(resource_iri("locality", "")))]
    assert twins == []


def test_paris_arrondissements_become_the_commune(census):
    graph = census.graph
    assert graph.value(URIRef(PLACE + "la-ruche"), TL.locality) == resource_iri("commune", "75056")
    assert not any(str(c).startswith(str(resource_iri("commune", "751"))) for c in graph.subjects(RDF.type, TL.Commune))


def test_overseas_places_without_a_trustworthy_commune_keep_their_department(census):
    graph = census.graph
    reunion = URIRef(PLACE + "fablab-reunion")
    assert graph.value(reunion, TL.locality) is None  # INSEECOM 0, spatial join says Bonifacio: refused
    assert graph.value(reunion, TL.department) == resource_iri("department", "974")
    assert graph.value(resource_iri("department", "974"), TL.region) == resource_iri("region", "04")
    refused = [i for i in census.log.issues if i.record == "1291" and "no usable INSEE commune code" in i.message]
    assert refused and "2A041" in refused[0].message


def test_the_merges_and_their_reasons(census):
    merged = {(m.other.record, m.primary.record): m.reason for m in census.merges}
    assert set(merged) == {("1508", "295"), ("1505", "355"), ("1009", "439"), ("557", "488"), ("1499", "540"),
                           ("1070", "611"), ("1098", "720"), ("1075", "751"), ("1471", "787"), ("1074", "836"),
                           ("1045", "879"), ("1509", "915"), ("1498", "1085")}
    assert merged[("1009", "439")] == "same name key 'cordee', same commune (Morez), 17 m apart"
    assert merged[("1070", "611")].startswith("reviewed table: La Cantine Aubuisson")
    # the merged record's identifier and name stay on the place
    morez = URIRef(PLACE + "la-cordee-a-morez")
    assert {str(i) for i in census.graph.objects(morez, DCTERMS.identifier)} == {"cget-2019:439", "cget-2019:1009"}
    assert (morez, SKOS.altLabel, Literal("La Cordée", lang="fr")) in census.graph


def test_same_name_elsewhere_is_not_merged(census):
    # Anticafé: three Paris sites kilometres apart stay three places, each qualified by its postcode
    for slug in ("anticafe-paris-75010", "anticafe-paris-75003", "anticafe-paris-75001"):
        assert (URIRef(PLACE + slug), RDF.type, TL.ThirdPlace) in census.graph


def test_chains_are_networks(census):
    graph = census.graph
    cordee = resource_iri("community", "la-cordee")
    assert (cordee, RDF.type, TL.Network) in graph
    members = {str(s).removeprefix(PLACE) for s in graph.subjects(TL.partOfNetwork, cordee)}
    assert len(members) == 12
    assert {"la-cordee", "la-cordee-lyon", "la-cordee-annecy", "la-cordee-paris", "la-cordee-a-morez"} <= members
    mutinerie = {str(s).removeprefix(PLACE) for s in graph.subjects(TL.partOfNetwork, resource_iri("community", "mutinerie"))}
    assert mutinerie == {"mutinerie", "mutinerie-14", "mutinerie-village"}
    # "Coworking …" places sharing no more than a generic word are no network
    assert (resource_iri("community", "coworking"), None, None) not in graph
    assert len(census.networks) == 41


def test_identifiers_are_slugs_qualified_by_commune_not_row_numbers(census):
    iris = {str(p) for p in places(census.graph)}
    assert PLACE + "la-cordee-annecy" in iris and PLACE + "la-ruche-bordeaux" in iris
    assert PLACE + "la-cantine-toulon" in iris  # "la-cantine" is the curated Paris place
    bare_numbers = [i for i in iris if re.fullmatch(r"\d+", i.removeprefix(PLACE))]
    assert bare_numbers == []


def test_place_description(census):
    graph = census.graph
    place = URIRef(PLACE + "la-coroutine")
    assert graph.value(place, TL.website) == URIRef("http://www.lacoroutine.org")
    assert graph.value(place, WGS84.lat) == Literal("50.619923", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))
    geometry = graph.value(place, GEO.hasGeometry)
    assert geometry == resource_iri("geometry", "la-coroutine")
    assert str(graph.value(geometry, GEO.asWKT)) == "POINT(3.049036 50.619923)"
    address = graph.value(place, TL.address)
    assert (str(graph.value(address, TL.streetAddress)), str(graph.value(address, TL.postalCode))) == ("8 Rue Molière", "59000")
    assert graph.value(place, TL.inMetropolis).toPython() is True
    assert graph.value(place, TL.metropolis) == resource_iri("metropolis", "metropole-europeenne-de-lille")
    assert str(graph.value(place, TL.geocodingPrecision)) == "0.55"


def test_social_accounts(census):
    graph = census.graph
    account = resource_iri("account", "le-phare-centre-twitter")
    assert (URIRef(PLACE + "le-phare-centre"), TL.socialAccount, account) in graph
    assert graph.value(account, RDF.type) == FOAF.OnlineAccount
    assert graph.value(account, FOAF.accountName) == Literal("LePhareLimoges")


def test_websites_get_a_scheme_and_non_urls_are_refused(census):
    fixed = [i for i in census.log.of(WARNING) if i.fields == "WEB" and "scheme added" in i.message]
    refused = [i for i in census.log.of(WARNING) if i.fields == "WEB" and "left out" in i.message]
    assert len(fixed) == 216
    assert {i.record for i in refused} >= {"12", "313", "1414"}  # glued path, an e-mail, a person's name


def test_precision_warnings(census):
    low = [i for i in census.log.of(WARNING) if "below 0.5" in i.message]
    out_of_range = [i for i in census.log.of(WARNING) if "outside [0, 1]" in i.message]
    assert (len(low), len(out_of_range)) == (56, 81)


def test_provenance(census):
    graph = census.graph
    for kind in ("http://www.w3.org/ns/dcat#Dataset", "http://rdfs.org/ns/void#Dataset"):
        assert (DATASET, RDF.type, URIRef(kind)) in graph
    assert graph.value(DATASET, DCTERMS.issued) == Literal("2019", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
    assert graph.value(DATASET, DCTERMS.license) == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    assert graph.value(DATASET, DCTERMS.source) == URIRef("https://github.com/anct-carto/mission_coworking")
    assert str(graph.value(DATASET, DCTERMS.bibliographicCitation)) == \
        "CGET — Mission Coworking, base des tiers-lieux, 2019 (Licence Ouverte 2.0)"
    for place in places(graph):
        assert (place, PROV.wasDerivedFrom, DATASET) in graph
        assert (place, DCTERMS.source, DATASET) in graph
        assert any(str(i).startswith("cget-2019:") for i in graph.objects(place, DCTERMS.identifier))


def test_no_personal_data_in_the_output():
    text = COMMITTED.read_text(encoding="utf-8")
    assert not re.search(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", text)
    assert "PATTE-AUBOURG" not in text and "nomade.lyon" not in text  # WEB of rows 1414 and 313


def test_committed_census_is_this_import_byte_for_byte(census):
    assert canonical_turtle(census.graph) == COMMITTED.read_text(encoding="utf-8")


def test_geojson_gives_the_same_graph(census):
    """The GeoJSON export gives the CSV's graph, which test_committed_census_is_this_import_byte_for_byte holds to the
    committed file; the census has no blank node, so comparing the triples as sets is exact (and far cheaper than
    writing both as canonical Turtle)."""
    result = run_import(MAPPING, CENSUS / "CGET_TiersLieux_2019.geojson", data_dir=DATA_DIR)
    assert not has_blank_nodes(census.graph)
    assert len(result.graph) == len(census.graph) > 40_000
    assert set(result.graph) == set(census.graph)


def test_curated_matches_report():
    lines = (REPO_ROOT / "data" / "census" / "curated-matches.csv").read_text(encoding="utf-8").splitlines()
    rows = {line.split(",")[0].removeprefix(PLACE): line for line in lines[1:]}
    assert set(rows) == {str(p).removeprefix(PLACE) for p in _curated_places()}
    assert ",matched (rule),491," in rows["la-coroutine"]
    assert ",matched (reviewed override),490," in rows["la-cordee"]
    assert "not matched (no candidate)" in rows["la-cantine"]  # closed before 2019, not in the census
    assert "not matched (no candidate)" in rows["jokkolabs"]  # Dakar: never matched to a French place



def test_committed_likely_duplicates_report_is_this_imports(census):
    """The census's places with a curated namesake kept apart: Arrêt Minute (the curated place has no commune,
    the census has two, in Coutras and Libourne) and Jokkolabs (Dakar, a locality abroad, and Nanterre)."""
    committed = (REPO_ROOT / "data" / "census" / "curated-likely-duplicates.csv").read_text(encoding="utf-8")
    assert duplicates_csv(census.duplicates) == committed
    assert [(d.first.place.node.removeprefix(PLACE), d.second.place.node.removeprefix(PLACE), d.reason)
            for d in census.duplicates] == [
        ("arret-minute-coutras", "arret-minute", "no commune on one side"),
        ("arret-minute-libourne", "arret-minute", "no commune on one side"),
        ("jokkolabs-nanterre", "jokkolabs", "no commune on one side"),
    ]


def _curated_places():
    store = pyoxigraph.Store()
    for path in turtle_files(REPO_ROOT / "data" / "curated"):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    query = "SELECT DISTINCT ?p WHERE { ?p a <https://w3id.org/tiers-lieux/ontology#ThirdPlace> }"
    return {row["p"].value for row in store.query(query)}


def test_la_coroutine_history_from_curated_and_position_from_census():
    """One SPARQL query over both named graphs returns the curated history and the census address."""
    store = pyoxigraph.Store()
    for path in turtle_files(REPO_ROOT / "data" / "curated"):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE,
                   to_graph=pyoxigraph.NamedNode(f"https://w3id.org/tiers-lieux/graph/curated/{path.stem}"))
    store.load(path=str(COMMITTED), format=pyoxigraph.RdfFormat.TURTLE,
               to_graph=pyoxigraph.NamedNode("https://w3id.org/tiers-lieux/graph/census/cget-2019"))
    query = """
        PREFIX tl: <https://w3id.org/tiers-lieux/ontology#>
        PREFIX wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#>
        SELECT ?founded ?gov ?street ?lat ?long ?curated ?census WHERE {
          GRAPH ?curated { <https://w3id.org/tiers-lieux/id/place/la-coroutine> tl:foundingDate ?founded }
          GRAPH ?values { <https://w3id.org/tiers-lieux/id/place/la-coroutine> tl:governance ?gov }
          GRAPH ?census { <https://w3id.org/tiers-lieux/id/place/la-coroutine> tl:address ?a ;
                                                                                wgs84:lat ?lat ; wgs84:long ?long .
                          ?a tl:streetAddress ?street }
        }"""
    rows = list(store.query(query))
    assert rows, "La Coroutine has no curated history joined to census coordinates"
    assert {row["founded"].value for row in rows} == {"2010"}
    assert {row["gov"].value.rsplit("/", 1)[-1] for row in rows} == {"horizontale", "autogeree"}
    assert {row["street"].value for row in rows} == {"8 Rue Molière"}
    assert {(row["lat"].value, row["long"].value) for row in rows} == {("50.619923", "3.049036")}
    assert {row["census"].value for row in rows} == {"https://w3id.org/tiers-lieux/graph/census/cget-2019"}
    assert all(row["curated"].value.startswith("https://w3id.org/tiers-lieux/graph/curated/") for row in rows)
