"""Build a release: merge the sources into one dataset, validate it, write the dumps and an Oxigraph store.

A build is written aside, in ``releases/<id>``, and published by swapping the
``current`` symlink in one rename, so a reader never sees half a release and a
failed build leaves the current release untouched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from .. import __version__
from ..namespaces import bind_prefixes
from ..paths import DATA_DIR, ONTOLOGY_DIR, SHAPES_DIR, turtle_files
from ..rdfio import parse_file
from ..release import BuildLayout, Release
from ..validation import choose_engine
from ..validation.outcome import ValidationOutcome
from ..validation.process import ValidationJob
from .dumps import canonicalize_blank_nodes, graph_sizes, load_sources, oxigraph_syntax_error, write_dumps
from .resolve import overrides_path, read_overrides, resolve
from .sources import SourceFile, all_source_files, sources_digest
from .statistics import statistics_quads, statistics_queries

KEPT_RELEASES = 3
#: engines whose validation runs while the store and dumps are written (the others validate first); docs/scale.md
#: has the measurements
CONCURRENT_ENGINES = frozenset({"pyshacl", "fast"})
#: a build's work folder, ``.<release id>.<process id>.<random>``, until it becomes ``releases/<release id>``
_WORK_FOLDER = re.compile(r"^\.\d{8}T\d{12}Z\.(?P<pid>\d+)\.")
#: threads writing the release: the on-disk store beside the in-memory copy and its dumps (docs/scale.md)
BUILD_THREADS = 2


class BuildRefused(Exception):
    """The graph does not conform to the shapes, so no release was published."""

    def __init__(self, outcome: ValidationOutcome):
        super().__init__("the graph does not conform to the shapes; the current release is unchanged")
        self.outcome = outcome


@dataclass
class BuildResult:
    """What a build did."""

    release_dir: Path
    triples: int
    graphs: dict[str, int]
    outcome: ValidationOutcome | None
    seconds: float
    skipped: bool = False
    #: seconds by phase: parse, dumps, store (in this process; the store is written beside the other two, so the
    #: phases overlap), validation (in its child process, from start to answer) and the part of it the build waited for
    phases: dict[str, float] = field(default_factory=dict)


def _digest(files: list[SourceFile], shapes_dir: Path, overrides: Path | None = None) -> str:
    shapes = b"".join(p.read_bytes() for p in turtle_files(shapes_dir))
    reviewed = overrides.read_bytes() if overrides is not None and overrides.is_file() else b""
    statistics = b"".join(p.read_bytes() for p in statistics_queries())
    return sources_digest(files, extra=f"tierslieux {__version__}\0".encode() + shapes + b"\0" + reviewed + b"\0" + statistics)


def load_dataset(files: list[SourceFile]) -> Dataset:
    """Parse every source file into its named graph of one rdflib Dataset (errors name file, line and column)."""
    dataset = Dataset()
    bind_prefixes(dataset)
    for source in files:
        parse_file(source.path, dataset.graph(source.graph))
    return dataset


def _write_store(files: list[SourceFile], store_dir: Path) -> None:
    """Load the sources into the on-disk store, one named graph each, and compact it.

    Compacting costs about 1.4 s at 1 M triples and makes the named queries up
    to 2.7 times faster on the served store (docs/scale.md). The store is
    closed on return *and on error*: an exception's traceback keeps this
    frame's locals alive, and a store left open keeps RocksDB's background
    threads writing into ``store_dir`` while a refused build removes its work
    folder (which then survived as ``releases/.<id>…/store/``).
    """
    store = ox.Store(str(store_dir))
    try:
        for source in files:
            try:
                store.bulk_load(path=str(source.path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(source.graph))
            except SyntaxError as error:
                raise oxigraph_syntax_error(source.path, error) from None
        store.optimize()
    finally:
        del store  # the last reference: Oxigraph closes the store (and waits for its background work) here


class _Phases(dict):
    """Seconds spent in each phase of a build, by name."""

    def timed(self, name: str, function: Callable, *args):
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - started


def _outcome(job: ValidationJob, phases: _Phases, started: float) -> ValidationOutcome:
    outcome = phases.timed("waiting for validation", job.result)
    phases["validation"] = time.perf_counter() - started
    if not outcome.conforms:
        raise BuildRefused(outcome)
    return outcome


def _remove_abandoned_work(layout: BuildLayout) -> None:
    """Remove the work folders of builds whose process is gone (killed mid-build: up to gigabytes each).

    A work folder is named ``.<release id>.<process id>.<random>``; one whose process still
    runs belongs to a build going on beside this one and is left alone.
    """
    if not layout.releases_dir.is_dir():
        return
    for folder in layout.releases_dir.iterdir():
        found = _WORK_FOLDER.match(folder.name)
        if found and folder.is_dir() and not _process_alive(int(found["pid"])):
            shutil.rmtree(folder, ignore_errors=True)


def _remove_work_folder(work_dir: Path) -> None:
    """Remove a refused or failed build's work folder; say so on stderr if something in it could not be removed."""
    shutil.rmtree(work_dir, ignore_errors=True)
    if work_dir.exists():
        print(f"warning: could not remove the work folder {work_dir}; the next build removes it", file=sys.stderr)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _publish(layout: BuildLayout, release_dir: Path) -> None:
    link_tmp = layout.root / f".current.{os.getpid()}"
    link_tmp.unlink(missing_ok=True)
    link_tmp.symlink_to(release_dir.relative_to(layout.root))
    os.replace(link_tmp, layout.current)


def _prune(layout: BuildLayout, keep: Path) -> None:
    releases = sorted((p for p in layout.releases_dir.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in releases[:-KEPT_RELEASES]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def is_current(out_root: Path, files: list[SourceFile] | None = None, shapes_dir: Path = SHAPES_DIR,
               data_dir: Path = DATA_DIR) -> bool:
    """Return True when the published release was built from exactly the present sources, shapes and reviewed overrides."""
    files = files if files is not None else all_source_files()
    manifest = BuildLayout(out_root).manifest()
    digest = _digest(files, shapes_dir, overrides_path(data_dir))
    return bool(manifest) and manifest.get("sources_sha256") == digest and BuildLayout(out_root).store_dir.is_dir()


def _add_derived(store_dir: Path, quads: list[ox.Quad]) -> None:
    """Add the derived graphs' quads (the resolved view, the statistics) to the on-disk store written from the sources
    (closed on return, as in :func:`_write_store`)."""
    if not quads:
        return
    store = ox.Store(str(store_dir))
    try:
        store.extend(quads)
        store.flush()
    finally:
        del store


def build_release(
    out_root: Path,
    *,
    files: list[SourceFile] | None = None,
    validate: bool = True,
    if_needed: bool = False,
    data_dir: Path = DATA_DIR,
    ontology_dir: Path = ONTOLOGY_DIR,
    shapes_dir: Path = SHAPES_DIR,
    engine: str = "pyshacl",
) -> BuildResult:
    """Build a release into ``out_root`` and publish it as ``current``.

    Raises :class:`BuildRefused` when the graph does not conform (nothing is
    published) and ``RDFSyntaxError`` when a source cannot be parsed.
    ``engine`` chooses the SHACL engine: ``pyshacl`` (the reference),
    ``fast`` (the ``shacl`` package's, same results, for big graphs) or ``auto`` (see
    :func:`choose_engine`). The validation runs
    in a child process while the store and dumps are written into a work
    folder, which is published only once the graph is known to conform.
    """
    started = time.perf_counter()
    out_root = Path(out_root).resolve()
    layout = BuildLayout(out_root)
    files = files if files is not None else all_source_files(data_dir=data_dir, ontology_dir=ontology_dir)
    overrides = overrides_path(data_dir)
    if if_needed and is_current(out_root, files, shapes_dir, data_dir):
        manifest = layout.manifest() or {}
        return BuildResult(layout.current.resolve(), manifest.get("triples", 0), manifest.get("graphs", {}), None, 0.0, skipped=True)

    phases = _Phases()
    job = outcome = None
    if validate:
        engine = choose_engine(engine, [source.path for source in files])
        validation_started = time.perf_counter()
        # The files hold the ontology and vocabularies already, so no model is mixed in again.
        job = ValidationJob([source.path for source in files], shapes_dir, engine,
                            graphs=[str(source.graph) for source in files], overrides=overrides)
    layout.releases_dir.mkdir(parents=True, exist_ok=True)
    built_at = datetime.now(UTC)
    release_id = built_at.strftime("%Y%m%dT%H%M%S%fZ")
    _remove_abandoned_work(layout)
    work_dir = Path(tempfile.mkdtemp(prefix=f".{release_id}.{os.getpid()}.", dir=layout.releases_dir))
    work_dir.chmod(0o755)  # mkdtemp's 0700 would hide the release from a service running as another user
    try:
        if job is not None and engine not in CONCURRENT_ENGINES:
            outcome = _outcome(job, phases, validation_started)
        threads = ThreadPoolExecutor(BUILD_THREADS, thread_name_prefix="tierslieux-build")
        try:
            # The on-disk store is loaded from the sources while the in-memory copy is parsed and dumped:
            # Oxigraph releases the GIL, so the two use both cores. A parse error is raised by the parse.
            store_written = threads.submit(phases.timed, "store", _write_store, files, Release(work_dir).store_dir)
            dataset = phases.timed("parse", load_sources, files)
            phases.timed("parse", canonicalize_blank_nodes, dataset)
            resolution = phases.timed("resolve", resolve, dataset, read_overrides(overrides))
            derived = resolution.resolved_quads()
            dataset.extend(derived)
            # Counted over the published values, so after the resolved view is in (build/statistics.py).
            statistics = phases.timed("statistics", statistics_quads, dataset)
            dataset.extend(statistics)
            derived += statistics
            graphs = graph_sizes(dataset)
            triples = sum(graphs.values())
            dumps = phases.timed("dumps", partial(write_dumps, superseded=resolution.superseded()), dataset,
                                 Release(work_dir).dumps_dir, threads)
            del dataset
            store_written.result()
            phases.timed("store", _add_derived, Release(work_dir).store_dir, derived)
        finally:
            # Nothing may still write into the work folder when it is published or removed.
            threads.shutdown(wait=True, cancel_futures=True)
        if job is not None and outcome is None:
            outcome = _outcome(job, phases, validation_started)
        manifest = {
            "version": __version__,
            "release": release_id,
            "built_at": built_at.isoformat(timespec="seconds"),
            "sources_sha256": _digest(files, shapes_dir, overrides),
            "triples": triples,
            "graphs": graphs,
            "resolution": resolution.summary(),
            "dumps": dumps,
            "validation": None if outcome is None else {"conforms": outcome.conforms, "results": len(outcome.results), "engine": job.engine},
            "phases": {name: round(seconds, 3) for name, seconds in phases.items()},
        }
        Release(work_dir).manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        release_dir = layout.releases_dir / release_id
        os.rename(work_dir, release_dir)
    except BaseException:
        if job is not None:
            job.cancel()
        _remove_work_folder(work_dir)
        raise
    _publish(layout, release_dir)
    _prune(layout, keep=release_dir)
    return BuildResult(release_dir, triples, graphs, outcome, time.perf_counter() - started, phases=dict(phases))


def dataset_union(dataset: Dataset) -> Graph:
    """Return one rdflib Graph holding every triple of every named graph of ``dataset``."""
    union = bind_prefixes(Graph())
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union
