"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"

#: A tiny knowledge model for command tests that must not depend on the real data.
MINI_ONTOLOGY = """\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
tl:ThirdPlace a owl:Class ; rdfs:label "tiers-lieu"@fr, "third place"@en .
"""
MINI_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix tlsh: <https://w3id.org/tiers-lieux/shapes#> .
tlsh:MiniPlaceShape a sh:NodeShape ;
    sh:targetClass tl:ThirdPlace ;
    sh:property [
        sh:path rdfs:label ; sh:minCount 1 ; sh:severity sh:Violation ;
        sh:message "Un tiers-lieu doit avoir un nom."@fr, "A third place must have a name."@en
    ] .
"""
MINI_GOOD_DATA = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
<https://w3id.org/tiers-lieux/id/place/la-coroutine> a tl:ThirdPlace ; rdfs:label "La Coroutine"@fr .
"""
MINI_BAD_DATA = """\
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
<https://w3id.org/tiers-lieux/id/place/sans-nom> a tl:ThirdPlace .
"""


@pytest.fixture
def mini_repo(tmp_path: Path) -> Path:
    """A folder with ontology/, shapes/ and data/ holding a tiny, conforming knowledge model."""
    for relative, text in {
        "ontology/core.ttl": MINI_ONTOLOGY,
        "shapes/places.ttl": MINI_SHAPES,
        "data/curated/places.ttl": MINI_GOOD_DATA,
    }.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path
