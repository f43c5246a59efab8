"""The importer as a tool people trust (issue 15): no silent merge of rows, no good output replaced by a worse one,
a dry run that writes nothing, and ``validate FILE`` judging a file with what it depends on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import RDF

from tierslieux.cli import main
from tierslieux.importing.existing import read_files
from tierslieux.importing.issues import ImportFailure
from tierslieux.importing.pipeline import run_import
from tierslieux.namespaces import TL
from tierslieux.paths import DATA_DIR, MAPPINGS_DIR

from .test_import_bad_input import _without_column

pytestmark = pytest.mark.slow  # imports matched against every place of data/ (2-3 s a test)

FIXTURES = Path(__file__).parent
BAD = FIXTURES / "cget-bad.csv"
MEDNUM = FIXTURES / "mediation-num.csv"


def rows_of(path: Path, *ids: str) -> list[str]:
    lines = path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    return [lines[0]] + [line for line in lines[1:] if line.split(",", 1)[0] in ids]


def places(path: Path) -> int:
    return len(set(Graph().parse(path).subjects(RDF.type, TL.ThirdPlace)))


def test_data_is_read_again_once_one_of_its_files_changed(tmp_path):
    data = tmp_path / "data"
    path = data / "curated" / "places.ttl"
    path.parent.mkdir(parents=True)
    place = "<https://w3id.org/tiers-lieux/id/place/{}> <http://www.w3.org/2000/01/rdf-schema#label> \"{}\" .\n"
    path.write_text(place.format("la-ruche", "La Ruche"), encoding="utf-8")
    first = read_files([path], data)
    assert read_files([path], data) is first  # unchanged: read once
    path.write_text(place.format("la-ruche", "La Riche"), encoding="utf-8")  # same size
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    second = read_files([path], data)
    assert second is not first and {str(o) for o in second.graph.objects()} == {"La Riche"}
    path.write_text(place.format("la-ruche", "La Ruche") + place.format("la-coroutine", "La Coroutine"), encoding="utf-8")
    assert len(read_files([path], data).graph) == 2


def test_an_unbalanced_quote_is_refused_with_the_file_and_lines(tmp_path):
    lines = rows_of(MEDNUM, "mn-0001", "mn-0002", "mn-0003")
    lines[1] = lines[1].replace(",La Coroutine,", ',"La Coroutine,')  # the quote is never closed on its line
    path = tmp_path / "unbalanced.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailure, match=rf"{path}, line 2: .*(not closed before line \d|quote left open)"):
        run_import(MAPPINGS_DIR / "mediation-num.yarrrml.yml", path, data_dir=DATA_DIR)


def test_a_field_on_two_lines_is_still_read(tmp_path):
    lines = rows_of(MEDNUM, "mn-0001")
    lines[1] = lines[1].replace(",8 rue Molière,", ',"8 rue Molière\nbâtiment B",')
    path = tmp_path / "two-lines.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(MAPPINGS_DIR / "mediation-num.yarrrml.yml", path, data_dir=DATA_DIR)
    assert (result.read, result.imported, result.rejected) == (1, 1, 0)


def test_every_record_rejected_exits_1_and_keeps_the_previous_output(tmp_path):
    path = _without_column("LAT", tmp_path)  # two records, both without their required latitude
    out = tmp_path / "out.ttl"
    out.write_text("# the previous, good output\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["import", "cget", str(path), "--out", str(out), "--quiet"])
    assert run.exit_code == 1, run.output
    assert f"every record of {path} was rejected (2 of 2); nothing written" in run.output
    assert out.read_text(encoding="utf-8") == "# the previous, good output\n"


def test_a_worse_output_is_replaced_only_with_force(tmp_path):
    out = tmp_path / "out.ttl"
    assert CliRunner().invoke(main, ["import", "cget", str(BAD), "--out", str(out), "--quiet"]).exit_code == 0
    assert places(out) == 5
    fewer = tmp_path / "fewer.csv"
    fewer.write_text("\n".join(rows_of(BAD, "1")) + "\n", encoding="utf-8", errors="surrogateescape")
    before = out.read_bytes()
    run = CliRunner().invoke(main, ["import", "cget", str(fewer), "--out", str(out), "--quiet"])
    assert run.exit_code == 1 and f"{out} describes 5 places and this import 1: not replaced" in run.output
    assert out.read_bytes() == before
    assert CliRunner().invoke(main, ["import", "cget", str(fewer), "--out", str(out), "--quiet", "--force"]).exit_code == 0
    assert places(out) == 1


def test_dry_run_reports_what_the_build_would_say_and_writes_nothing(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR / "curated", data / "curated")
    run = CliRunner().invoke(main, ["import", "mediation-num", str(MEDNUM), "--data-dir", str(data), "--dry-run", "--quiet"])
    assert run.exit_code == 0, run.output
    assert "dry run: The graph conforms" in run.output
    assert "the import would be the graph <https://w3id.org/tiers-lieux/graph/networks/mediation-num>" in run.output
    assert not (data / "networks").exists()


def test_validate_a_single_file_has_no_false_violations_from_what_it_refers_to():
    run = CliRunner().invoke(main, ["validate", str(DATA_DIR / "curated/seed-004.ttl")])
    assert run.exit_code == 0, run.output
    assert "dct:source must name" not in run.output


def test_validate_a_single_file_still_reports_its_own_violations(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .\n"
                   "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                   "<https://w3id.org/tiers-lieux/id/place/x> a tl:ThirdPlace ; rdfs:label \"X\"@fr, \"X\"@en ;\n"
                   "    tl:locality <https://w3id.org/tiers-lieux/id/commune/59350> .\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["validate", str(bad)])
    assert run.exit_code == 1
    assert "place:x" in run.output and "Missing kind" in run.output
    assert "tl:locality must name" not in run.output  # the commune is described in the census: found as context


def mapping_variant(tmp_path: Path, name: str, record_id: str, header: bool) -> Path:
    """The mediation-num mapping under another name, identifying records by ``record_id``, for a file with or without header."""
    shutil.copytree(MAPPINGS_DIR / "typology", tmp_path / "typology", dirs_exist_ok=True)
    shutil.copy(MAPPINGS_DIR / "mediation-num.dataset.ttl", tmp_path)
    text = (MAPPINGS_DIR / "mediation-num.yarrrml.yml").read_text(encoding="utf-8")
    columns = MEDNUM.read_text(encoding="utf-8").splitlines()[0].split(",")
    profile = f"  record-id: {record_id}\n" + ("" if header else f"  columns: [{', '.join(columns)}]\n")
    text = (text.replace("  record-id: id\n", profile).replace("name: mediation-num", f"name: {name}")
            .replace("$(id)", "$(tierslieux_record)").replace("networks/mediation-num.ttl", f"networks/{name}.ttl"))
    path = tmp_path / f"{name}.yarrrml.yml"
    path.write_text(text, encoding="utf-8")
    return path


def identifiers(result) -> list[str]:
    from rdflib.namespace import DCTERMS

    return sorted(str(o) for o in result.graph.objects(None, DCTERMS.identifier))


def test_a_headerless_csv_with_records_identified_by_their_row_number(tmp_path):
    mapping = mapping_variant(tmp_path, "mednum-headerless", '"#row"', header=False)
    body = tmp_path / "headerless.csv"
    body.write_text("\n".join(MEDNUM.read_text(encoding="utf-8").splitlines()[1:]) + "\n", encoding="utf-8")
    result = run_import(mapping, body, data_dir=DATA_DIR)
    assert (result.read, result.imported, result.merged, result.rejected) == (5, 5, 0, 0)
    assert identifiers(result) == [f"mediation-num:{n}" for n in range(1, 6)]
    assert any(str(s).endswith("/place/la-coroutine") for s in result.graph.subjects())  # still matched with the census


def test_records_identified_by_several_fields(tmp_path):
    mapping = mapping_variant(tmp_path, "mednum-composite", "[nom, commune]", header=True)
    result = run_import(mapping, MEDNUM, data_dir=DATA_DIR)
    assert result.imported == 5
    assert "mediation-num:La Coroutine | Lille" in identifiers(result)
