"""Each lint query of queries/qc/ finds exactly the defect it is written for (so a clean run means something)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from tierslieux.commands.qc import run_lint
from tierslieux.paths import QC_QUERIES_DIR
from tierslieux.queries.named import load_named_queries

PREFIXES = """\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix kind: <https://w3id.org/tiers-lieux/vocab/place-kind/> .
@prefix place: <https://w3id.org/tiers-lieux/id/place/> .
"""
TL = "https://w3id.org/tiers-lieux/ontology#"
ID = "https://w3id.org/tiers-lieux/id/"
VOCAB = "https://w3id.org/tiers-lieux/vocab/"

#: query name -> (Turtle holding one good and one defective case, the rows expected)
CASES = {
    "terms-without-bilingual-label": (
        """
        tl:Good a owl:Class ; rdfs:label "bon"@fr, "good"@en .
        tl:OnlyFrench a owl:Class ; rdfs:label "seulement"@fr .
        kind:sans-label a skos:Concept ; skos:prefLabel "sans"@en .
        """,
        [{"term": TL + "OnlyFrench", "missingLanguage": "en"}, {"term": VOCAB + "place-kind/sans-label", "missingLanguage": "fr"}],
    ),
    "terms-without-bilingual-definition": (
        """
        tl:Good a owl:Class ; skos:definition "d"@fr, "d"@en .
        tl:NoDefinition a owl:ObjectProperty .
        """,
        [{"term": TL + "NoDefinition", "missingLanguage": "en"}, {"term": TL + "NoDefinition", "missingLanguage": "fr"}],
    ),
    "undefined-ontology-terms": (
        """
        tl:ThirdPlace a owl:Class .
        tl:website a owl:ObjectProperty .
        place:a a tl:ThirdPlace ; tl:website <http://a.example> ; tl:webiste <http://b.example> .
        place:b a tl:Thirdplace .
        """,
        [{"term": TL + "Thirdplace", "usedAs": "class"}, {"term": TL + "webiste", "usedAs": "property"}],
    ),
    "undefined-concepts": (
        """
        kind:coworking a skos:Concept .
        place:a tl:placeKind kind:coworking, kind:cowroking .
        """,
        [{"concept": VOCAB + "place-kind/cowroking", "usedBy": ID + "place/a", "property": TL + "placeKind"}],
    ),
    "concepts-outside-their-scheme": (
        """
        <https://w3id.org/tiers-lieux/vocab/place-kind> a skos:ConceptScheme .
        kind:coworking a skos:Concept ; skos:inScheme <https://w3id.org/tiers-lieux/vocab/place-kind> .
        kind:orphan a skos:Concept .
        kind:misfiled a skos:Concept ;
            skos:inScheme <https://w3id.org/tiers-lieux/vocab/place-kind>, <https://w3id.org/tiers-lieux/vocab/role> .
        <https://w3id.org/tiers-lieux/vocab/nowhere/lost> a skos:Concept ; skos:inScheme <https://w3id.org/tiers-lieux/vocab/nowhere> .
        """,
        [
            {"concept": VOCAB + "nowhere/lost", "problem": "its scheme is not declared: " + VOCAB + "nowhere"},
            {"concept": VOCAB + "place-kind/misfiled", "problem": "in another scheme " + VOCAB + "role"},
            {"concept": VOCAB + "place-kind/orphan", "problem": "not in its scheme " + VOCAB + "place-kind"},
        ],
    ),
    "resources-without-source": (
        """
        place:sourced rdfs:label "A"@fr ; dct:source <https://w3id.org/tiers-lieux/id/source/seed-001> .
        place:derived rdfs:label "B"@fr ; prov:wasDerivedFrom <https://w3id.org/tiers-lieux/id/dataset/x> .
        place:unsourced rdfs:label "C"@fr .
        <https://w3id.org/tiers-lieux/id/address/sourced> tl:streetAddress "1 rue X" .
        <https://w3id.org/tiers-lieux/id/source/seed-001> rdfs:label "seed"@fr .
        """,
        [{"resource": ID + "place/unsourced"}],
    ),
    "resources-without-french-label": (
        """
        place:named rdfs:label "Nommé"@fr .
        place:english-only rdfs:label "English only"@en .
        <https://w3id.org/tiers-lieux/id/geometry/named> tl:x 1 .
        <https://w3id.org/tiers-lieux/id/account/named-twitter> tl:x 1 .
        """,
        [{"resource": ID + "place/english-only"}],
    ),
    "dangling-references": (
        """
        place:a tl:partOfNetwork <https://w3id.org/tiers-lieux/id/community/reseau> ;
            tl:locality <https://w3id.org/tiers-lieux/id/locality/lile> .
        <https://w3id.org/tiers-lieux/id/community/reseau> rdfs:label "Réseau"@fr .
        """,
        [{"target": ID + "locality/lile", "from": ID + "place/a", "property": TL + "locality"}],
    ),
}
QUERIES = load_named_queries(QC_QUERIES_DIR)


def test_every_lint_query_has_a_case():
    assert sorted(QUERIES) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_lint_query_reports_the_defect(name):
    turtle, expected = CASES[name]
    store = ox.Store()
    store.load(PREFIXES + turtle, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("https://w3id.org/tiers-lieux/graph/test"))
    rows = run_lint(store, QUERIES[name])
    key = lambda row: sorted(row.items())  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
