"""The likely duplicates report (issue 15): same-name places the rules kept apart, for a reviewer.

A hand-made data folder covers each reason and the pairs that must not be listed; the report of
the whole data folder (``tierslieux duplicates``) and an import's own report (beside its match
report) are checked row by row; the real data folder gives a stable report with properties that
hold of every row, and a known pair of the census.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tierslieux.cli import main
from tierslieux.importing.likely_duplicates import HEADER, data_folder_duplicates, report_csv
from tierslieux.importing.pipeline import duplicates_path
from tierslieux.matching.geo import distance_km
from tierslieux.paths import DATA_DIR

from ..conftest import REPO_ROOT

PREFIXES = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix place: <https://w3id.org/tiers-lieux/id/place/> .
@prefix commune: <https://w3id.org/tiers-lieux/id/commune/> .
"""
#: curated/a.ttl: the first description of each pair, and the communes. Points that differ only in latitude
#: are apart by a distance computed by hand: 1° of latitude is 6371.0088 km · π/180 = 111,195.08 m.
CURATED = PREFIXES + """
commune:59350 a tl:Commune ; rdfs:label "Lille"@fr ; tl:inseeCode "59350" .
commune:69123 a tl:Commune ; rdfs:label "Lyon"@fr ; tl:inseeCode "69123" .
commune:69383 a tl:Commune ; rdfs:label "Lyon 3e Arrondissement"@fr ; tl:inseeCode "69383" .
commune:39367 a tl:Commune ; rdfs:label "Morez"@fr ; tl:inseeCode "39367" .
commune:75056 a tl:Commune ; rdfs:label "Paris"@fr ; tl:inseeCode "75056" .
<https://w3id.org/tiers-lieux/id/locality/berlin> a tl:Locality ; rdfs:label "Berlin"@fr .

place:ruche-lille a tl:ThirdPlace ; rdfs:label "La Ruche"@fr ; tl:locality commune:59350 ;
    wgs84:lat 50.6300 ; wgs84:long 3.0600 .
place:hangar a tl:ThirdPlace ; rdfs:label "Le Hangar"@fr ; tl:locality commune:59350 ;
    wgs84:lat 50.6300 ; wgs84:long 3.0600 .
place:coroutine a tl:ThirdPlace ; rdfs:label "La Coroutine"@fr ; tl:locality commune:59350 ;
    wgs84:lat 50.6200 ; wgs84:long 3.0500 .
place:cordee-lyon a tl:ThirdPlace ; rdfs:label "La Cordée"@fr ; tl:locality commune:69123 ;
    wgs84:lat 45.7600 ; wgs84:long 4.8400 .
place:mutinerie a tl:ThirdPlace ; rdfs:label "Mutinerie"@fr .
place:bureau-berlin a tl:ThirdPlace ; rdfs:label "Le Bureau"@fr ;
    tl:locality <https://w3id.org/tiers-lieux/id/locality/berlin> ; wgs84:lat 52.52 ; wgs84:long 13.40 .
"""
#: networks/b.ttl: the other descriptions, as an earlier import would have written them.
NETWORK = PREFIXES + """
place:ruche-lille-bis a tl:ThirdPlace ; rdfs:label "La Ruche"@fr ; tl:locality commune:59350 ;
    wgs84:lat 50.6303 ; wgs84:long 3.0600 .
place:coroutine-bis a tl:ThirdPlace ; rdfs:label "La Coroutine"@fr ; tl:locality commune:59350 .
place:cordee-lyon-3 a tl:ThirdPlace ; rdfs:label "La Cordée"@fr ; tl:locality commune:69383 ;
    wgs84:lat 45.7700 ; wgs84:long 4.8400 .
place:cordee-morez a tl:ThirdPlace ; rdfs:label "La Cordée à Morez"@fr ; tl:locality commune:39367 ;
    wgs84:lat 46.5200 ; wgs84:long 4.8400 .
place:mutinerie tl:website <https://www.mutinerie.example> .
place:mutinerie-paris a tl:ThirdPlace ; rdfs:label "Mutinerie"@fr ; tl:locality commune:75056 ;
    wgs84:lat 48.8800 ; wgs84:long 2.3700 .
place:bureau-abidjan a tl:ThirdPlace ; rdfs:label "Le Bureau"@fr ; wgs84:lat 5.36 ; wgs84:long 13.40 .
"""
P = "https://w3id.org/tiers-lieux/id/place/"
A, B = "tlg:curated/a", "tlg:networks/b"
#: Every row the fixture must give, in order. Not listed: La Ruche twice in Lille 33 m apart (the rules merge
#: them), La Coroutine twice in Lille with one point missing (the matcher decides on name and commune), Le Hangar
#: (no namesake, though at the very point of a Ruche).
EXPECTED = [
    HEADER,
    ["bureau", P + "bureau-abidjan", "Le Bureau", "", B, P + "bureau-berlin", "Le Bureau", "", A,
     "5243960", "no commune on either side; more than 100 m apart"],  # 47.16° of latitude: 5,243,960.0 m
    ["cordee", P + "cordee-lyon", "La Cordée", "69123", A, P + "cordee-lyon-3", "La Cordée", "69383", B,
     "1112", "more than 100 m apart, same commune"],  # Lyon and its 3rd arrondissement are one commune
    ["cordee", P + "cordee-lyon", "La Cordée", "69123", A, P + "cordee-morez", "La Cordée à Morez", "39367", B,
     "84508", "more than 100 m apart, communes differ"],  # "à Morez" in Morez: the same name key
    ["cordee", P + "cordee-lyon-3", "La Cordée", "69383", B, P + "cordee-morez", "La Cordée à Morez", "39367", B,
     "83396", "more than 100 m apart, communes differ"],
    ["mutinerie", P + "mutinerie", "Mutinerie", "", f"{A} {B}", P + "mutinerie-paris", "Mutinerie", "75056", B,
     "", "no commune on one side"],
]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder of two sources holding every case of the rule."""
    folder = tmp_path / "data"
    for relative, text in {"curated/a.ttl": CURATED, "networks/b.ttl": NETWORK}.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    return folder


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_fixture_gives_exactly_the_expected_rows(data):
    assert rows(report_csv(data_folder_duplicates(data))) == EXPECTED


def test_the_command_writes_the_whole_data_folder_report_and_prints_its_path(data, tmp_path):
    out = tmp_path / "reports" / "likely-duplicates.csv"
    run = CliRunner().invoke(main, ["duplicates", "--data-dir", str(data), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert rows(out.read_text(encoding="utf-8")) == EXPECTED
    assert f"5 likely duplicate(s) written to {out}" in run.output
    assert "     2  more than 100 m apart, communes differ" in run.output
    assert not list(out.parent.glob(".*"))  # written through a temporary file that was renamed


def test_a_pair_comes_out_when_it_is_merged_by_the_rule(data):
    """The Ruche pair is left out by the rule alone: 100 m further, it is listed."""
    text = (data / "networks/b.ttl").read_text(encoding="utf-8").replace("wgs84:lat 50.6303", "wgs84:lat 50.6313")
    (data / "networks/b.ttl").write_text(text, encoding="utf-8")
    ruche = [r for r in rows(report_csv(data_folder_duplicates(data))) if r[0] == "ruche"]
    assert ruche == [["ruche", P + "ruche-lille", "La Ruche", "59350", A, P + "ruche-lille-bis", "La Ruche", "59350", B,
                      "145", "more than 100 m apart, same commune"]]  # 0.0013° of latitude: 144.6 m


def test_a_malformed_source_is_named_and_exits_2(data, tmp_path):
    (data / "networks/b.ttl").write_text(PREFIXES + "place:x a tl:ThirdPlace ;\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["duplicates", "--data-dir", str(data), "--out", str(tmp_path / "x.csv")])
    assert run.exit_code == 2
    assert "networks/b.ttl" in run.output and not (tmp_path / "x.csv").exists()


MEDNUM_HEADER = (REPO_ROOT / "tests/importing/mediation-num.csv").read_text(encoding="utf-8").splitlines()[0]


def test_an_import_writes_its_likely_duplicates_beside_its_match_report(data, tmp_path):
    """Records of an import against the places of data/: a namesake far away is listed, a matched record is not."""
    columns = MEDNUM_HEADER.split(",")
    records = [
        {"id": "mn-1", "nom": "La Cordée", "commune": "Marseille", "code_postal": "13001", "code_insee": "13055",
         "latitude": "43.2965", "longitude": "5.3698", "typologie": "TIERS_LIEUX"},
        {"id": "mn-2", "nom": "Le Hangar", "commune": "Lille", "code_postal": "59000", "code_insee": "59350",
         "latitude": "50.6300", "longitude": "3.0600", "typologie": "TIERS_LIEUX"},
    ]
    source = tmp_path / "mednum.csv"
    source.write_text(MEDNUM_HEADER + "\n" + "".join(",".join(r.get(c, "") for c in columns) + "\n" for r in records),
                      encoding="utf-8")
    out = tmp_path / "out" / "mednum.ttl"
    run = CliRunner().invoke(main, ["import", "mediation-num", str(source), "--data-dir", str(data), "--out", str(out),
                                    "--quiet"])
    assert run.exit_code == 0, run.output
    report = out.with_name("mednum-likely-duplicates.csv")
    assert duplicates_path(out.with_name("mednum-matches.csv")) == report
    found = rows(report.read_text(encoding="utf-8"))
    marseille = (43.2965, 5.3698)
    ours = next(r[1] for r in found[1:])
    assert ours.startswith(P + "la-cordee")  # a new place: the namesakes are too far to be matched
    assert found == [HEADER] + [
        ["cordee", ours, "La Cordée", "13055", "tlg:networks/mediation-num", P + other, label, code, B if other != "cordee-lyon" else A,
         str(round(1000 * distance_km(marseille, point))), "more than 100 m apart, communes differ"]
        for other, label, code, point in [("cordee-lyon", "La Cordée", "69123", (45.76, 4.84)),
                                          ("cordee-lyon-3", "La Cordée", "69383", (45.77, 4.84)),
                                          ("cordee-morez", "La Cordée à Morez", "39367", (46.52, 4.84))]
    ]  # Le Hangar took the IRI of the place it matched, which has no namesake: not listed
    assert "3 likely duplicate(s): imported places with the name of a place already in data/" in run.output
    assert f"listed in {report}" in run.output


@pytest.fixture(scope="module")
def real_duplicates() -> list:
    """The likely duplicates of the repository's data folder (census and curated data), found in this process."""
    return data_folder_duplicates(DATA_DIR)


@pytest.fixture(scope="module")
def real_report(real_duplicates) -> str:
    """Their CSV report."""
    return report_csv(real_duplicates)


@pytest.mark.slow  # the report on the whole of data/, census included
def test_the_real_data_report_holds_only_same_name_pairs_kept_apart(real_duplicates, real_report):
    for duplicate in real_duplicates:
        first, second = duplicate.first.place, duplicate.second.place
        assert duplicate.key and duplicate.key in first.keys and duplicate.key in second.keys, duplicate
        assert str(first.node) != str(second.node)
    found = rows(real_report)
    assert found[0] == HEADER and len(found) > 1
    body = found[1:]
    assert body == sorted(body, key=lambda r: (r[0], r[1], r[5]))
    assert len({(r[1], r[5]) for r in body}) == len(body)  # each pair once
    for key, iri, label, code, sources, other, other_label, other_code, other_sources, distance, reason in body:
        assert iri < other, (iri, other)
        assert sources.startswith("tlg:") and other_sources.startswith("tlg:")
        if reason.startswith("no commune"):
            assert not code or not other_code, (iri, other)
        else:
            assert code and other_code and int(distance) > 100, (iri, other, distance)
        if "more than 100 m apart" in reason:
            assert int(distance) > 100


@pytest.mark.slow  # the report on the whole of data/, census included
def test_the_real_data_report_lists_a_known_census_pair(real_report):
    # The census lists "1624 Cowork'in Lille" and "1624 COWORKIN'LILLE", both in Lille, 3.4 km apart.
    lille = [r for r in rows(real_report) if r[0] == "1624coworkin"]
    assert [r[2:5] + r[6:] for r in lille] == [
        ["1624 Cowork'in Lille", "59350", "tlg:census/cget-2019", "1624 COWORKIN'LILLE", "59350", "tlg:census/cget-2019",
         "3352", "more than 100 m apart, same commune"]]
    # and a curated place without a commune next to its census namesakes
    assert any(r[0] == "arretminute" and r[9] == "" and r[10] == "no commune on one side" for r in rows(real_report))


@pytest.mark.slow  # the report on the whole of data/, census included
def test_the_real_data_report_is_the_same_from_another_process(real_report, tmp_path):
    """No order depends on the process (set iteration, hash seeds): a second process writes the same bytes."""
    out = tmp_path / "likely-duplicates.csv"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src"), "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-m", "tierslieux", "duplicates", "--out", str(out)],
                          check=False, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == real_report
    assert f"{len(rows(real_report)) - 1} likely duplicate(s) written to {out}" in done.stdout
