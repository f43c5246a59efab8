"""The merge model (docs/merging.md): sources that disagree build; the resolved view holds the value the policy chose."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest

from tierslieux.build.builder import BuildRefused, build_release
from tierslieux.build.resolve import RESOLVED_GRAPH, OverrideError, read_overrides, resolve
from tierslieux.release import BuildLayout

from .conftest import MINI_ONTOLOGY

PLACE = "https://w3id.org/tiers-lieux/id/place/la-coroutine"
LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
GRAPH = "https://w3id.org/tiers-lieux/graph/"
PREFIXES = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix void: <http://rdfs.org/ns/void#> .
"""
#: the real shapes' limits on coordinates, for a tiny model
SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix tlsh: <https://w3id.org/tiers-lieux/shapes#> .
@prefix wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
tlsh:PlaceShape a sh:NodeShape ; sh:targetClass tl:ThirdPlace ;
    sh:property tlsh:PlaceShape-lat, tlsh:PlaceShape-long .
tlsh:PlaceShape-lat a sh:PropertyShape ; sh:path wgs84:lat ; sh:maxCount 1 ; sh:severity sh:Violation ;
    sh:message "Invalid latitude: one wgs84:lat."@en .
tlsh:PlaceShape-long a sh:PropertyShape ; sh:path wgs84:long ; sh:maxCount 1 ; sh:severity sh:Violation ;
    sh:message "Invalid longitude: one wgs84:long."@en .
"""
CENSUS = f"""<{PLACE}> a tl:ThirdPlace ; rdfs:label "La Coroutine"@fr ;
    wgs84:lat 50.619923 ; wgs84:long 3.049036 ; tl:geocodingPrecision 0.55 ; tl:website <http://www.lacoroutine.org> .
"""
SEED = f"""<{PLACE}> a tl:ThirdPlace ; rdfs:label "La Coroutine"@fr ; tl:foundingDate "2010"^^xsd:gYear .
"""
IMPORT = f"""<{PLACE}> a tl:ThirdPlace ; rdfs:label "La Coroutine"@fr ;
    wgs84:lat 50.6301 ; wgs84:long 3.0571 ; tl:website <https://lacoroutine.org/> .
"""


def write(root: Path, files: dict[str, str]) -> Path:
    """Write a tiny repository: the mini ontology, the cardinality shapes and ``files`` under data/."""
    for relative, text in {"ontology/core.ttl": MINI_ONTOLOGY, "shapes/places.ttl": SHAPES, **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if relative.endswith(".csv") else PREFIXES + text, encoding="utf-8")
    return root


def build(root: Path, out: Path):
    return build_release(out, ontology_dir=root / "ontology", shapes_dir=root / "shapes", data_dir=root / "data")


def quads(layout: BuildLayout, predicate: str) -> list[tuple[str, str]]:
    """Return (graph, value) of every quad of ``predicate`` about the place in the release's N-Quads dump."""
    parsed = ox.parse(path=str(layout.dumps_dir / "tiers-lieux.nq"), format=ox.RdfFormat.N_QUADS)
    return sorted((q.graph_name.value, q.object.value) for q in parsed if q.subject.value == PLACE and q.predicate.value == predicate)


def triples(layout: BuildLayout, predicate: str) -> list[str]:
    parsed = ox.parse(path=str(layout.dumps_dir / "tiers-lieux.nt"), format=ox.RdfFormat.N_TRIPLES)
    return sorted(t.object.value for t in parsed if t.subject.value == PLACE and t.predicate.value == predicate)


@pytest.fixture
def three_sources(tmp_path: Path) -> Path:
    """La Coroutine in the census, a seed and an import that disagrees with the census on coordinates and website."""
    return write(tmp_path / "repo", {"data/census/cget.ttl": CENSUS, "data/curated/seed.ttl": SEED,
                                     "data/networks/mediation-num.ttl": IMPORT})


def test_two_sources_with_different_coordinates_build_and_the_resolved_view_holds_the_census_value(three_sources, tmp_path):
    layout = BuildLayout(tmp_path / "out")
    result = build(three_sources, layout.root)
    assert result.outcome.conforms
    # Each source keeps its own value in its own graph; the resolved graph holds the census's, chosen by source class.
    assert quads(layout, LAT) == [(GRAPH + "census/cget", "50.619923"), (GRAPH + "networks/mediation-num", "50.6301"),
                                  (str(RESOLVED_GRAPH), "50.619923")]
    # The published union (triple dumps) has exactly one latitude and one website: the chosen source's.
    assert triples(layout, LAT) == ["50.619923"]
    assert triples(layout, "https://w3id.org/tiers-lieux/ontology#website") == ["http://www.lacoroutine.org"]
    # The founding date, stated by the seed only, is not disputed and stays as it is.
    assert quads(layout, "https://w3id.org/tiers-lieux/ontology#foundingDate") == [(GRAPH + "curated/seed", "2010")]
    summary = layout.manifest()["resolution"]
    assert summary["by_group"] == {"location": 1, "website": 1} and summary["by_rule"] == {"source class": 2}


def test_a_reviewed_override_chooses_the_import(three_sources, tmp_path):
    (three_sources / "data/resolution-overrides.csv").write_text(
        "place,group,graph,reason\nla-coroutine,location,networks/mediation-num,moved in 2021 (checked on site)\n", encoding="utf-8")
    layout = BuildLayout(tmp_path / "out")
    build(three_sources, layout.root)
    assert triples(layout, LAT) == ["50.6301"]
    assert layout.manifest()["resolution"]["by_rule"] == {"reviewed override": 1, "source class": 1}


def test_an_override_naming_a_source_without_the_value_names_its_file_and_line(three_sources, tmp_path):
    overrides = three_sources / "data/resolution-overrides.csv"
    overrides.write_text("place,group,graph,reason\nla-coroutine,location,curated/seed,wrong source\n", encoding="utf-8")
    with pytest.raises(OverrideError, match=rf"{overrides}:2: .*curated/seed states no location"):
        build(three_sources, tmp_path / "out")


def test_a_source_that_contradicts_itself_is_refused_and_named(tmp_path):
    repo = write(tmp_path / "repo", {"data/census/cget.ttl": CENSUS.replace("wgs84:lat 50.619923", "wgs84:lat 50.619923, 45.2")})
    with pytest.raises(BuildRefused) as refused:
        build(repo, tmp_path / "out")
    messages = [r.message("en") for r in refused.value.outcome.results]
    assert any("Invalid latitude" in m and f"<{GRAPH}census/cget> states 2 values" in m for m in messages), messages


def store_of(graphs: dict[str, str]) -> ox.Store:
    store = ox.Store()
    for name, text in graphs.items():
        store.load(PREFIXES + text, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH + name))
    return store


def test_between_two_imports_precision_then_recency_decide():
    first = IMPORT.replace(" ;\n    wgs84:lat", " ; tl:geocodingPrecision 0.9 ;\n    wgs84:lat")
    second = CENSUS.replace("0.55", "0.4")
    choice = resolve(store_of({"networks/a": first, "networks/b": second})).choices
    assert [(c.group, c.chosen, c.rule) for c in choice if c.group == "location"] == [("location", GRAPH + "networks/a", "precision")]
    dated = '<https://example.org/ds> a void:Dataset ; dct:modified "{}"^^xsd:date .\n'
    choices = resolve(store_of({"networks/a": IMPORT + dated.format("2021-03-01"), "networks/b": CENSUS.replace(
        "tl:geocodingPrecision 0.55 ;", "") + dated.format("2024-01-15")})).choices
    assert {(c.group, c.chosen.rsplit("/", 1)[-1], c.rule) for c in choices} == {("location", "b", "recency"), ("website", "b", "recency")}


def test_sources_that_agree_dispute_nothing():
    assert resolve(store_of({"census/a": CENSUS, "networks/b": CENSUS})).choices == []


def test_an_override_file_with_an_unknown_group_is_refused_with_its_line(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("place,group,graph,reason\nx,colour,census/a,why\n", encoding="utf-8")
    with pytest.raises(OverrideError, match=rf"{path}:2: unknown group 'colour'"):
        read_overrides(path)


@pytest.mark.slow
def test_the_fast_engine_validates_the_same_resolved_view(three_sources, tmp_path):
    result = build_release(tmp_path / "out", ontology_dir=three_sources / "ontology", shapes_dir=three_sources / "shapes",
                           data_dir=three_sources / "data", engine="fast")
    assert result.outcome.conforms and layout_resolution(tmp_path / "out")["disputed"] == 2
    contradicting = write(tmp_path / "repo2", {"data/census/cget.ttl": CENSUS.replace("wgs84:lat 50.619923", "wgs84:lat 50.619923, 45.2"),
                                               "data/networks/x.ttl": IMPORT})
    with pytest.raises(BuildRefused) as refused:
        build_release(tmp_path / "out2", ontology_dir=contradicting / "ontology", shapes_dir=contradicting / "shapes",
                      data_dir=contradicting / "data", engine="fast")
    # the census, chosen, brings its two latitudes into the resolved view; the per-source check names the graph
    assert sorted(r.message("en") for r in refused.value.outcome.results) == [
        "Invalid latitude: one wgs84:lat.", f"Invalid latitude: one wgs84:lat. (source graph <{GRAPH}census/cget> states 2 values)"]


def layout_resolution(root: Path) -> dict:
    return BuildLayout(root).manifest()["resolution"]


STATUS = "https://w3id.org/tiers-lieux/ontology#status"
STATUS_SHAPE = """
tlsh:PlaceShape sh:property tlsh:PlaceShape-status .
tlsh:PlaceShape-status a sh:PropertyShape ; sh:path tl:status ; sh:maxCount 1 ; sh:severity sh:Violation ;
    sh:message "tl:status: at most one concept."@en .
"""


def test_two_sources_with_different_statuses_build_and_the_census_status_is_published(tmp_path):
    vocab = "https://w3id.org/tiers-lieux/vocab/life-cycle/"
    repo = write(tmp_path / "repo", {
        "shapes/places.ttl": SHAPES + STATUS_SHAPE,
        "data/census/cget.ttl": CENSUS.replace(" .\n", f" ; tl:status <{vocab}open> .\n"),
        "data/networks/mediation-num.ttl": IMPORT.replace(" .\n", f" ; tl:status <{vocab}closed> .\n"),
    })
    layout = BuildLayout(tmp_path / "out")
    result = build(repo, layout.root)
    assert result.outcome.conforms
    assert quads(layout, STATUS) == [(GRAPH + "census/cget", vocab + "open"), (GRAPH + "networks/mediation-num", vocab + "closed"),
                                     (str(RESOLVED_GRAPH), vocab + "open")]
    assert triples(layout, STATUS) == [vocab + "open"]
    assert layout.manifest()["resolution"]["by_group"]["life-cycle status"] == 1


def test_every_property_a_place_may_have_once_is_in_a_resolved_group():
    """A new ``sh:maxCount 1`` on places, left out of build/resolve.GROUPS, would refuse builds of honest sources."""
    from rdflib import Graph, Namespace, URIRef

    from tierslieux.build.resolve import GROUPS
    from tierslieux.paths import SHAPES_DIR

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        shapes.parse(path)
    place_shapes = set(shapes.subjects(sh.targetClass, URIRef("https://w3id.org/tiers-lieux/ontology#ThirdPlace")))
    single = {str(shapes.value(ps, sh.path)) for node in place_shapes for ps in shapes.objects(node, sh.property)
              if shapes.value(ps, sh.maxCount) is not None and isinstance(shapes.value(ps, sh.path), URIRef)}
    assert len(single) >= 6, single  # the checker sees the real shapes' limits
    grouped = {predicate for predicates in GROUPS.values() for predicate in predicates}
    assert single - grouped == set(), "add these to a group of build/resolve.GROUPS (docs/merging.md)"
