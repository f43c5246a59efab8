"""The closed namespaces catch typos, and every prefix in the repository's Turtle agrees with the one table."""

from __future__ import annotations

import re

import pytest

from tierslieux.namespaces import MANIFESTO, PLACE_KIND, PREFIXES, SCHEMES, TL, graph_iri, resource_iri, scheme_iri
from tierslieux.paths import DATA_DIR, ONTOLOGY_DIR, SHAPES_DIR, turtle_files

from .conftest import REPO_ROOT

PREFIX_LINE = re.compile(r"^\s*@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>\s*\.", re.MULTILINE)
TURTLE_FILES = [p for d in (ONTOLOGY_DIR, SHAPES_DIR, DATA_DIR, REPO_ROOT / "tests") for p in turtle_files(d)]


def test_a_typo_in_an_ontology_term_fails():
    assert str(TL.ThirdPlace) == "https://w3id.org/tiers-lieux/ontology#ThirdPlace"
    with pytest.raises(AttributeError, match="Thirdplace"):
        TL.Thirdplace  # noqa: B018


def test_a_typo_in_a_concept_fails():
    assert str(PLACE_KIND["jardin-partage"]) == "https://w3id.org/tiers-lieux/vocab/place-kind/jardin-partage"
    assert str(MANIFESTO.collectif) == "https://w3id.org/tiers-lieux/vocab/manifesto/collectif"
    with pytest.raises(AttributeError):
        PLACE_KIND["jardin"]


def test_resource_and_graph_iris_follow_the_conventions():
    assert str(resource_iri("place", "la-coroutine")) == "https://w3id.org/tiers-lieux/id/place/la-coroutine"
    assert str(graph_iri("curated/seed-001")) == "https://w3id.org/tiers-lieux/graph/curated/seed-001"
    assert str(scheme_iri("manifesto")) == "https://w3id.org/tiers-lieux/vocab/manifesto"
    with pytest.raises(ValueError, match="unknown resource kind 'plaec'"):
        resource_iri("plaec", "x")
    with pytest.raises(KeyError, match="unknown concept scheme"):
        scheme_iri("values")


def test_every_scheme_has_a_prefix_for_its_concepts():
    concept_prefixes = {iri for iri in PREFIXES.values()}
    for scheme in SCHEMES:
        assert f"https://w3id.org/tiers-lieux/vocab/{scheme}/" in concept_prefixes, scheme


def test_prefix_table_has_no_two_prefixes_for_one_iri():
    iris = list(PREFIXES.values())
    assert len(iris) == len(set(iris))


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_turtle_prefixes_agree_with_the_namespaces_module(path):
    declared = PREFIX_LINE.findall(path.read_text(encoding="utf-8"))
    wrong = [(prefix, iri) for prefix, iri in declared if prefix in PREFIXES and PREFIXES[prefix] != iri]
    assert not wrong, f"{path}: prefixes bound to another IRI than namespaces.PREFIXES: {wrong}"
    unknown = [(prefix, iri) for prefix, iri in declared if prefix not in PREFIXES and iri in PREFIXES.values()]
    assert not unknown, f"{path}: these IRIs have another prefix in namespaces.PREFIXES: {unknown}"
    if not path.is_relative_to(REPO_ROOT / "tests"):
        undeclared = [(prefix, iri) for prefix, iri in declared if prefix not in PREFIXES]
        assert not undeclared, f"{path}: prefixes missing from namespaces.PREFIXES (add them there first): {undeclared}"
