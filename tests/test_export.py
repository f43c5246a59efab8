"""``tierslieux export``: every format parses back; RDF exports are isomorphic to the graph they
come from; GeoJSON follows RFC 7946 and carries every place with coordinates; CSV has one row per place."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from tierslieux.build.builder import dataset_union
from tierslieux.cli import main
from tierslieux.exporting.formats import CONTEXT_FILE, export
from tierslieux.exporting.selection import load, places
from tierslieux.exporting.tables import COLUMNS
from tierslieux.namespaces import TL, WGS84
from tierslieux.rdfio import has_blank_nodes

pytestmark = pytest.mark.slow  # each export reads the whole graph (3-12 s a test): `make test` runs them, `make test-fast` leaves them out

RDF_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def same_graph(one: Graph, other: Graph) -> bool:
    """Tell whether two graphs are isomorphic; without blank nodes that is set equality, which costs far less."""
    if has_blank_nodes(one) or has_blank_nodes(other):
        return isomorphic(one, other)
    return set(one) == set(other)


@pytest.fixture(scope="module")
def seed():
    """One small named graph of the curated data."""
    return load("curated/seed-001")


@pytest.fixture(scope="module")
def whole():
    return load()


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_exports_are_isomorphic_to_the_source(seed, fmt):
    text = export(seed, fmt)
    back = Graph().parse(data=text, format=RDF_FORMATS[fmt])
    source = dataset_union(seed)
    assert len(back) == len(source) > 100
    assert same_graph(back, source)


@pytest.mark.parametrize("fmt, parser", [("nquads", "nquads"), ("trig", "trig")])
def test_quad_exports_keep_the_named_graphs(whole, fmt, parser):
    text = export(whole, fmt)
    back = Dataset()
    back.parse(data=text, format=parser)
    graphs = {str(g.identifier) for g in back.graphs() if len(g)}
    assert "https://w3id.org/tiers-lieux/graph/census/cget-2019" in graphs
    assert "https://w3id.org/tiers-lieux/graph/curated/seed-001" in graphs
    source_graphs = {str(g.identifier): g for g in whole.graphs() if len(g)}
    assert graphs == set(source_graphs)
    for name, graph in source_graphs.items():
        assert same_graph(back.graph(URIRef(name)), graph), name


def test_jsonld_is_plain_json_with_short_names(seed):
    document = json.loads(export(seed, "jsonld"))
    assert document["@context"] == json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    coroutine = next(n for n in document["@graph"] if n["id"].endswith("/place/la-coroutine"))
    assert coroutine["name"] == {"fr": "La Coroutine", "en": "La Coroutine"}
    assert "placeKind:coworking" in coroutine["kind"]


def _check_rfc7946(document: dict) -> None:
    """The rules of RFC 7946 a FeatureCollection of points must follow (sections 3.1.1, 3.1.2, 3.2, 3.3, 4)."""
    assert document["type"] == "FeatureCollection" and isinstance(document["features"], list)
    assert "crs" not in document  # removed from the specification (section 4)
    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature.get("id"), (str, int, float))
        assert "properties" in feature and (feature["properties"] is None or isinstance(feature["properties"], dict))
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]  # exactly two positions: longitude, latitude (WGS84)
        assert all(isinstance(c, (int, float)) and math.isfinite(c) for c in (lon, lat))
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_geojson_carries_every_place_with_coordinates(whole):
    document = json.loads(export(whole, "geojson"))
    _check_rfc7946(document)
    union = dataset_union(whole)
    located = {str(p) for p in union.subjects(RDF.type, TL.ThirdPlace) if union.value(p, WGS84.lat) is not None}
    assert {f["id"] for f in document["features"]} == located
    assert len(located) >= 1499
    coroutine = next(f for f in document["features"] if f["id"].endswith("/place/la-coroutine"))
    assert coroutine["geometry"]["coordinates"] == [3.049036, 50.619923]
    assert coroutine["properties"]["commune"] == "Lille" and coroutine["properties"]["region"] == "Hauts-de-France"


def test_csv_has_one_row_per_place(whole):
    rows = list(csv.DictReader(io.StringIO(export(whole, "csv"))))
    union = dataset_union(whole)
    assert {r["id"] for r in rows} == {str(p) for p in union.subjects(RDF.type, TL.ThirdPlace)}
    assert tuple(rows[0]) == COLUMNS
    cordee = next(r for r in rows if r["id"].endswith("/place/la-cordee"))
    assert cordee["networks"] == "La Cordée" and "cget-2019:490" in cordee["identifiers"]


def test_places_only(whole):
    graph = places(whole)
    subjects = set(graph.subjects())
    assert URIRef("https://w3id.org/tiers-lieux/id/place/la-coroutine") in subjects
    assert URIRef("https://w3id.org/tiers-lieux/id/geometry/la-coroutine") in subjects
    assert not set(graph.subjects(RDF.type, TL.Commune))  # communes are shared, not a place's own


def test_cli(tmp_path, seed):
    out = tmp_path / "seed.nt"
    run = CliRunner().invoke(main, ["export", "--format", "ntriples", "--graph", "curated/seed-001", "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert same_graph(Graph().parse(out, format="nt"), dataset_union(seed))
    bad = CliRunner().invoke(main, ["export", "--format", "csv", "--graph", "census/nothing"])
    assert bad.exit_code == 2 and "no named graph 'census/nothing'" in bad.output


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_places_tables_fill_the_place_columns(tmp_path, fmt):
    """``--places`` once left commune, INSEE code, department, region and networks empty: they are read from the whole graph."""
    out = tmp_path / f"places.{fmt}"
    run = CliRunner().invoke(main, ["export", "--format", fmt, "--places", "--out", str(out)])
    assert run.exit_code == 0, run.output
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        records = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    else:
        records = {f["id"]: f["properties"] for f in json.loads(text)["features"]}
    cordee = records["https://w3id.org/tiers-lieux/id/place/la-cordee"]
    networks = cordee["networks"] if fmt == "csv" else " | ".join(cordee["networks"])
    assert networks == "La Cordée"
    coroutine = records["https://w3id.org/tiers-lieux/id/place/la-coroutine"]
    assert (coroutine["commune"], coroutine["insee"], coroutine["department"], coroutine["region"]) == ("Lille", "59350", "Nord", "Hauts-de-France")
    filled = sum(1 for r in records.values() if r["commune"])
    assert filled > 0.9 * len(records)


def test_exported_files_are_readable_by_others(tmp_path):
    """Files are written with the mode of a plain new file (0666 less the umask), not a temporary file's 0600."""
    import os

    out = tmp_path / "seed.nt"
    old = os.umask(0o022)
    try:
        run = CliRunner().invoke(main, ["export", "--format", "ntriples", "--graph", "curated/seed-001", "--out", str(out)])
    finally:
        os.umask(old)
    assert run.exit_code == 0, run.output
    assert out.stat().st_mode & 0o777 == 0o644
