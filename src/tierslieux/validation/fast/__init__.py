"""Fast SHACL validation for large graphs: the ``shacl`` engine (Rust, from PyPI), giving the same results as pySHACL.

pySHACL stays the reference validator; it re-parses a SPARQL query for every value
a SPARQL-based constraint checks and grows faster than linearly with the graph.
This package runs the ``shacl`` package (pinned at 0.3.4; it passes the W3C SHACL
core suite), which parses the data file in Rust, and returns the same
:class:`~tierslieux.validation.ValidationOutcome`, read from the engine's SHACL
report graph by :func:`~tierslieux.validation.outcome.results_from_report`.
``tests/test_validation_scale.py`` checks it against the W3C SHACL test suite and
against pySHACL on the shape fixtures and on a generated graph; ``docs/scale.md``
has the measurements and why this engine was chosen.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

from ..inputs import load_model, load_shapes
from ..outcome import ValidationOutcome
from .engine import ENGINE_SUFFIXES, FastValidationError, merge_files, run, write_graph
from .report import outcome

__all__ = ["FastValidationError", "validate_fast"]


def validate_fast(data: Graph | Path | str | Sequence[Path | str], *, shapes: Graph | None = None, model: Graph | None = None) -> ValidationOutcome:
    """Validate ``data`` with the ``shacl`` engine; same arguments and outcome as ``validate_graph``.

    ``data`` is an rdflib Graph, or RDF files (Turtle, N-Triples… by suffix),
    which is the fast way for big graphs: one file of a suffix the engine reads
    (and no model) goes to the engine as it is; several are merged by pyoxigraph
    into one N-Triples file; rdflib parses none of them. ``shapes`` defaults to
    ``shapes/``; ``model`` (the ontology and vocabularies, mixed into the data)
    defaults to ``ontology/``, and an empty graph means the data already holds
    it. Blank nodes in the results carry the engine's labels, not the data's
    (a complex ``sh:resultPath`` is the shapes' own path node, as in pySHACL). Raises :class:`FastValidationError` when a file cannot
    be parsed or the engine fails, :class:`FileNotFoundError` for a missing file.
    """
    shapes = shapes if shapes is not None else load_shapes()
    model = model if model is not None else load_model()
    with tempfile.TemporaryDirectory(prefix="tierslieux-fast-") as work:
        work_dir = Path(work)
        shapes_file = work_dir / "shapes.nt"
        write_graph(shapes, shapes_file)
        data_file = work_dir / "data.nt"
        if isinstance(data, Graph):
            write_graph(data, data_file)
            write_graph(model, data_file, append=True)
        else:
            paths = [Path(p).resolve() for p in ([data] if isinstance(data, (str, Path)) else data)]
            missing = [str(p) for p in paths if not p.is_file()]
            if missing:
                raise FileNotFoundError(f"no such data file: {', '.join(missing)}")
            if len(paths) == 1 and not len(model) and paths[0].suffix in ENGINE_SUFFIXES:
                data_file = paths[0]
            else:
                merge_files(paths, data_file)
                write_graph(model, data_file, append=True)
        report = run(shapes_file, data_file)
    return outcome(report, shapes)
