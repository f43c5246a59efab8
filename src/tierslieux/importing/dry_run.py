"""``tierslieux import --dry-run``: what the build would say of the graph with this import in it, nothing written.

The import's graph takes the place of its output file among every source of the
graph (ontology, vocabularies, data/), in the named graph the output would have,
and the whole is resolved and validated as a build does (docs/merging.md). Only a
temporary copy of the import's Turtle is written, outside the repository.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..build.dumps import load_sources
from ..build.resolve import overrides_path, read_overrides, resolve
from ..build.sources import SourceFile, all_source_files, graph_for
from ..namespaces import graph_iri
from ..paths import ONTOLOGY_DIR, SHAPES_DIR
from ..rdfio import canonical_turtle
from ..validation.outcome import ValidationOutcome
from ..validation.process import validate_files


@dataclass
class DryRun:
    """What the build would find: the validation outcome and the resolution's counts."""

    outcome: ValidationOutcome
    resolution: dict
    graph: str


def dry_run(graph_text: str, target: Path, data_dir: Path, *, ontology_dir: Path = ONTOLOGY_DIR,
            shapes_dir: Path = SHAPES_DIR, engine: str = "pyshacl") -> DryRun:
    """Validate every source of the graph with ``graph_text`` (Turtle) standing for the file ``target`` under ``data_dir``."""
    try:
        graph = graph_for(target, data_dir=data_dir, ontology_dir=ontology_dir)
    except ValueError:  # an output outside data/ (--out): judged as an import would be, under networks/
        graph = graph_iri("networks/" + target.stem)
    with tempfile.TemporaryDirectory(prefix="tierslieux-dry-run-") as work:
        stand_in = Path(work) / target.name
        stand_in.write_text(graph_text, encoding="utf-8")
        files = [f for f in all_source_files(data_dir=data_dir, ontology_dir=ontology_dir) if f.path.resolve() != target.resolve()]
        files.append(SourceFile(stand_in, graph))
        overrides = overrides_path(data_dir)
        resolution = resolve(load_sources(files), read_overrides(overrides)).summary()
        outcome = validate_files([f.path for f in files], shapes_dir, engine, [str(f.graph) for f in files], overrides)
    return DryRun(outcome, resolution, str(graph))


def dry_run_result(result, data_dir: Path, output: Path | None = None, engine: str = "pyshacl") -> DryRun:
    """Run :func:`dry_run` for an :class:`~tierslieux.importing.pipeline.ImportResult` (its output under ``data_dir``)."""
    target = output or data_dir / str(result.mapping.profile["output"])
    return dry_run(canonical_turtle(result.graph), target, data_dir, engine=engine)
