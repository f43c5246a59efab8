"""Build a release: merge the sources into one dataset, validate it, write the dumps and an Oxigraph store.

A build is written aside, in ``releases/<id>``, and published by swapping the
``current`` symlink in one rename, so a reader never sees half a release and a
failed build leaves the current release untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from . import __version__
from .namespaces import PREFIXES, bind_prefixes
from .paths import DATA_DIR, ONTOLOGY_DIR, SHAPES_DIR, turtle_files
from .rdfio import RDFSyntaxError, parse_file
from .sources import SourceFile, all_source_files, sources_digest
from .validation import ValidationOutcome, load_graph, load_shapes, validate_graph

DUMP_BASENAME = "tiers-lieux"
#: dump file suffix -> (pyoxigraph format, whether the file holds the whole dataset with its named graphs)
DUMP_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "trig": (ox.RdfFormat.TRIG, True),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "ttl": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
    "rdf": (ox.RdfFormat.RDF_XML, False),
}
KEPT_RELEASES = 3


class BuildRefused(Exception):
    """The graph does not conform to the shapes, so no release was published."""

    def __init__(self, outcome: ValidationOutcome):
        super().__init__("the graph does not conform to the shapes; the current release is unchanged")
        self.outcome = outcome


@dataclass(frozen=True)
class BuildLayout:
    """Where a build folder keeps its releases, and the paths inside the current one."""

    root: Path

    @property
    def releases_dir(self) -> Path:
        """The folder holding every kept release."""
        return self.root / "releases"

    @property
    def current(self) -> Path:
        """The symlink to the published release."""
        return self.root / "current"

    @property
    def store_dir(self) -> Path:
        """The on-disk Oxigraph store of the published release."""
        return self.current / "store"

    @property
    def dumps_dir(self) -> Path:
        """The dump files of the published release."""
        return self.current / "dumps"

    @property
    def manifest_path(self) -> Path:
        """The JSON manifest of the published release."""
        return self.current / "manifest.json"

    def manifest(self) -> dict | None:
        """Return the published release's manifest, or None when there is none."""
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


@dataclass
class BuildResult:
    """What a build did."""

    release_dir: Path
    triples: int
    graphs: dict[str, int]
    outcome: ValidationOutcome | None
    seconds: float
    skipped: bool = False


def _digest(files: list[SourceFile], shapes_dir: Path) -> str:
    shapes = b"".join(p.read_bytes() for p in turtle_files(shapes_dir))
    return sources_digest(files, extra=f"tierslieux {__version__}\0".encode() + shapes)


def _file_info(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def load_dataset(files: list[SourceFile]) -> Dataset:
    """Parse every source file into its named graph of one rdflib Dataset (errors name file, line and column)."""
    dataset = Dataset()
    bind_prefixes(dataset)
    for source in files:
        parse_file(source.path, dataset.graph(source.graph))
    return dataset


def _write_store(files: list[SourceFile], store_dir: Path) -> ox.Store:
    store = ox.Store(str(store_dir))
    for source in files:
        try:
            store.bulk_load(path=str(source.path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(source.graph))
        except SyntaxError as error:
            raise RDFSyntaxError(source.path, None, None, str(error)) from None
    store.optimize()
    return store


def _write_dumps(store: ox.Store, dumps_dir: Path) -> dict[str, dict]:
    dumps_dir.mkdir(parents=True)
    prefixes = dict(PREFIXES)
    infos = {}
    for suffix, (rdf_format, whole_dataset) in DUMP_FORMATS.items():
        path = dumps_dir / f"{DUMP_BASENAME}.{suffix}"
        if whole_dataset:
            quads = sorted(store, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
            kwargs = {"prefixes": prefixes} if rdf_format is ox.RdfFormat.TRIG else {}
            ox.serialize(quads, str(path), rdf_format, **kwargs)
        else:
            triples = sorted({q.triple for q in store}, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
            kwargs = {"prefixes": prefixes} if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
            ox.serialize(triples, str(path), rdf_format, **kwargs)
        infos[path.name] = _file_info(path)
    return infos


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


def is_current(out_root: Path, files: list[SourceFile] | None = None, shapes_dir: Path = SHAPES_DIR) -> bool:
    """Return True when the published release was built from exactly the present sources and shapes."""
    files = files if files is not None else all_source_files()
    manifest = BuildLayout(out_root).manifest()
    return bool(manifest) and manifest.get("sources_sha256") == _digest(files, shapes_dir) and BuildLayout(out_root).store_dir.is_dir()


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
    ``engine`` chooses the SHACL engine: ``pyshacl`` (the reference) or
    ``fast`` (TopQuadrant's, same results, for big graphs).
    """
    started = time.perf_counter()
    out_root = Path(out_root).resolve()
    layout = BuildLayout(out_root)
    files = files if files is not None else all_source_files(data_dir=data_dir, ontology_dir=ontology_dir)
    if if_needed and is_current(out_root, files, shapes_dir):
        manifest = layout.manifest() or {}
        return BuildResult(layout.current.resolve(), manifest.get("triples", 0), manifest.get("graphs", {}), None, 0.0, skipped=True)

    outcome = None
    if validate:
        # One graph of every source (parse errors name file, line and column); it already
        # holds the ontology and vocabularies, so none is mixed in again.
        paths = [source.path for source in files]
        if engine == "fast":
            from .fastvalidation import validate_fast

            outcome = validate_fast(paths, shapes=load_shapes(shapes_dir), model=Graph())
        else:
            outcome = validate_graph(load_graph(paths), shapes=load_shapes(shapes_dir), model=Graph())
        if not outcome.conforms:
            raise BuildRefused(outcome)

    layout.releases_dir.mkdir(parents=True, exist_ok=True)
    built_at = datetime.now(timezone.utc)
    release_id = built_at.strftime("%Y%m%dT%H%M%S%fZ")
    work_dir = Path(tempfile.mkdtemp(prefix=f".{release_id}.", dir=layout.releases_dir))
    work_dir.chmod(0o755)  # mkdtemp's 0700 would hide the release from a service running as another user
    try:
        store = _write_store(files, work_dir / "store")
        graphs = {str(g.value): sum(1 for _ in store.quads_for_pattern(None, None, None, g)) for g in store.named_graphs()}
        triples = len(store)
        dumps = _write_dumps(store, work_dir / "dumps")
        del store  # closes the store before the folder is moved
        manifest = {
            "version": __version__,
            "release": release_id,
            "built_at": built_at.isoformat(timespec="seconds"),
            "sources_sha256": _digest(files, shapes_dir),
            "triples": triples,
            "graphs": dict(sorted(graphs.items())),
            "dumps": dumps,
            "validation": None if outcome is None else {"conforms": outcome.conforms, "results": len(outcome.results)},
        }
        (work_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        release_dir = layout.releases_dir / release_id
        os.rename(work_dir, release_dir)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    _publish(layout, release_dir)
    _prune(layout, keep=release_dir)
    return BuildResult(release_dir, triples, manifest["graphs"], outcome, time.perf_counter() - started)


def dataset_union(dataset: Dataset) -> Graph:
    """Return one rdflib Graph holding every triple of every named graph of ``dataset``."""
    union = bind_prefixes(Graph())
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union
