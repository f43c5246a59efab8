"""Two real exports of other networks, imported over the repository's data/ and built with the census.

The exports (tests/importing/real/README.md gives their sources, licences and attribution) were
written by their networks, not for this project: MedNum BFC's 697 places of digital mediation in
Bourgogne-Franche-Comté (CSV, no INSEE code) and #MapLabBZH's 121 fab labs and third places of
Brittany (GeoJSON). Each place of the census they also list must become one place with two sources,
and the build must accept the graph whatever the sources disagree on (docs/merging.md).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from tierslieux.build.builder import build_release
from tierslieux.importing.matching import MATCHED_RULE
from tierslieux.importing.pipeline import run_import, write_result
from tierslieux.paths import DATA_DIR, MAPPINGS_DIR
from tierslieux.release import BuildLayout
from tierslieux.service import create_app
from tierslieux.validation.files import validate_files_alone

pytestmark = pytest.mark.slow

REAL = Path(__file__).parent / "real"
PLACE = "https://w3id.org/tiers-lieux/id/place/"
GRAPH = "https://w3id.org/tiers-lieux/graph/"
LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LONG = "http://www.w3.org/2003/01/geo/wgs84_pos#long"
WEBSITE = "https://w3id.org/tiers-lieux/ontology#website"
KIND = "https://w3id.org/tiers-lieux/ontology#placeKind"
#: mapping, export, (read, imported, merged, rejected), places of data/ matched
IMPORTS = [
    ("mednum-bfc", "mednum-bfc.csv", (697, 693, 4, 0), 40),
    ("maplabbzh", "maplabbzh.geojson", (121, 121, 0, 0), 52),
]
#: Census places each export also lists, checked by hand: same name, same commune, same website or a few metres apart.
CHECKED_BY_HAND = {
    "mednum-bfc": {"startway-dijon": "Startway Dijon", "lab-aux": "Lab'Aux", "made-in-iki": "FabLab Atelier Made in iKi"},
    "maplabbzh": {"breizh-entropy": "Breizh-Entropy", "ping": "PiNG", "la-flottille": "La Flottille",
                  "tilt": "Tilt"},  # Tilt's export says Theix, now part of the commune nouvelle Theix-Noyalo
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, dict]:
    """A copy of data/ with both exports imported, in this order."""
    data = tmp_path_factory.mktemp("real-exports") / "data"
    shutil.copytree(DATA_DIR, data)
    results = {}
    for name, export, _, _ in IMPORTS:
        result = run_import(MAPPINGS_DIR / f"{name}.yarrrml.yml", REAL / export, data_dir=data)
        write_result(result, data)
        results[name] = result
    return data, results


@pytest.fixture(scope="module")
def built(imported, tmp_path_factory) -> BuildLayout:
    """The whole graph built from that data/."""
    layout = BuildLayout(tmp_path_factory.mktemp("real-exports-build"))
    # The fast engine (tests/test_validation_scale.py holds it to pySHACL's results): 5 s instead of 30.
    result = build_release(layout.root, data_dir=imported[0], engine="fast")
    assert result.outcome.conforms, result.outcome.results[:5]
    return layout


@pytest.mark.parametrize(("name", "export", "counts", "matched"), IMPORTS)
def test_every_record_is_counted_and_census_places_are_matched(imported, name, export, counts, matched):
    result = imported[1][name]
    assert (result.read, result.imported, result.merged, result.rejected) == counts
    assert result.read == result.imported + result.merged + result.rejected
    assert sum(1 for m in result.matches if m.status == MATCHED_RULE) == matched
    for slug, label in CHECKED_BY_HAND[name].items():
        match = next(m for m in result.matches if str(m.existing.node) == PLACE + slug)
        assert match.status == MATCHED_RULE, (slug, match.reason)
        assert label in match.reason


def test_places_of_a_chain_elsewhere_are_not_taken_for_the_local_one(imported):
    # Startway has places in Paris, Montreuil, Rouen…: MedNum BFC's Startway Dijon is only the Dijon one.
    result = imported[1]["mednum-bfc"]
    statuses = {str(m.existing.node).removeprefix(PLACE): m.status for m in result.matches}
    assert statuses["startway-dijon"] == MATCHED_RULE
    assert all(statuses[slug] != MATCHED_RULE for slug in statuses if slug.startswith("start-way-"))


def test_no_contact_data_reaches_the_graph(imported):
    data, _ = imported
    for name, _, _, _ in IMPORTS:
        text = (data / "networks" / f"{name}.ttl").read_text(encoding="utf-8")
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), name  # no e-mail address
        assert not re.search(r"\b0[1-9](?:[ .]?\d\d){4}\b", text), name  # no French phone number


@pytest.mark.parametrize("name", [name for name, _, _, _ in IMPORTS])
def test_each_import_validates_alone(imported, name):
    # A matched place takes its name from the census: judged alone, the import must see it (docs/merging.md).
    data, _ = imported
    path = data / "networks" / f"{name}.ttl"
    others = sorted(p for p in data.rglob("*.ttl") if p != path)
    outcome = validate_files_alone([path], others, engine="fast")
    violations = [r for r in outcome.results if r.severity.endswith("Violation")]
    assert outcome.conforms, violations[:5]


def test_the_graph_builds_with_one_place_and_two_sources_for_each_match(imported, built):
    graphs = built.manifest()["graphs"]
    assert {GRAPH + "networks/mednum-bfc", GRAPH + "networks/maplabbzh", GRAPH + "resolved"} <= set(graphs)
    quads = list(ox.parse(path=str(built.dumps_dir / "tiers-lieux.nq"), format=ox.RdfFormat.N_QUADS))
    latitudes: dict[str, set[str]] = {}
    for triple in ox.parse(path=str(built.dumps_dir / "tiers-lieux.nt"), format=ox.RdfFormat.N_TRIPLES):
        if triple.predicate.value == LAT:
            latitudes.setdefault(triple.subject.value, set()).add(triple.object.value)
    assert all(len(values) == 1 for values in latitudes.values())
    for name, places in CHECKED_BY_HAND.items():
        for slug in places:
            about = [q for q in quads if q.subject.value == PLACE + slug]
            stating_lat = {q.graph_name.value.removeprefix(GRAPH): q.object.value for q in about if q.predicate.value == LAT}
            # Both sources keep their point; the census's is the published one.
            assert {"census/cget-2019", f"networks/{name}"} <= set(stating_lat), slug
            assert latitudes[PLACE + slug] == {stating_lat["census/cget-2019"]}, slug
            # One name, the census's; the export adds its kinds to the same place.
            labels = {q.object.value for q in about if q.predicate.value == LABEL and q.object.language == "fr"}
            assert len(labels) == 1, (slug, labels)
            assert any(q.predicate.value == KIND and q.graph_name.value == GRAPH + f"networks/{name}" for q in about), slug


def test_the_places_api_and_named_queries_show_the_published_values(built):
    # 92 places have two points here (the census's and an export's): every reader shows the resolved one.
    published: dict[str, dict[str, str]] = {}
    for triple in ox.parse(path=str(built.dumps_dir / "tiers-lieux.nt"), format=ox.RdfFormat.N_TRIPLES):
        if triple.subject.value.startswith(PLACE) and triple.predicate.value in (LAT, LONG, WEBSITE):
            published.setdefault(triple.subject.value, {})[triple.predicate.value] = triple.object.value
    app = create_app({"TESTING": True, "BUILD_DIR": str(built.root), "QUERY_PROCESSES": 1})
    client = app.test_client()
    places = client.get("/api/places?fields=all&limit=100000").get_json()["places"]
    assert len(places) == len({p["id"] for p in places}) > 2000
    for place in places:
        expected = published.get(place["id"], {})
        if LAT in expected:
            assert (place["latitude"], place["longitude"]) == (float(expected[LAT]), float(expected[LONG])), place["id"]
        assert place["website"] == expected.get(WEBSITE), place["id"]
    # TéléFab Brest's two points are 9.6 km apart: within 20 km of the published one, it is there once, at 0 km.
    telefab = PLACE + "telefab-brest"
    near = client.get("/queries/places-near", query_string={"lat": published[telefab][LAT], "long": published[telefab][LONG],
                                                             "radius": "20"},
                      headers={"Accept": "application/sparql-results+json"})
    assert near.status_code == 200, near.get_data(as_text=True)
    rows = [row for row in near.get_json()["results"]["bindings"] if row["place"]["value"] == telefab]
    assert [float(row["distance"]["value"]) for row in rows] == [0.0]
