"""Bad input to the importer: each problem is named with its file, row and field, good rows still
go in, the counts add up, --strict writes nothing, and the output is deterministic (issue 3)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from tierslieux.cli import main
from tierslieux.importing.issues import REJECTED, WARNING
from tierslieux.importing.pipeline import run_import
from tierslieux.namespaces import PLACE_KIND, TL
from tierslieux.paths import DATA_DIR, MAPPINGS_DIR
from tierslieux.rdfio import canonical_turtle

FIXTURES = Path(__file__).parent
BAD = FIXTURES / "cget-bad.csv"
MAPPING = MAPPINGS_DIR / "cget-2019.yarrrml.yml"
PLACE = "https://w3id.org/tiers-lieux/id/place/"


@pytest.fixture(scope="module")
def result():
    return run_import(MAPPING, BAD, data_dir=DATA_DIR)


def issues(result, severity, record):
    return [i for i in result.log.issues if i.severity == severity and i.record == record]


def test_counts_add_up(result):
    # 10 rows: 4 rejected (no coordinates, bad latitude, undecodable name, repeated id), 1 merged
    assert (result.read, result.imported, result.merged, result.rejected) == (10, 5, 1, 4)
    assert result.read == result.imported + result.merged + result.rejected
    assert result.counts_line() == "10 records read = 5 places imported + 1 merged into another + 4 rejected"


def test_row_without_coordinates(result):
    rejected = issues(result, REJECTED, "2")
    assert [(i.path, i.row, i.fields, i.message) for i in rejected] == [
        (str(BAD), "line 3", "LAT", "missing value (required)"),
        (str(BAD), "line 3", "LONG", "missing value (required)"),
    ]


def test_non_numeric_latitude(result):
    rejected = issues(result, REJECTED, "3")
    assert rejected[0].row == "line 4" and rejected[0].fields == "LAT"
    assert rejected[0].message == "latitude 'quarante-huit' is not a number"
    assert str(rejected[0]) == f"Rejected: {BAD}, line 4 (id 3), field LAT: latitude 'quarante-huit' is not a number"


def test_unreadable_encoding_rejects_only_that_row(result):
    rejected = issues(result, REJECTED, "6")
    assert [(i.row, i.fields) for i in rejected] == [("line 7", "NOM_TL")]
    assert "not valid text" in rejected[0].message


def test_repeated_identifier(result):
    rejected = issues(result, REJECTED, "7")
    assert [(i.row, i.fields, i.message) for i in rejected] == [("line 9", "ID", "identifier '7' already used by line 8")]
    assert (URIRef(PLACE + "le-doublon"), RDF.type, TL.ThirdPlace) in result.graph


def test_unknown_typology_is_a_warning_and_a_general_third_place(result):
    warning = [i for i in issues(result, WARNING, "4") if i.fields == "TYPO"]
    assert len(warning) == 1 and "'Tiers lieux à dominante jardin'" in warning[0].message and warning[0].row == "line 5"
    place = URIRef(PLACE + "le-jardin-des-possibles")
    assert set(result.graph.objects(place, TL.placeKind)) == {URIRef(str(PLACE_KIND) + "tiers-lieu")}


def test_personal_data_is_dropped(result):
    text = canonical_turtle(result.graph)
    for personal in ("jean.contact", "Jean Contact", "contact@espace-test.example", "Mme Martin", "DUPONT"):
        assert personal not in text
    place = URIRef(PLACE + "espace-test")
    assert {str(label) for label in result.graph.objects(place, RDFS.label)} == {"Espace Test"}
    assert result.graph.value(place, TL.website) is None
    fields = {i.fields for i in issues(result, WARNING, "5") if "personal data" in i.message}
    assert fields == {"NOM_TL", "ADRESSE", "WEB"}


def test_good_rows_are_imported(result):
    graph = result.graph
    assert (URIRef(PLACE + "la-coroutine"), RDF.type, TL.ThirdPlace) in graph
    assert (URIRef(PLACE + "la-cordee-a-morez"), RDF.type, TL.ThirdPlace) in graph


def _without_column(column: str, tmp_path: Path) -> Path:
    rows = list(csv.DictReader(io.StringIO(BAD.read_bytes().decode("utf-8", errors="replace"))))
    out = tmp_path / f"without-{column}.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        fields = [f for f in rows[0] if f != column]
        writer = csv.DictWriter(handle, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(r for r in rows if r["ID"] in ("1", "4"))
    return out


def test_missing_required_column_rejects_every_row(tmp_path):
    path = _without_column("LAT", tmp_path)
    result = run_import(MAPPING, path, data_dir=DATA_DIR)
    assert (result.read, result.imported, result.rejected) == (2, 0, 2)
    errors = [i for i in result.log.issues if i.fields == "LAT"]
    assert [(i.severity, i.path, i.message) for i in errors] == [
        ("Error", str(path), "required column missing from the file: every record is rejected")]


def test_missing_optional_column_is_a_warning(tmp_path):
    path = _without_column("TWITTER", tmp_path)
    result = run_import(MAPPING, path, data_dir=DATA_DIR)
    assert (result.read, result.imported, result.rejected) == (2, 2, 0)
    assert [(i.severity, i.fields) for i in result.log.issues if i.fields == "TWITTER"] == [("Warning", "TWITTER")]


def test_cli_strict_fails_and_writes_nothing(tmp_path):
    out = tmp_path / "out.ttl"
    run = CliRunner().invoke(main, ["import", "cget", str(BAD), "--strict", "--out", str(out)])
    assert run.exit_code == 1
    assert "--strict: 4 record(s) rejected; nothing written" in run.output
    assert not out.exists()


def test_cli_writes_turtle_report_and_counts(tmp_path):
    out = tmp_path / "out.ttl"
    run = CliRunner().invoke(main, ["import", "cget", str(BAD), "--out", str(out), "--progress"])
    assert run.exit_code == 0, run.output
    assert "10 records read = 5 places imported + 1 merged into another + 4 rejected" in run.output
    assert "merged record 8 ('La Cordée') into record 9 ('La Cordée à Morez', Morez)" in run.output
    assert f"Rejected: {BAD}, line 3 (id 2), field LAT: missing value (required)" in run.output
    assert "checking records" in run.output  # the progress bar (stderr is mixed into output by CliRunner)
    graph = Graph().parse(out)
    assert len(set(graph.subjects(RDF.type, TL.ThirdPlace))) == 5
    assert (tmp_path / "out-matches.csv").read_text(encoding="utf-8").startswith("place,label,status,records,commune,reason")


def test_same_input_same_bytes(tmp_path):
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    for out in (first, second):
        assert CliRunner().invoke(main, ["import", "cget", str(BAD), "--out", str(out), "--quiet"]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_unknown_mapping_name_is_a_usage_error():
    run = CliRunner().invoke(main, ["import", "nosuchnetwork", str(BAD)])
    assert run.exit_code == 2 and "no single mapping named 'nosuchnetwork'" in run.output
