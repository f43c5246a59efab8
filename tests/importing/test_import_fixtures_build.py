"""Every shipped network mapping's fixture imported over the repository's data/, then the whole graph built.

Before the merge model (docs/merging.md), an import matched to a census place added its own coordinates and
the build refused the graph (two ``wgs84:lat``). The census's own fixture (tests/importing/cget-bad.csv) is a
bad-input fixture that would replace the census: tests/test_import_bad_input.py covers it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from tierslieux.build.builder import build_release
from tierslieux.build.resolve import RESOLVED_GRAPH
from tierslieux.importing.pipeline import run_import, write_result
from tierslieux.paths import DATA_DIR, MAPPINGS_DIR
from tierslieux.release import BuildLayout

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent
PLACE = "https://w3id.org/tiers-lieux/id/place/"
LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
#: mapping, fixture, (read, imported, merged, rejected)
IMPORTS = [
    ("mediation-num", "mediation-num.csv", (5, 5, 0, 0)),
    ("spaceapi", "spaceapi.json", (3, 2, 0, 1)),
    ("fablabs-io", "fablabs-io.json", (3, 2, 0, 1)),
]


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, dict]:
    """A copy of data/ with the three network fixtures imported, and the second import of SpaceAPI under another name."""
    root = tmp_path_factory.mktemp("fixtures-build")
    data = root / "data"
    shutil.copytree(DATA_DIR, data)
    results = {}
    for name, fixture, _ in IMPORTS:
        result = run_import(MAPPINGS_DIR / f"{name}.yarrrml.yml", FIXTURES / fixture, data_dir=data)
        write_result(result, data)
        results[name] = result
    # The same export imported again by another mapping: its places are those of the first import.
    text = (MAPPINGS_DIR / "spaceapi.yarrrml.yml").read_text(encoding="utf-8")
    again = root / "spaceapi-again.yarrrml.yml"
    again.write_text(text.replace("name: spaceapi", "name: spaceapi-again")
                     .replace("networks/spaceapi.ttl", "networks/spaceapi-again.ttl")
                     .replace("dataset: spaceapi.dataset.ttl", f"dataset: {MAPPINGS_DIR / 'spaceapi.dataset.ttl'}"), encoding="utf-8")
    result = run_import(again, FIXTURES / "spaceapi.json", data_dir=data)
    write_result(result, data)
    results["spaceapi-again"] = result
    return data, results


@pytest.mark.parametrize(("name", "fixture", "counts"), IMPORTS)
def test_counts_add_up(imported, name, fixture, counts):
    result = imported[1][name]
    assert (result.read, result.imported, result.merged, result.rejected) == counts
    assert result.read == result.imported + result.merged + result.rejected


def test_a_second_import_of_the_same_export_reuses_the_first_imports_places(imported):
    first, again = imported[1]["spaceapi"], imported[1]["spaceapi-again"]
    places = lambda result: sorted(str(s) for s in result.graph.subjects() if str(s).startswith(PLACE))  # noqa: E731
    assert places(again) == places(first)
    assert PLACE + "tetalab-spaceapi" in places(again)  # the first import's new place, not a "-spaceapi-again" twin


def test_importing_the_same_export_again_writes_the_same_bytes(imported):
    """Re-importing is idempotent: matched against a data folder that now holds its own earlier output (and a second
    import of the same places), the same export gives the same IRIs and the same file, byte for byte."""
    data, results = imported
    written = data / "networks" / "spaceapi.ttl"
    before = written.read_bytes()
    again = run_import(MAPPINGS_DIR / "spaceapi.yarrrml.yml", FIXTURES / "spaceapi.json", data_dir=data)
    assert (again.read, again.imported, again.merged, again.rejected) == (3, 2, 0, 1)
    write_result(again, data)
    assert written.read_bytes() == before


def test_the_whole_graph_builds_with_every_import_and_one_latitude_per_place(imported, tmp_path):
    data, _ = imported
    layout = BuildLayout(tmp_path / "out")
    # The fast engine (tests/test_validation_scale.py holds it to pySHACL's results): 5 s instead of 25. It once
    # refused this graph: it read the resolved view back from the store, where "1"^^xsd:positiveInteger is an xsd:integer.
    result = build_release(layout.root, data_dir=data, engine="fast")
    assert result.outcome.conforms
    graphs = layout.manifest()["graphs"]
    assert {"https://w3id.org/tiers-lieux/graph/networks/" + n for n in ("mediation-num", "spaceapi", "fablabs-io")} <= set(graphs)
    assert str(RESOLVED_GRAPH) in graphs
    latitudes: dict[str, set[str]] = {}
    for triple in ox.parse(path=str(layout.dumps_dir / "tiers-lieux.nt"), format=ox.RdfFormat.N_TRIPLES):
        if triple.predicate.value == LAT:
            latitudes.setdefault(triple.subject.value, set()).add(triple.object.value)
    assert all(len(values) == 1 for values in latitudes.values())
    # La Coroutine (census, seed, mediation-num) and the Laboratoire Ouvert Lyonnais (census, SpaceAPI twice):
    # every source keeps its statement; the census's latitude is the published one.
    nquads = list(ox.parse(path=str(layout.dumps_dir / "tiers-lieux.nq"), format=ox.RdfFormat.N_QUADS))
    for slug, sources in (("la-coroutine", {"census/cget-2019", "networks/mediation-num"}),
                          ("laboratoire-ouvert-lyonnais", {"census/cget-2019", "networks/spaceapi", "networks/spaceapi-again"})):
        stated = {q.graph_name.value.rsplit("/graph/", 1)[-1]: q.object.value for q in nquads
                  if q.subject.value == PLACE + slug and q.predicate.value == LAT}
        assert set(stated) == sources | {"resolved"}, slug
        assert stated["resolved"] == stated["census/cget-2019"] == next(iter(latitudes[PLACE + slug]))
