"""Time the validation of a graph (ontology, vocabularies and DATA_DIR) by one engine; print one JSON line.

Usage: ``python timed_validation.py ENGINE DATA_DIR`` with ENGINE ``reference``
(pySHACL on the whole graph, as ``tierslieux build`` validates it) or ``fast``
(``tierslieux.validation.fast``, when the project has it). Parsing is timed
apart from validating. Exit status 3 means the engine is not available.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def reference(data_dir: Path) -> dict:
    """Validate with pySHACL exactly as the build does; return the timings and the verdict."""
    from rdflib import Graph

    from tierslieux.build.builder import dataset_union, load_dataset
    from tierslieux.build.sources import all_source_files
    from tierslieux.validation import load_shapes, validate_graph

    started = time.perf_counter()
    union = dataset_union(load_dataset(all_source_files(data_dir=data_dir)))
    parsed = time.perf_counter()
    outcome = validate_graph(union, shapes=load_shapes(), model=Graph())
    done = time.perf_counter()
    return {"triples": len(union), "parse_seconds": parsed - started, "validate_seconds": done - parsed, "conforms": outcome.conforms, "results": len(outcome.results)}


def fast(data_dir: Path) -> dict | None:
    """Validate with the project's fast path (``tierslieux.validation.fast``), if it exists (None otherwise).

    The data files go to the engine as files (never parsed by rdflib); the
    ontology and vocabularies are mixed in as the engine's default model.
    """
    try:
        from tierslieux.validation.fast import validate_fast
    except ImportError:
        return None
    from tierslieux.paths import turtle_files

    started = time.perf_counter()
    outcome = validate_fast(turtle_files(data_dir))
    done = time.perf_counter()
    return {"parse_seconds": None, "validate_seconds": done - started, "conforms": outcome.conforms, "results": len(outcome.results)}


def main(engine: str, data_dir: str) -> int:
    """Run ``engine`` on ``data_dir`` and print its timings as JSON; 3 when the engine is not available."""
    result = {"reference": reference, "fast": fast}[engine](Path(data_dir))
    if result is None:
        print(json.dumps({"available": False}))
        return 3
    print(json.dumps({"available": True, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
