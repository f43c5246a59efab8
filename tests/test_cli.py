"""The validate, build and format commands: outputs and exit codes, good and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import SH

from tierslieux.build.builder import BuildRefused, build_release
from tierslieux.cli import main
from tierslieux.paths import DATA_DIR
from tierslieux.release import BuildLayout

from .conftest import MINI_BAD_DATA, MINI_SHAPES, REPO_ROOT


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


# --- validate -----------------------------------------------------------------


@pytest.mark.slow  # pySHACL on real files: 3-6 s
def test_validate_conforming_files_exits_0(runner):
    # The curated files (the census alone takes 25 s more; tests/test_repository.py validates the whole graph).
    result = invoke(runner, "validate", *sorted((DATA_DIR / "curated").glob("*.ttl")))
    assert result.exit_code == 0, result.output
    assert "The graph conforms: 0 violation(s)" in result.output


@pytest.mark.slow  # pySHACL on real files: 3-6 s
def test_validate_non_conforming_file_exits_1(runner, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(MINI_BAD_DATA, encoding="utf-8")
    result = runner.invoke(main, ["validate", "--lang", "fr", str(bad)])
    assert result.exit_code == 1
    assert "place:sans-nom" in result.output and "NON conforme" in result.output


def test_validate_reports_the_failing_resource_in_english_and_french(runner, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(MINI_BAD_DATA, encoding="utf-8")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(MINI_SHAPES, encoding="utf-8")
    from tierslieux.validation import format_report, load_graph, validate_graph

    outcome = validate_graph(load_graph([bad]), shapes=load_graph([shapes]), model=Graph())
    assert not outcome.conforms
    [result] = outcome.results
    assert str(result.focus_node) == "https://w3id.org/tiers-lieux/id/place/sans-nom"
    assert str(result.path) == "http://www.w3.org/2000/01/rdf-schema#label"
    assert result.severity == SH.Violation
    english = format_report(outcome, "en")
    french = format_report(outcome, "fr")
    assert "place:sans-nom\n  Violation [rdfs:label]: A third place must have a name." in english
    assert "place:sans-nom\n  Violation [rdfs:label]: Un tiers-lieu doit avoir un nom." in french
    assert "does NOT conform" in english and "NON conforme" in french


def test_validate_malformed_turtle_names_file_line_and_column(runner, tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "open .\n', encoding="utf-8")
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3:18:" in result.output
    assert "Traceback" not in result.output


def test_validate_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path / "nope.ttl")])
    assert result.exit_code == 2
    assert "nope.ttl: cannot read the file" in result.output


def test_validate_non_utf8_file_exits_2(runner, tmp_path):
    bad = tmp_path / "latin1.ttl"
    bad.write_bytes('@prefix ex: <http://example.org/> .\nex:a ex:b "Arrêt" .\n'.encode("latin-1"))
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:2:" in result.output and "not valid UTF-8" in result.output


@pytest.mark.slow  # pySHACL on real files: 3-6 s
def test_validate_can_print_the_report_graph(runner, mini_repo):
    result = invoke(runner, "validate", "--format", "turtle", mini_repo / "data/curated/places.ttl")
    report = Graph().parse(data=result.output, format="turtle")
    assert (None, SH.conforms, None) in report


@pytest.mark.slow  # pySHACL on real files: 3-6 s
def test_validate_whole_graph_by_default(runner, tmp_path, monkeypatch):
    """Without PATHS, ``validate`` judges every source file: here the ontology and the curated data (the whole graph's
    conformance, census included, is tests/test_repository.py's)."""
    from tierslieux.build.sources import SourceFile, all_source_files
    from tierslieux.commands import validate as validate_command

    shutil.copytree(REPO_ROOT / "data" / "curated", tmp_path / "data" / "curated")
    files = all_source_files(data_dir=tmp_path / "data")
    monkeypatch.setattr(validate_command, "all_source_files", lambda: files)
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "The graph conforms" in result.output
    (tmp_path / "bad.ttl").write_text(MINI_BAD_DATA, encoding="utf-8")
    files.append(SourceFile(tmp_path / "bad.ttl", files[0].graph))
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 1 and "sans-nom" in result.output


# --- build --------------------------------------------------------------------


def build_args(repo: Path, out: Path) -> list:
    return ["build", "--out", out, "--ontology-dir", repo / "ontology", "--shapes-dir", repo / "shapes", "--data-dir", repo / "data"]


#: The statistics graph of the mini repository's one place (build/statistics.py): the coverage dataset (its type and two
#: labels) and observation (type, dataset, three measures), and the places-per-region dataset (3) and its observation of
#: places with no region (type, dataset, two measures).
STATISTICS_TRIPLES_OF_ONE_PLACE = 3 + 5 + 3 + 4


def test_build_publishes_store_dumps_and_manifest(runner, mini_repo, tmp_path):
    out = tmp_path / "build"
    result = invoke(runner, *build_args(mini_repo, out))
    assert result.exit_code == 0, result.output
    layout = BuildLayout(out)
    manifest = layout.manifest()
    # the statistics of one place with no kind, region, year or network: its coverage and its "no region" count
    statistics = STATISTICS_TRIPLES_OF_ONE_PLACE
    assert manifest["graphs"] == {
        "https://w3id.org/tiers-lieux/graph/curated/places": 2,
        "https://w3id.org/tiers-lieux/graph/ontology": 3,
        "https://w3id.org/tiers-lieux/graph/statistics": statistics,
    }
    assert manifest["triples"] == 5 + statistics
    assert sorted(manifest["dumps"]) == sorted(f"tiers-lieux.{s}" for s in ("trig", "nq", "ttl", "nt", "jsonld", "rdf"))
    store = ox.Store.read_only(str(layout.store_dir))
    labels = [s["l"].value for s in store.query("SELECT ?l { ?p a <https://w3id.org/tiers-lieux/ontology#ThirdPlace> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }", use_default_graph_as_union=True)]
    assert labels == ["La Coroutine"]
    for name in manifest["dumps"]:
        path = layout.dumps_dir / name
        fmt = ox.RdfFormat.from_extension(path.suffix[1:])
        assert len(list(ox.parse(path=str(path), format=fmt))) == 5 + statistics, name


def test_build_if_needed_skips_an_unchanged_graph_and_rebuilds_a_changed_one(runner, mini_repo, tmp_path):
    out = tmp_path / "build"
    invoke(runner, *build_args(mini_repo, out))
    first = BuildLayout(out).current.resolve()
    result = invoke(runner, *build_args(mini_repo, out), "--if-needed")
    assert "up to date" in result.output and BuildLayout(out).current.resolve() == first
    data = mini_repo / "data/curated/places.ttl"
    data.write_text(data.read_text() + '<https://w3id.org/tiers-lieux/id/place/la-coroutine> <http://www.w3.org/2000/01/rdf-schema#label> "La Coroutine"@en .\n')
    result = invoke(runner, *build_args(mini_repo, out), "--if-needed")
    assert f"built {6 + STATISTICS_TRIPLES_OF_ONE_PLACE} triples" in result.output
    assert BuildLayout(out).current.resolve() != first


def test_build_refuses_a_graph_that_does_not_conform_and_keeps_the_release(runner, mini_repo, tmp_path):
    out = tmp_path / "build"
    invoke(runner, *build_args(mini_repo, out))
    before = BuildLayout(out).current.resolve()
    before_manifest = BuildLayout(out).manifest()
    (mini_repo / "data/curated/bad.ttl").write_text(MINI_BAD_DATA, encoding="utf-8")
    result = runner.invoke(main, [str(a) for a in build_args(mini_repo, out)])
    assert result.exit_code == 1
    assert "place:sans-nom" in result.output and "build refused" in result.output
    assert BuildLayout(out).current.resolve() == before
    assert BuildLayout(out).manifest() == before_manifest
    assert not [p for p in (out / "releases").iterdir() if p.name.startswith(".")], "no half-written release is left behind"


def test_build_refuses_malformed_turtle_with_its_position(runner, mini_repo, tmp_path):
    (mini_repo / "data/curated/broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    result = runner.invoke(main, [str(a) for a in build_args(mini_repo, tmp_path / "build")])
    assert result.exit_code == 2
    assert "broken.ttl:1:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "build" / "current").exists()


def test_build_release_api_raises_build_refused(mini_repo, tmp_path):
    (mini_repo / "data/curated/bad.ttl").write_text(MINI_BAD_DATA, encoding="utf-8")
    with pytest.raises(BuildRefused) as refused:
        build_release(tmp_path / "b", ontology_dir=mini_repo / "ontology", shapes_dir=mini_repo / "shapes", data_dir=mini_repo / "data")
    assert [str(r.focus_node) for r in refused.value.outcome.results] == ["https://w3id.org/tiers-lieux/id/place/sans-nom"]


# --- format -------------------------------------------------------------------


def test_format_check_fails_on_a_non_canonical_file_and_format_fixes_it(runner, mini_repo):
    path = mini_repo / "ontology/core.ttl"
    result = runner.invoke(main, ["format", "--check", str(path)])
    assert result.exit_code == 1 and "not in canonical form" in result.output
    assert invoke(runner, "format", path).exit_code == 0
    assert runner.invoke(main, ["format", "--check", str(path)]).exit_code == 0
    assert json.dumps(sorted(Graph().parse(path))) == json.dumps(sorted(Graph().parse(data=path.read_text(), format="turtle")))


def test_report_lists_top_level_results_only_and_renders_inverse_paths(tmp_path):
    from tierslieux.validation import format_report, load_graph, validate_graph

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix tlsh: <https://w3id.org/tiers-lieux/shapes#> .
tlsh:ModuleOwnerShape a sh:NodeShape ; sh:targetClass tl:Module ;
    sh:property [ sh:path [ sh:inversePath tl:hasModule ] ; sh:minCount 1 ; sh:severity sh:Violation ;
        sh:message "Un module appartient à un lieu."@fr, "A module belongs to a place."@en ] .
tlsh:PlaceShape a sh:NodeShape ; sh:targetClass tl:ThirdPlace ;
    sh:property [ sh:path tl:hasModule ; sh:node tlsh:ModuleKindShape ; sh:severity sh:Violation ;
        sh:message "Module sans genre."@fr, "Module without a kind."@en ] .
tlsh:ModuleKindShape a sh:NodeShape ; sh:property [ sh:path tl:moduleKind ; sh:minCount 1 ] .
""",
        encoding="utf-8",
    )
    data = tmp_path / "data.ttl"
    data.write_text(
        """\
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
<https://w3id.org/tiers-lieux/id/module/orphan> a tl:Module .
<https://w3id.org/tiers-lieux/id/place/p> a tl:ThirdPlace ; tl:hasModule <https://w3id.org/tiers-lieux/id/module/m> .
""",
        encoding="utf-8",
    )
    outcome = validate_graph(load_graph([data]), shapes=load_graph([shapes]), model=Graph())
    # The sh:node failure carries a nested sh:detail result (module/m lacks a kind); it is not listed.
    assert len(list(outcome.report.subjects(SH.resultSeverity, None))) > len(outcome.results)
    assert [(str(r.focus_node), r.path_text) for r in outcome.results] == [
        ("https://w3id.org/tiers-lieux/id/module/orphan", "^tl:hasModule"),
        ("https://w3id.org/tiers-lieux/id/place/p", "tl:hasModule"),
    ]
    assert "Violation [^tl:hasModule]: A module belongs to a place." in format_report(outcome, "en")


def test_build_without_validation_still_names_a_malformed_file_and_publishes_nothing(mini_repo, tmp_path):
    from tierslieux.rdfio import RDFSyntaxError

    (mini_repo / "data/curated/broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(RDFSyntaxError) as error:
        build_release(tmp_path / "b", validate=False, ontology_dir=mini_repo / "ontology", shapes_dir=mini_repo / "shapes", data_dir=mini_repo / "data")
    assert error.value.path.name == "broken.ttl"
    assert not (tmp_path / "b" / "current").exists()
    assert [p.name for p in (tmp_path / "b" / "releases").iterdir()] == []


@pytest.mark.slow
def test_build_with_the_fast_engine_refuses_the_same_graph(runner, mini_repo, tmp_path):
    (mini_repo / "data/curated/bad.ttl").write_text(MINI_BAD_DATA, encoding="utf-8")
    result = runner.invoke(main, [str(a) for a in build_args(mini_repo, tmp_path / "b")] + ["--engine", "fast"])
    assert result.exit_code == 1, result.output
    assert "place:sans-nom\n  Violation [rdfs:label]: A third place must have a name." in result.output


@pytest.mark.slow
def test_validate_with_the_fast_engine_agrees_with_pyshacl(runner, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(MINI_BAD_DATA, encoding="utf-8")
    reports = [runner.invoke(main, ["validate", "--engine", engine, str(bad)]) for engine in ("pyshacl", "fast")]
    assert [r.exit_code for r in reports] == [1, 1]
    assert reports[0].output == reports[1].output


@pytest.mark.parametrize("name", sorted(__import__("tierslieux.cli", fromlist=["COMMANDS"]).COMMANDS))
def test_every_registered_command_imports_and_has_help(runner, name):
    from tierslieux.cli import SHORT_HELP

    assert SHORT_HELP.get(name), f"{name} has no short help"
    result = runner.invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {name} ")


@pytest.mark.parametrize("name", sorted(__import__("tierslieux.cli", fromlist=["COMMANDS"]).COMMANDS))
def test_help_shows_no_path_of_this_machine(runner, name):
    """Defaults are shown relative to the project (``ontology/``), never as this checkout's absolute path."""
    result = runner.invoke(main, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert str(REPO_ROOT) not in result.output


def test_build_help_names_the_project_folders(runner):
    result = runner.invoke(main, ["build", "--help"], terminal_width=200)
    assert "[default: (ontology/)]" in result.output and "[default: (shapes/)]" in result.output and "[default: (data/)]" in result.output


@pytest.mark.parametrize("option", ["--build-dir", "--out"])
def test_build_takes_the_build_folder_as_build_dir_or_its_alias_out(runner, mini_repo, tmp_path, option):
    args = ["build", option, str(tmp_path / "b"), "--ontology-dir", str(mini_repo / "ontology"), "--shapes-dir", str(mini_repo / "shapes"), "--data-dir", str(mini_repo / "data")]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert BuildLayout(tmp_path / "b").store_dir.is_dir()


@pytest.mark.parametrize("name", ["build", "serve", "query", "publish"])
def test_every_command_reading_a_build_folder_calls_it_build_dir(runner, name):
    assert "--build-dir" in runner.invoke(main, [name, "--help"], terminal_width=200).output


@pytest.mark.slow  # pySHACL on real files: 3-6 s
def test_validate_takes_engine_auto(runner):
    files = sorted((REPO_ROOT / "data" / "curated").glob("*.ttl")) + sorted((REPO_ROOT / "ontology").rglob("*.ttl"))
    result = runner.invoke(main, ["validate", "--engine", "auto", *map(str, files)])
    assert result.exit_code == 0, result.output  # small sources: auto chooses pySHACL
    assert "notice:" not in result.output
