"""``build_release``: deterministic dumps written by Oxigraph, the union of the named graphs, validation beside the build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

import tierslieux.build.builder as build
from tierslieux.build.builder import BuildRefused, build_release
from tierslieux.build.dumps import DUMP_FORMATS
from tierslieux.rdfio import RDFSyntaxError
from tierslieux.release import BuildLayout
from tierslieux.validation import choose_engine, shacl
from tierslieux.validation.process import ValidationJob

from .conftest import MINI_BAD_DATA

PLACE = "https://w3id.org/tiers-lieux/id/place/la-coroutine"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
CURATED = "https://w3id.org/tiers-lieux/graph/curated/places"
CENSUS = "https://w3id.org/tiers-lieux/graph/census/extra"
#: A second source stating the place's French name again, and blank nodes (a list, nested nodes) whose labels
#: Oxigraph draws at random on every parse.
EXTRA_DATA = f"""\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
<{PLACE}> rdfs:label "La Coroutine"@fr ;
    geo:hasGeometry [ a geo:Geometry ; geo:asWKT "POINT(2.35 48.85)"^^geo:wktLiteral ] ;
    tl:openingHours ( [ rdfs:label "lundi"@fr ] [ rdfs:label "mardi"@fr ] [ rdfs:label "lundi"@fr ] ) .
"""


def build_args(repo: Path, out: Path) -> list[str]:
    return ["build", "--build-dir", str(out), "--ontology-dir", str(repo / "ontology"), "--shapes-dir", str(repo / "shapes"), "--data-dir", str(repo / "data")]


def build_mini(repo: Path, out: Path, **options) -> build.BuildResult:
    return build_release(out, ontology_dir=repo / "ontology", shapes_dir=repo / "shapes", data_dir=repo / "data", **options)


@pytest.fixture
def jobs(monkeypatch) -> list[ValidationJob]:
    """Every validation job the builds of a test start."""
    started: list[ValidationJob] = []

    class RecordedJob(ValidationJob):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(build, "ValidationJob", RecordedJob)
    return started


@pytest.fixture
def repo(mini_repo: Path) -> Path:
    """The mini repository plus a second source repeating a triple of the first, with blank nodes."""
    extra = mini_repo / "data/census/extra.ttl"
    extra.parent.mkdir(parents=True)
    extra.write_text(EXTRA_DATA, encoding="utf-8")
    return mini_repo


def dump(layout: BuildLayout, suffix: str) -> Path:
    return layout.dumps_dir / f"tiers-lieux.{suffix}"


def test_two_builds_of_the_same_sources_write_byte_identical_dumps(repo, tmp_path):
    first = BuildLayout(tmp_path / "one")
    second = BuildLayout(tmp_path / "two")
    build_mini(repo, first.root)
    build_mini(repo, second.root)
    for suffix in DUMP_FORMATS:
        assert dump(first, suffix).read_bytes() == dump(second, suffix).read_bytes(), suffix
    assert first.manifest()["dumps"] == second.manifest()["dumps"]
    # The blank nodes are there, under their canonical labels (Oxigraph's own would differ from build to build).
    assert "_:c14n" in dump(first, "nq").read_text(encoding="utf-8")


def test_a_triple_of_two_sources_is_once_in_the_triple_dumps_and_twice_in_the_dataset_dumps(repo, tmp_path):
    layout = BuildLayout(tmp_path / "b")
    result = build_mini(repo, layout.root)
    name = ox.Literal("La Coroutine", language="fr")
    nq = [q for q in ox.parse(path=str(dump(layout, "nq")), format=ox.RdfFormat.N_QUADS) if q.predicate.value == LABEL and q.object == name]
    assert sorted(q.graph_name.value for q in nq) == [CENSUS, CURATED]
    nt = [t for t in ox.parse(path=str(dump(layout, "nt")), format=ox.RdfFormat.N_TRIPLES) if t.predicate.value == LABEL and t.object == name]
    assert len(nt) == 1
    # Every triple format holds the same union: the quads' triples, each once (the list's two "lundi" nodes stay two).
    union = {(q.subject, q.predicate, q.object) for q in ox.parse(path=str(dump(layout, "nq")), format=ox.RdfFormat.N_QUADS)}
    assert result.triples == sum(result.graphs.values()) == len(union) + 1
    for suffix, (rdf_format, whole_dataset) in DUMP_FORMATS.items():
        if not whole_dataset:
            triples = list(ox.parse(path=str(dump(layout, suffix)), format=rdf_format))
            assert len(triples) == len(union), suffix


def test_the_dataset_dumps_hold_what_the_store_holds(repo, tmp_path):
    layout = BuildLayout(tmp_path / "b")
    build_mini(repo, layout.root)
    store = ox.Store.read_only(str(layout.store_dir))
    stored = ox.Dataset(store)
    del store
    for suffix in ("nq", "trig"):
        dumped = ox.Dataset(ox.parse(path=str(dump(layout, suffix)), format=DUMP_FORMATS[suffix][0]))
        for dataset in (stored, dumped):
            dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        assert dumped == stored, suffix
    assert dump(layout, "ttl").read_text(encoding="utf-8").count("@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .") == 1


class PublishedRelease:
    """A release built from the mini repository, which a later, failing build must leave as it is."""

    def __init__(self, repo: Path, out: Path):
        build_mini(repo, out)
        self.layout = BuildLayout(out)
        self.release = self.layout.current.resolve()
        self.manifest = self.layout.manifest()

    def assert_unchanged(self) -> None:
        assert self.layout.current.resolve() == self.release and self.layout.manifest() == self.manifest
        assert [p.name for p in self.layout.releases_dir.iterdir()] == [self.release.name]


def test_a_refused_graph_leaves_no_work_folder_though_store_and_dumps_were_written_meanwhile(repo, tmp_path, monkeypatch, jobs):
    out = tmp_path / "b"
    published = PublishedRelease(repo, out)
    layout = published.layout
    written: list[Path] = []
    real_write_store = build._write_store

    def recording_write_store(files, store_dir):
        written.append(store_dir)
        return real_write_store(files, store_dir)

    monkeypatch.setattr(build, "_write_store", recording_write_store)
    (repo / "data/curated/bad.ttl").write_text(MINI_BAD_DATA, encoding="utf-8")
    with pytest.raises(BuildRefused) as refused:
        build_mini(repo, out)
    assert [(str(r.focus_node), r.path_text) for r in refused.value.outcome.results] == [("https://w3id.org/tiers-lieux/id/place/sans-nom", "rdfs:label")]
    [store_dir] = written
    assert store_dir.parent.parent == layout.releases_dir and store_dir.parent.name.startswith(".")
    assert not store_dir.parent.exists(), "the work folder is removed"
    published.assert_unchanged()
    assert [job._process.returncode for job in jobs] == [0, 0]


def test_a_store_that_fails_beside_the_dumps_publishes_nothing_and_leaves_no_work_folder(repo, tmp_path, monkeypatch):
    out = tmp_path / "b"
    published = PublishedRelease(repo, out)
    dumps_written: list[Path] = []
    real_write_dumps = build.write_dumps

    def recording_write_dumps(store, dumps_dir, executor=None, **options):
        written = real_write_dumps(store, dumps_dir, executor, **options)
        dumps_written.append((dumps_dir, sorted(p.name for p in dumps_dir.iterdir())))
        return written

    def failing_write_store(files, store_dir):
        store_dir.mkdir()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build, "write_dumps", recording_write_dumps)
    monkeypatch.setattr(build, "_write_store", failing_write_store)
    with pytest.raises(OSError, match="No space left on device"):
        build_mini(repo, out, validate=False)
    [(dumps_dir, names)] = dumps_written
    assert names == sorted(f"tiers-lieux.{suffix}" for suffix in DUMP_FORMATS), "the dumps were written beside the failing store"
    assert not dumps_dir.parent.exists(), "then the work folder was removed"
    published.assert_unchanged()


def test_a_failing_dump_is_raised_once_the_dumps_beside_it_are_finished(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import tierslieux.build.dumps as release_dumps

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(PLACE), ox.NamedNode(LABEL), ox.Literal("La Coroutine", language="fr"), ox.NamedNode(CURATED)))
    real_dump = release_dumps._dump
    finished: list[str] = []

    def dump_or_fail(store, dumps_dir, suffix):
        if suffix == "nt":
            raise OSError(5, "Input/output error")
        info = real_dump(store, dumps_dir, suffix)
        finished.append(suffix)
        return info

    monkeypatch.setattr(release_dumps, "_dump", dump_or_fail)
    with ThreadPoolExecutor(2) as threads, pytest.raises(OSError, match="Input/output error"):
        release_dumps.write_dumps(store, tmp_path / "dumps", threads)
    assert sorted(finished) == ["jsonld", "nq", "rdf", "trig", "ttl"]


def test_dumps_written_side_by_side_equal_dumps_written_one_after_the_other(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import tierslieux.build.dumps as release_dumps

    def written(folder: Path, threads) -> dict:
        store = ox.Store()
        store.load(EXTRA_DATA, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(CENSUS))
        release_dumps.canonicalize_blank_nodes(store)
        return release_dumps.write_dumps(store, folder, threads)

    with ThreadPoolExecutor(2) as threads:
        side_by_side = written(tmp_path / "a", threads)
    assert side_by_side == written(tmp_path / "b", None)
    assert list(side_by_side) == [f"tiers-lieux.{suffix}" for suffix in DUMP_FORMATS]


def test_the_next_build_removes_the_work_folders_of_killed_builds_only(repo, tmp_path):
    layout = BuildLayout(tmp_path / "b")
    build_mini(repo, layout.root, validate=False)
    abandoned = layout.releases_dir / ".20261122T000000000000Z.4194305.x1y2z3"  # above Linux's highest process id
    ongoing = layout.releases_dir / f".20261122T000000000000Z.{os.getpid()}.a1b2c3"
    for folder in (abandoned, ongoing):
        (folder / "store").mkdir(parents=True)
    build_mini(repo, layout.root, validate=False)
    assert not abandoned.exists()
    assert ongoing.is_dir(), "a build whose process runs is left alone"
    assert len([p for p in layout.releases_dir.iterdir() if not p.name.startswith(".")]) == 2


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_a_validation_whose_build_is_killed_stops_and_leaves_no_answer_file(repo, tmp_path):
    from tierslieux.build.sources import all_source_files

    paths = [str(f.path) for f in all_source_files(data_dir=repo / "data", ontology_dir=repo / "ontology")]
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from tierslieux.validation.process import ValidationJob\n"
        "job = ValidationJob([Path(p) for p in sys.argv[2:]], Path(sys.argv[1]), 'pyshacl')\n"
        "print(job._process.pid, job._answer, flush=True)\n"
        "time.sleep(120)\n"
    )
    build = subprocess.Popen([sys.executable, "-c", script, str(repo / "shapes"), *paths], stdout=subprocess.PIPE, text=True)
    pid, answer = build.stdout.readline().split()
    build.kill()
    build.wait()
    deadline = time.monotonic() + 30
    while not (_gone(int(pid)) and not Path(answer).exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(int(pid)), "the validation process stopped with its build"
    assert not Path(answer).exists(), "its answer file, which nobody would read, is removed"


def test_validating_before_the_build_refuses_the_same_graph(repo, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "CONCURRENT_ENGINES", frozenset())
    (repo / "data/curated/bad.ttl").write_text(MINI_BAD_DATA, encoding="utf-8")
    with pytest.raises(BuildRefused) as refused:
        build_mini(repo, tmp_path / "b")
    assert [str(r.focus_node) for r in refused.value.outcome.results] == ["https://w3id.org/tiers-lieux/id/place/sans-nom"]
    assert list((tmp_path / "b/releases").iterdir()) == []


def test_a_syntax_error_stops_the_validation_and_names_file_line_and_column(repo, tmp_path, jobs):
    (repo / "data/curated/broken.ttl").write_text("@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n<https://w3id.org/tiers-lieux/id/place/x> rdfs:label .\n", encoding="utf-8")
    with pytest.raises(RDFSyntaxError) as error:
        build_mini(repo, tmp_path / "b")
    assert (error.value.path.name, error.value.line) == ("broken.ttl", 2)
    assert error.value.column is not None and "Parser error" not in error.value.reason
    [job] = jobs
    # The validation reads the broken file too, so on a busy machine it may answer before the build's own parse
    # fails: either way it is not left running, and its answer is gone.
    assert job._process.returncode is not None, "the validation process ended"
    assert not job._answer.exists()
    assert list((tmp_path / "b/releases").iterdir()) == []


def test_cancel_stops_a_running_validation_and_removes_its_answer(repo, tmp_path):
    """Regression (CI, stop 25): the syntax-error test raced the validation it meant to see stopped.

    A source that is a FIFO nobody writes keeps the validation waiting for ever, so ``cancel`` always meets it running.
    """
    waiting = tmp_path / "never-written.ttl"
    os.mkfifo(waiting)
    job = ValidationJob([waiting], repo / "shapes", "pyshacl")
    assert job._process.poll() is None
    job.cancel()
    assert job._process.returncode == -signal.SIGTERM, "the validation process was stopped"
    assert not job._answer.exists()


def test_manifest_names_the_engine_and_the_result_has_phases(repo, tmp_path):
    result = build_mini(repo, tmp_path / "b")
    assert BuildLayout(tmp_path / "b").manifest()["validation"] == {"conforms": True, "results": 0, "engine": "pyshacl"}
    assert {"parse", "dumps", "store", "validation", "waiting for validation"} <= set(result.phases)


def test_auto_takes_pyshacl_for_small_sources(repo, tmp_path):
    assert choose_engine("auto", [f.path for f in build.all_source_files(data_dir=repo / "data", ontology_dir=repo / "ontology")]) == "pyshacl"


@pytest.mark.slow
def test_auto_takes_the_fast_engine_above_the_threshold(repo, tmp_path, monkeypatch):
    monkeypatch.setattr(shacl, "AUTO_FAST_FROM_BYTES", 0)
    (repo / "data/curated/bad.ttl").write_text(MINI_BAD_DATA, encoding="utf-8")
    with pytest.raises(BuildRefused) as refused:
        build_mini(repo, tmp_path / "b", engine="auto")
    assert [str(r.focus_node) for r in refused.value.outcome.results] == ["https://w3id.org/tiers-lieux/id/place/sans-nom"]
    (repo / "data/curated/bad.ttl").unlink()
    build_mini(repo, tmp_path / "b", engine="auto")
    assert BuildLayout(tmp_path / "b").manifest()["validation"]["engine"] == "fast"


def test_writing_the_store_closes_it_even_when_a_source_does_not_parse(tmp_path):
    """Regression (the rebuild flake): a store left open by a failed load kept RocksDB writing into the work folder
    while a refused build removed it, so ``releases/.<id>…/store/`` survived about one run in three."""
    good = tmp_path / "a-good.ttl"
    good.write_text(EXTRA_DATA, encoding="utf-8")
    bad = tmp_path / "z-bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    files = [build.SourceFile(path, f"https://example.org/graph/{path.stem}") for path in (good, bad)]
    store_dir = tmp_path / "store"
    with pytest.raises(RDFSyntaxError) as caught:
        build._write_store(files, store_dir)
    assert caught.value.path == bad  # the exception, and with it its traceback, is still alive here
    ox.Store(str(store_dir))  # would raise "lock hold by current process" if the failed load had left the store open
