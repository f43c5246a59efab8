"""Other networks' exports by declarative mappings: LaMednum's standard of places of digital
mediation (CSV) and SpaceAPI (JSON), run by the importer's mapping engine on fixtures written from their documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS

from tierslieux.importing.issues import REJECTED, WARNING, CleaningIssue, ImportFailure
from tierslieux.importing.mapping import load_mapping
from tierslieux.importing.matching import MATCHED_RULE
from tierslieux.importing.pipeline import run_import
from tierslieux.namespaces import GEO, PROV, TL, resource_iri
from tierslieux.paths import DATA_DIR, MAPPINGS_DIR
from tierslieux.rdfio import canonical_turtle

pytestmark = pytest.mark.slow  # each network's fixture imported against every place of data/ (4-5 s each)

FIXTURES = Path(__file__).parent
PLACE = "https://w3id.org/tiers-lieux/id/place/"


@pytest.fixture(scope="module")
def mednum():
    return run_import(MAPPINGS_DIR / "mediation-num.yarrrml.yml", FIXTURES / "mediation-num.csv", data_dir=DATA_DIR)


@pytest.fixture(scope="module")
def spaceapi():
    return run_import(MAPPINGS_DIR / "spaceapi.yarrrml.yml", FIXTURES / "spaceapi.json", data_dir=DATA_DIR)


def kinds(graph, slug):
    return {str(k).rsplit("/", 1)[-1] for k in graph.objects(URIRef(PLACE + slug), TL.placeKind)}


def test_mednum_counts_and_kinds(mednum):
    assert (mednum.read, mednum.imported, mednum.merged, mednum.rejected) == (5, 5, 0, 0)
    graph = mednum.graph
    assert kinds(graph, "espace-public-numerique-de-gueret") == {"espace-public-numerique"}
    assert kinds(graph, "mutualab") == {"espace-public-numerique", "tiers-lieu", "fablab"}
    assert (URIRef(PLACE + "mutualab"), RDF.type, TL.FabLab) in graph  # the ontology's kindClass for fablab
    unknown = [i for i in mednum.log.of(WARNING) if i.record == "mn-0005" and i.fields == "typologie"]
    assert len(unknown) == 1 and "'GARE'" in unknown[0].message


def test_mednum_reuses_the_iris_of_places_already_in_the_graph(mednum):
    matched = {m.existing.node.rsplit("/", 1)[-1]: m for m in mednum.matches if m.status == MATCHED_RULE}
    assert set(matched) == {"la-coroutine", "mutualab"}  # curated place, census-only place
    assert [p.record for p in matched["la-coroutine"].group] == ["mn-0001"]
    coroutine = URIRef(PLACE + "la-coroutine")
    assert (coroutine, DCTERMS.identifier, Literal("mediation-num:mn-0001")) in mednum.graph
    # its own resources do not collide with the census's: they carry the source's name
    assert mednum.graph.value(coroutine, GEO.hasGeometry) == resource_iri("geometry", "la-coroutine-mediation-num")


def test_mednum_commune_and_no_contact_data(mednum):
    graph = mednum.graph
    gueret = resource_iri("commune", "23096")
    assert (gueret, RDFS.label, Literal("Guéret", lang="fr")) in graph
    assert graph.value(resource_iri("department", "23"), TL.region) == resource_iri("region", "75")
    text = canonical_turtle(graph)
    for personal in ("contact@lacoroutine.example", "epn@gueret.example", "+33300000001", "Jean Dupont"):
        assert personal not in text
    removed = [i for i in mednum.log.of(WARNING) if i.record == "mn-0004" and "personal data removed" in i.message]
    assert [i.fields for i in removed] == ["presentation_resume"]


def test_mednum_place_without_coordinates_is_kept_without_geometry(mednum):
    place = URIRef(PLACE + "point-numerique-croix-rousse")
    assert (place, RDF.type, TL.ThirdPlace) in mednum.graph
    assert mednum.graph.value(place, GEO.hasGeometry) is None
    assert [i.fields for i in mednum.log.of(WARNING) if i.record == "mn-0004" and i.message.startswith("no l")] == \
        ["latitude", "longitude"]


def test_spaceapi(spaceapi):
    assert (spaceapi.read, spaceapi.imported, spaceapi.rejected) == (3, 2, 1)
    rejected = [i for i in spaceapi.log.of(REJECTED)]
    assert [(i.row, i.record, i.fields) for i in rejected] == [
        ("record 3", "Hackerspace sans position", "location.lat"), ("record 3", "Hackerspace sans position", "location.lon")]
    graph = spaceapi.graph
    # the Laboratoire Ouvert Lyonnais is the census fab lab 1369, 20 m away: same IRI
    lol = URIRef(PLACE + "laboratoire-ouvert-lyonnais")
    assert (lol, RDF.type, TL.Hackerspace) in graph
    assert (lol, DCTERMS.identifier, Literal("spaceapi:Laboratoire Ouvert Lyonnais")) in graph
    assert (lol, PROV.wasDerivedFrom, URIRef("https://w3id.org/tiers-lieux/id/dataset/spaceapi")) in graph
    # Tetalab's endpoint gives another position than the census (3 km): a new place, its slug qualified
    tetalab = URIRef(PLACE + "tetalab-spaceapi")
    assert kinds(graph, "tetalab-spaceapi") == {"hackerspace"}
    account = graph.value(tetalab, TL.socialAccount)
    assert graph.value(account, FOAF.accountName) == Literal("tetalab")
    text = canonical_turtle(graph)
    assert "contact@tetalab.example" not in text and "Jeanne Exemple" not in text


def test_a_mapping_reading_personal_data_is_refused(tmp_path):
    text = (MAPPINGS_DIR / "cget-2019.yarrrml.yml").read_text(encoding="utf-8")
    bad = tmp_path / "reads-mail.yarrrml.yml"
    bad.write_text(text.replace("- [tlfn:value, $(WEB)]", "- [tlfn:value, $(MAIL)]"), encoding="utf-8")
    with pytest.raises(ImportFailure, match="reads MAIL, listed under never-import"):
        load_mapping(bad)


def test_a_mapping_with_an_unknown_function_is_refused(tmp_path):
    text = (MAPPINGS_DIR / "spaceapi.yarrrml.yml").read_text(encoding="utf-8")
    bad = tmp_path / "typo.yarrrml.yml"
    bad.write_text(text.replace("tlfn:url", "tlfn:uri"), encoding="utf-8")
    with pytest.raises(ImportFailure, match="unknown function 'https://w3id.org/tiers-lieux/fn#uri'"):
        load_mapping(bad)


def test_a_function_missing_a_parameter_it_needs_is_refused_naming_it(tmp_path):
    text = (MAPPINGS_DIR / "mediation-num.yarrrml.yml").read_text(encoding="utf-8")
    bad = tmp_path / "no-table.yarrrml.yml"
    bad.write_text(text.replace("            - [tlfn:table, typology/mediation-num.csv]\n", "", 1), encoding="utf-8")
    with pytest.raises(ImportFailure, match=re.escape(f"{bad}: function kinds needs the parameter(s) tlfn:table")):
        load_mapping(bad)


def test_kinds_split_on_the_separator_a_mapping_names():
    from tierslieux.importing.vocabulary import kinds

    base = "https://w3id.org/tiers-lieux/vocab/place-kind/"
    assert kinds("F-TL", "typology/mednum-bfc.csv", "-") == [base + "espace-du-faire", base + "tiers-lieu"]
    assert kinds("T", "typology/mednum-bfc.csv", "-") == [base + "coworking"]
    with pytest.raises(CleaningIssue, match="unknown value 'F-TL'"):
        kinds("F-TL", "typology/mednum-bfc.csv")  # without the separator, "F-TL" is one unknown code


def test_fablabs_io():
    result = run_import(MAPPINGS_DIR / "fablabs-io.yarrrml.yml", FIXTURES / "fablabs-io.json", data_dir=DATA_DIR)
    assert (result.read, result.imported, result.rejected) == (3, 2, 1)
    assert [(i.record, i.fields) for i in result.log.of(REJECTED)] == [("303", "latitude"), ("303", "longitude")]
    graph = result.graph
    # Artilect is the census fab lab 1156, 6 m away: same IRI, although fablabs.io gives no INSEE code
    artilect = URIRef(PLACE + "artilect-fablab-toulouse")
    assert (artilect, DCTERMS.identifier, Literal("fablabs-io:101")) in graph
    assert (artilect, RDF.type, TL.FabLab) in graph
    # a lab abroad gets no French postcode, hence no department
    berlin = URIRef(PLACE + "fab-lab-berlin")
    address = graph.value(berlin, TL.address)
    assert graph.value(address, TL.postalCode) is None and graph.value(berlin, TL.department) is None
    text = canonical_turtle(graph)
    assert "contact@artilect.example" not in text and "+33 5" not in text


# --- the mapping engine (importing/engine.py) -----------------------------------------------------------------

ENGINE_MAPPING = """\
tierslieux:
  name: engine-test
  record-id: id
  never-import: [email]
  output: networks/engine-test.ttl
prefixes:
  tl: https://w3id.org/tiers-lieux/ontology#
  rdfs: http://www.w3.org/2000/01/rdf-schema#
mappings:
  place:
    sources:
      - [input.csv~csv]
    s: urn:tierslieux:record:$(id)
    po:
      - [a, tl:ThirdPlace]
      - [rdfs:label, $(name), "@fr"]
      - [rdfs:comment, $(note)]
      - [rdfs:seeAlso, https://example.org/places/$(name)~iri]
"""


def engine_mapping(tmp_path: Path, text: str = ENGINE_MAPPING):
    path = tmp_path / "engine-test.yarrrml.yml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def test_the_engine_encodes_values_in_iri_templates(tmp_path):
    from tierslieux.importing.engine import run_mapping
    from tierslieux.importing.sources import Record, Table

    records = [Record("row 2", {"id": "a b/1", "name": "La Cantine / Paris", "note": "x"})]
    graph = run_mapping(engine_mapping(tmp_path), Table(tmp_path / "input.csv", "csv", records, ["id", "name", "note"]), records)
    subject = URIRef("urn:tierslieux:record:a%20b%2F1")
    assert (subject, RDF.type, TL.ThirdPlace) in graph
    assert (subject, RDFS.label, Literal("La Cantine / Paris", lang="fr")) in graph
    assert (subject, RDFS.seeAlso, URIRef("https://example.org/places/La%20Cantine%20%2F%20Paris")) in graph
    assert (subject, RDFS.comment, Literal("x")) in graph


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    s: urn:", "    condition: {function: equal}\n    s: urn:"), "mapping 'place': unsupported YARRRML key(s) condition"),
        (("mappings:", "targets: {}\nmappings:"), "unsupported YARRRML key(s) targets"),
        (("    s: urn:tierslieux:record:$(id)\n", ""), "mapping 'place': needs an IRI template as its subject"),
        (("[rdfs:comment, $(note)]", "{p: rdfs:comment, o: {value: $(note), type: blank}}"), "object type 'blank' is not supported"),
        (("[rdfs:comment, $(note)]", "{p: rdfs:comment, o: {function: tl:nope}}"), "unknown function"),
    ],
)
def test_the_engine_refuses_what_it_does_not_run_naming_the_mapping(tmp_path, change, message):
    from tierslieux.importing.engine import compile_mapping

    mapping = engine_mapping(tmp_path, ENGINE_MAPPING.replace(*change))
    with pytest.raises(ImportFailure, match=re.escape(message)) as refused:
        compile_mapping(mapping)
    assert str(mapping.path) in str(refused.value)
