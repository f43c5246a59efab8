"""The statistics graph: whole-graph figures the build computes once per release (build/statistics.py).

A small release with known answers (two regions, three kinds, founding years,
a network, a website, a Wikidata item) is built; the named queries and the observatory's
queries, which now read the statistics graph, must give the counts a person
gets by reading the fixture. On the repository's graph, the expected answers
of the named queries (``tests/queries/``) were recorded from the queries that
counted at request time, so ``test_named_queries.py`` shows the statistics
agree with them there too.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import tierslieux.build.builder as builder
from tierslieux.build.builder import build_release, is_current
from tierslieux.build.sources import all_source_files
from tierslieux.build.statistics import STATISTICS_GRAPH, statistics_quads, statistics_queries
from tierslieux.paths import ONTOLOGY_DIR, QUERIES_DIR, SHAPES_DIR
from tierslieux.release import BuildLayout
from tierslieux.service.observatory.charts import COVERAGE_QUERY, NETWORKS_QUERY

PLACES = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix kind: <https://w3id.org/tiers-lieux/vocab/place-kind/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix region: <https://w3id.org/tiers-lieux/id/region/> .
@prefix place: <https://w3id.org/tiers-lieux/id/place/> .
@prefix community: <https://w3id.org/tiers-lieux/id/community/> .
region:53 rdfs:label "Bretagne"@fr .
region:84 rdfs:label "Auvergne-Rhône-Alpes"@fr .
community:reseau a tl:Network ; rdfs:label "Réseau d'essai"@fr .
place:a a tl:ThirdPlace ; rdfs:label "A"@fr ; tl:placeKind kind:fablab, kind:coworking ; tl:region region:53 ;
    tl:foundingDate "2015-03-01"^^xsd:date ; tl:partOfNetwork community:reseau ; tl:website <https://a.example/> .
place:b a tl:ThirdPlace ; rdfs:label "B"@fr ; tl:placeKind kind:fablab ; tl:region region:53 ;
    tl:foundingDate "2015"^^xsd:gYear ; tl:partOfNetwork community:reseau .
place:c a tl:ThirdPlace ; rdfs:label "C"@fr ; tl:placeKind kind:coworking ; tl:region region:84 ;
    tl:foundingDate "2019-06"^^xsd:gYearMonth ; tl:wikidataItem <http://www.wikidata.org/entity/Q4115189> .
place:d a tl:ThirdPlace ; rdfs:label "D"@fr ; tl:placeKind kind:repair-cafe .
"""
#: A second source that names a region and the network again: the union of the graphs holds each name twice.
NAMES_AGAIN = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/tiers-lieux/id/region/53> rdfs:label "Bretagne"@fr .
<https://w3id.org/tiers-lieux/id/community/reseau> rdfs:label "Réseau d'essai"@fr .
"""
FABLAB, COWORKING, REPAIR = (f"https://w3id.org/tiers-lieux/vocab/place-kind/{k}" for k in ("fablab", "coworking", "repair-cafe"))
BRETAGNE, ARA = "https://w3id.org/tiers-lieux/id/region/53", "https://w3id.org/tiers-lieux/id/region/84"


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> BuildLayout:
    """A release of the fixture places, with the repository's ontology and vocabularies."""
    root = tmp_path_factory.mktemp("statistics")
    (root / "data" / "curated").mkdir(parents=True)
    (root / "data" / "curated" / "places.ttl").write_text(PLACES, encoding="utf-8")
    (root / "data" / "curated" / "names.ttl").write_text(NAMES_AGAIN, encoding="utf-8")
    build_release(root / "build", data_dir=root / "data", validate=False)
    return BuildLayout(root / "build")


@pytest.fixture(scope="module")
def store(release: BuildLayout):
    """The release's store, read-only."""
    return ox.Store.read_only(str(release.store_dir))


def answer(store: ox.Store, sparql: str) -> list[dict[str, str]]:
    """The rows of a SELECT over the union of the graphs, as the service runs it, each a dict of bound values."""
    solutions = store.query(sparql, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def named(name: str) -> str:
    """The text of a named query."""
    return (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")


def test_places_per_region_and_kind_are_the_fixture_counts(store):
    rows = {(r.get("region"), r["kind"]): int(r["places"]) for r in answer(store, named("counts-per-region-and-kind"))}
    assert rows == {(BRETAGNE, FABLAB): 2, (BRETAGNE, COWORKING): 1, (ARA, COWORKING): 1, (None, REPAIR): 1}


def test_region_names_come_with_the_counts_and_a_place_without_region_gets_none(store):
    rows = answer(store, named("counts-per-region-and-kind"))
    assert {r.get("region"): r.get("regionName") for r in rows if r.get("region") != ARA} == {BRETAGNE: "Bretagne", None: None}


def test_places_founded_per_year_count_every_precision(store):
    rows = {r["year"]: int(r["places"]) for r in answer(store, named("places-founded-per-year"))}
    assert rows == {"2015": 2, "2019": 1}


def test_the_observatory_reads_networks_and_coverage_from_the_statistics(store):
    networks = answer(store, NETWORKS_QUERY)
    assert [(r["network"], r.get("name"), int(r["places"])) for r in networks] == [
        ("https://w3id.org/tiers-lieux/id/community/reseau", "Réseau d'essai", 2)
    ]
    coverage = answer(store, COVERAGE_QUERY)
    assert [(int(r["places"]), int(r["website"]), int(r["wikidata"])) for r in coverage] == [(4, 1, 1)]


def test_wikidata_links_per_region_are_the_fixture_counts(store):
    rows = {r.get("region"): (int(r["linked"]), int(r["notLinked"])) for r in answer(store, named("wikidata-coverage"))}
    assert rows == {BRETAGNE: (0, 2), ARA: (1, 0), None: (0, 1)}


def test_the_figures_are_read_from_the_statistics_graph_not_counted_again(release, tmp_path):
    """Change an observation in a copy of the store: the named query shows the changed figure, so it reads the graph."""
    copy = ox.Store(str(tmp_path / "store"))
    copy.load(path=str(release.current_release.resolved().quads_dump), format=ox.RdfFormat.N_QUADS)
    graph = ox.NamedNode(str(STATISTICS_GRAPH))
    copy.update(
        f"DELETE {{ GRAPH {graph} {{ ?o <https://w3id.org/tiers-lieux/ontology#placeCount> ?n }} }} "
        f"INSERT {{ GRAPH {graph} {{ ?o <https://w3id.org/tiers-lieux/ontology#placeCount> 99 }} }} "
        f"WHERE {{ GRAPH {graph} {{ ?o <https://w3id.org/tiers-lieux/ontology#countedYear> 2019 ; "
        f"<https://w3id.org/tiers-lieux/ontology#placeCount> ?n }} }}"
    )
    rows = {r["year"]: int(r["places"]) for r in answer(copy, named("places-founded-per-year"))}
    assert rows == {"2015": 2, "2019": 99}


def test_the_statistics_are_in_the_dumps_and_the_manifest(release, store):
    manifest = release.manifest()
    in_store = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(STATISTICS_GRAPH)))))
    assert in_store > 0 and manifest["graphs"][str(STATISTICS_GRAPH)] == in_store
    dump = release.current_release.resolved().quads_dump.read_text(encoding="utf-8")
    assert dump.count(f"<{STATISTICS_GRAPH}> .") == in_store


def test_statistics_are_counted_over_the_published_values():
    """Two sources disagree on a founding date and the resolved view chose one: the year counted is the chosen one."""
    store = ox.Store()
    place = ox.NamedNode("https://w3id.org/tiers-lieux/id/place/x")
    founding = ox.NamedNode("https://w3id.org/tiers-lieux/ontology#foundingDate")
    for graph, year in (("census", "2010"), ("curated", "2012"), ("resolved", "2012")):
        g = ox.NamedNode(f"https://w3id.org/tiers-lieux/graph/{graph}")
        store.add(ox.Quad(place, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode("https://w3id.org/tiers-lieux/ontology#ThirdPlace"), g))
        store.add(ox.Quad(place, founding, ox.Literal(year, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")), g))
    years = {
        str(q.object.value)
        for q in statistics_quads(store)
        if q.predicate.value == "https://w3id.org/tiers-lieux/ontology#countedYear"
    }
    assert years == {"2012"}


def test_a_changed_statistics_query_makes_the_release_out_of_date(tmp_path, monkeypatch):
    """``build --if-needed`` builds again when a statistic's definition changed, not only when its sources did."""
    queries = tmp_path / "statistics"
    queries.mkdir()
    for path in statistics_queries():
        (queries / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(builder, "statistics_queries", lambda: statistics_queries(queries))
    data = tmp_path / "data"
    (data / "curated").mkdir(parents=True)
    (data / "curated" / "places.ttl").write_text(PLACES, encoding="utf-8")
    files = all_source_files(data_dir=data, ontology_dir=ONTOLOGY_DIR)
    build_release(tmp_path / "build", files=files, data_dir=data, validate=False)
    assert is_current(tmp_path / "build", files, SHAPES_DIR, data)
    changed = queries / "place-coverage.rq"
    changed.write_text(changed.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    assert not is_current(tmp_path / "build", files, SHAPES_DIR, data)


@pytest.mark.parametrize("name", ["counts-per-region-and-kind", "wikidata-coverage", "places-founded-per-year"])
def test_a_name_stated_by_two_sources_gives_one_row(store, name):
    rows = [tuple(sorted(r.items())) for r in answer(store, named(name))]
    assert len(rows) == len(set(rows)), rows


def test_a_network_named_by_two_sources_is_one_bar(store):
    rows = [tuple(sorted(r.items())) for r in answer(store, NETWORKS_QUERY)]
    assert len(rows) == len(set(rows)) == 1, rows
