"""Official French reference data (Etalab's découpage administratif, INSEE's COG): the committed tables, their
conversion, and a commune's INSEE code from a postcode and a name."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from tierslieux.importing.cleaning import collecting_notes, stop_collecting
from tierslieux.importing.geo_fr import choose_commune, communes, departments, regions, resolve_commune
from tierslieux.importing.issues import CleaningIssue
from tierslieux.importing.reference import ETALAB_VERSION, convert
from tierslieux.namespaces import TL
from tierslieux.paths import DATA_DIR, MAPPINGS_DIR

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("postcode", "name", "department", "code"), [
    ("59000", "Lille", None, "59350"),
    ("97600", "Mamoudzou", None, "97611"),  # overseas
    ("97500", "Saint-Pierre", None, "97502"),  # a postcode two communes share: the name tells them apart
    ("97500", "Miquelon-Langlade", None, "97501"),
    ("75011", "Paris", None, "75056"),  # an arrondissement's postcode: the city
    ("69001", "Lyon 1er Arrondissement", None, "69123"),
    ("01120", "Cordieux", None, "01262"),  # a former commune: the current one it is part of
    ("42100", "St-Étienne", None, "42218"),  # St written out, accents ignored
    (None, "Guéret", "23", "23096"),  # no postcode: the name in the department
])
def test_a_commune_from_its_postcode_and_name(postcode, name, department, code):
    assert resolve_commune(postcode, name, department) == code


def test_a_shared_postcode_without_a_matching_name_is_no_commune():
    with pytest.raises(CleaningIssue, match="postcode shared by 2 communes, none named so") as raised:
        resolve_commune("97500", "Nulle-Part")
    assert raised.value.reject is False  # the place is kept, without a commune


def test_a_misspelt_name_with_a_postcode_of_one_commune_gives_it_with_a_note():
    notes, token = collecting_notes()
    try:
        assert resolve_commune("59100", "Roubais") == "59512"
    finally:
        stop_collecting(token)
    assert notes == ["commune 'Roubais' is not the name of postcode 59100's commune; its only commune, 59512, is used"]


def test_the_former_name_a_commune_nouvelle_begins_with_gives_it_with_a_note():
    notes, token = collecting_notes()
    try:
        assert resolve_commune("71500", "LOUHANS") == "71263"  # Louhans-Châteaurenaud, among 11 communes of 71500
        assert resolve_commune("44150", "Ancenis") == "44003"  # Ancenis-Saint-Géréon
    finally:
        stop_collecting(token)
    assert notes[0] == ("commune 'LOUHANS' is not the name of a commune of postcode 71500; 'Louhans-Châteaurenaud' (71263), "
                        "the only one whose name begins with it, is used")
    # Two communes begin with the name: nothing is guessed.
    with pytest.raises(CleaningIssue, match="postcode shared by 10 communes, none named so"):
        resolve_commune("58120", "Château-Chinon")


def test_a_code_given_wins_and_a_name_only_fills_a_missing_code():
    assert choose_commune("59350", None, "59000", None, "Roubaix") == ("59350", 0)
    assert choose_commune(None, None, "59100", None, "Roubaix") == ("59512", 0)


@pytest.mark.slow  # reads the whole census
def test_the_tables_hold_every_census_commune_and_hang_together():
    by_postcode, by_name = communes()
    entries = [c for found in by_name.values() for c in found]
    current = {c.code for c in entries if c.type == "commune-actuelle"}
    former = {c.code: c.parent for c in entries if c.type != "commune-actuelle"}
    census = Graph().parse(DATA_DIR / "census/cget-2019.ttl")
    codes = {str(o) for s in census.subjects(RDF.type, TL.Commune) for o in census.objects(s, TL.inseeCode)}
    assert len(codes) > 600 and codes <= current | set(former)
    # four of the 2019 census's communes have since merged into communes nouvelles: known, as former communes
    assert sorted(codes - current) == ["16226", "49019", "69152", "85217"]
    assert all(former[code] in current for code in codes - current)
    assert set(departments()) >= {"01", "2A", "2B", "971", "976"}
    assert all(d.region in regions() for d in departments().values())
    assert len(by_postcode) > 6000


def test_convert_writes_the_tables_from_the_package(tmp_path):
    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": ETALAB_VERSION}), encoding="utf-8")
    (package / "data/communes.json").write_text(json.dumps([
        {"code": "13201", "nom": "Marseille 1er Arrondissement", "type": "arrondissement-municipal", "commune": "13055",
         "departement": "13", "region": "93", "codesPostaux": ["13001"]},
        {"code": "01120", "nom": "Cordieux", "type": "commune-associee", "chefLieu": "01262", "departement": "01", "region": "84"},
    ]), encoding="utf-8")
    (package / "data/departements.json").write_text(json.dumps([{"code": "13", "nom": "Bouches-du-Rhône", "region": "93"}]), encoding="utf-8")
    (package / "data/regions.json").write_text(json.dumps([{"code": "93", "nom": "Provence-Alpes-Côte d'Azur"},
                                                          {"code": "94", "nom": "Corse"}]), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "regions.csv").write_text("code,name_fr,name_en\n94,Corse,Corsica\n", encoding="utf-8")
    assert convert(package, out) == {"communes": 2, "departments": 1, "regions": 2}
    assert (out / "communes.csv").read_text(encoding="utf-8").splitlines() == [
        "code,name,type,department,region,parent,postcodes",
        "01120,Cordieux,commune-associee,01,84,01262,",
        "13201,Marseille 1er Arrondissement,arrondissement-municipal,13,93,13055,13001",
    ]
    assert list(csv.DictReader((out / "regions.csv").open(encoding="utf-8")))[1] == {"code": "94", "name_fr": "Corse", "name_en": "Corsica"}
    (package / "package.json").write_text(json.dumps({"version": "0.1.0"}), encoding="utf-8")
    with pytest.raises(ValueError, match="expected 6.0.0"):
        convert(package, out)


def test_the_makefile_pins_the_version_the_converter_expects():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert f"ETALAB_VERSION := {ETALAB_VERSION}\n" in makefile
    assert "npm pack --silent @etalab/decoupage-administratif@$(ETALAB_VERSION)" in makefile
    assert (MAPPINGS_DIR / "reference/README.md").read_text(encoding="utf-8").count("MIT") >= 1
