"""Checks across fields (issue 15): personal data anywhere, swapped coordinates, decimal commas, a country filter,
and kinds from the words of a name when a source has no typology."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from tierslieux.importing.issues import REJECTED, WARNING
from tierslieux.importing.pipeline import run_import
from tierslieux.importing.plausibility import personal_data, position_issue
from tierslieux.importing.vocabulary import kinds_from_name
from tierslieux.paths import DATA_DIR, MAPPINGS_DIR

pytestmark = pytest.mark.slow  # imports matched against every place of data/ (4-5 s a test)

FIXTURES = Path(__file__).parent
MEDNUM = FIXTURES / "mediation-num.csv"


@pytest.mark.parametrize(("name", "kinds"), [
    ("Repair Café de l'Est", ["repair-cafe"]),
    ("Fab-Lab Lannion", ["fablab"]),
    ("Coworking & FabLab du Port", ["coworking", "fablab"]),
    ("Ressourcerie La Petite Rockette", ["tiers-lieu"]),
    ("EPN de Guéret", ["espace-public-numerique"]),
    ("Hacklab de Rennes", ["hackerspace"]),
    ("La Coroutine", ["tiers-lieu"]),  # no kind word: the table's * row
    ("Laboratoire Ouvert Lyonnais", ["tiers-lieu"]),  # "lab" alone is no kind word
])
def test_kinds_from_the_words_of_a_name(name, kinds):
    assert [k.rsplit("/", 1)[-1] for k in kinds_from_name(name)] == kinds


@pytest.mark.parametrize(("value", "kind"), [
    ("+33300000001", "a phone number"), ("03 20 00 00 00", "a phone number"), ("0033 6 12 34 56 78", "a phone number"),
    ("écrire à jeanne@tetalab.example", "an e-mail address"),
    ("21590350100011", None), ("50.629624", None), ("2023-01-15", None), ("Mo-Fr 09:00-18:00", None), ("@tetalab", None),
])
def test_personal_data_patterns(value, kind):
    assert personal_data(value) == kind


def test_positions_against_their_department():
    assert position_issue("45.2", "-12.8", "976")[1] is True  # Mayotte at latitude 45: swapped, refused
    assert position_issue("-12.8", "45.2", "976") is None
    assert position_issue("50.6", "3.06", "59") is None
    assert position_issue("16.2", "-61.5", "59") == (
        "the point (16.2, -61.5) lies far from department 59 (metropolitan France), its commune's department: check both", False)


def edited(tmp_path: Path, changes: dict[str, dict[str, str]]) -> Path:
    """The mediation-num fixture with some fields of some records (by id) changed."""
    rows = list(csv.DictReader(io.StringIO(MEDNUM.read_text(encoding="utf-8"))))
    for row in rows:
        row.update(changes.get(row["id"], {}))
    path = tmp_path / "edited.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_swapped_coordinates_decimal_commas_and_personal_data_are_reported_by_line_and_field(tmp_path):
    path = edited(tmp_path, {
        "mn-0001": {"latitude": "3.049036", "longitude": "50.619923"},  # swapped
        "mn-0002": {"latitude": "50,629624"},  # a decimal comma
        "mn-0003": {"nom": "EPN de Guéret, tél. 05 55 00 00 00"},  # a phone number in a required field: removed
        "mn-0005": {"presentation_resume": "Contact : jeanne@lannion.example"},  # an e-mail in free text
    })
    result = run_import(MAPPINGS_DIR / "mediation-num.yarrrml.yml", path, data_dir=DATA_DIR)
    assert (result.read, result.imported, result.rejected) == (5, 4, 1)
    assert result.read == result.imported + result.merged + result.rejected
    by = {(i.severity, i.row, i.fields): i.message for i in result.log.issues}
    assert "look swapped" in by[(REJECTED, "line 2", "latitude, longitude")]
    assert by[(WARNING, "line 3", "latitude")].startswith("latitude '50,629624' is written with a decimal comma; read as 50.629624")
    assert by[(WARNING, "line 4", "nom")] == "holds a phone number (personal data, never imported); removed from the value"
    assert by[(WARNING, "line 6", "presentation_resume")] == (
        "holds an e-mail address (personal data, never imported); removed from the value")
    text = result.graph.serialize(format="nt")
    assert "jeanne@lannion.example" not in text and "05 55 00 00 00" not in text
    assert '"EPN de Guéret, tél."@fr' in text  # the rest of the name is kept


def test_a_personal_identifier_rejects_the_record(tmp_path):
    path = edited(tmp_path, {"mn-0004": {"id": "jeanne@example.org"}})
    result = run_import(MAPPINGS_DIR / "mediation-num.yarrrml.yml", path, data_dir=DATA_DIR)
    assert [(i.row, i.fields, i.message) for i in result.log.of(REJECTED)] == [
        ("line 5", "id", "holds an e-mail address (personal data, never imported): the identifier cannot be kept")]


def test_a_country_filter_keeps_the_places_in_france(tmp_path):
    shutil.copy(MAPPINGS_DIR / "spaceapi.dataset.ttl", tmp_path)
    text = (MAPPINGS_DIR / "spaceapi.yarrrml.yml").read_text(encoding="utf-8")
    mapping = tmp_path / "spaceapi-fr.yarrrml.yml"
    mapping.write_text(text.replace("  record-id: space\n", "  record-id: space\n  country: {within: france}\n"), encoding="utf-8")
    spaces = (FIXTURES / "spaceapi.json").read_text(encoding="utf-8").replace('"lat": 43.6128, "lon": 1.4542', '"lat": 52.52, "lon": 13.40')
    data = tmp_path / "spaces.json"
    data.write_text(spaces, encoding="utf-8")
    result = run_import(mapping, data, data_dir=DATA_DIR)
    assert (result.read, result.imported, result.rejected) == (3, 1, 2)
    assert any(i.record == "Tetalab" and "outside France" in i.message for i in result.log.of(REJECTED))


def test_a_record_without_insee_code_gets_its_commune_from_postcode_and_name(tmp_path):
    from rdflib import URIRef

    from tierslieux.namespaces import TL, resource_iri

    path = edited(tmp_path, {"mn-0003": {"code_insee": ""}, "mn-0005": {"code_insee": "", "commune": "Nulle-Part"}})
    result = run_import(MAPPINGS_DIR / "mediation-num.yarrrml.yml", path, data_dir=DATA_DIR)
    assert result.imported == 5
    gueret = URIRef("https://w3id.org/tiers-lieux/id/place/espace-public-numerique-de-gueret")
    assert result.graph.value(gueret, TL.locality) == resource_iri("commune", "23096")
    from rdflib import Literal
    from rdflib.namespace import RDFS

    assert (resource_iri("commune", "23096"), RDFS.label, Literal("Guéret", lang="fr")) in result.graph  # byName: named too
    # a name that fits none of the communes sharing postcode 22300: kept without a commune, with a Warning saying why
    lannion = [i.message for i in result.log.of(WARNING) if i.row == "line 6"]
    assert any("name 'Nulle-Part'" in m and "postcode shared by" in m for m in lannion), lannion
