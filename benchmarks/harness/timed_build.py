"""Build a graph without validation (store and dumps only), with its phases timed; write the timings as JSON.

Usage: ``python timed_build.py OUT_ROOT DATA_DIR --result FILE``. Calls
``tierslieux.build.build_release(OUT_ROOT, data_dir=DATA_DIR, validate=False)``
(the command has no such option) and writes to FILE one JSON object:
``status``, ``seconds``, ``triples``, ``phases`` and ``phases_from``, or
``status`` and ``error`` when the build failed (the traceback goes to stderr).

Phases come from the published ``manifest.json`` when it has a ``"phases"``
object (name → seconds), else from the ``phases`` of the returned
``BuildResult`` when it has them; otherwise the functions of ``tierslieux.build``
named in :data:`PHASES` that exist are wrapped with timers (a missing name is
skipped, so a reorganised build yields fewer phases, never an error).

Nothing is read from stdout: file descriptor 1 is pointed at stderr, so that
output of the build or of a child process cannot spoil the result.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
import traceback
from pathlib import Path

#: function of tierslieux.build -> phase it belongs to (a missing name is skipped)
PHASES = {
    "_write_store": "store",
    "_write_dumps": "dumps",
}


def _timed(function, phase: str, timings: dict[str, float]):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - started

    return wrapper


def build(out_root: Path, data_dir: Path) -> dict:
    """Build ``data_dir`` into ``out_root`` without validation; return the result object (see the module's docstring)."""
    import tierslieux.build as module

    timings: dict[str, float] = {}
    for name, phase in PHASES.items():
        if callable(getattr(module, name, None)):
            setattr(module, name, _timed(getattr(module, name), phase, timings))
    started = time.perf_counter()
    try:
        built = module.build_release(out_root, data_dir=data_dir, validate=False)
    except Exception as error:  # noqa: BLE001 - reported in the result, traceback in the log
        traceback.print_exc()
        return {"status": 1, "error": f"{type(error).__name__}: {error}"}
    seconds = time.perf_counter() - started
    manifest = module.BuildLayout(out_root).manifest() or {}
    phases = manifest.get("phases")
    if isinstance(phases, dict):
        return {"status": 0, "seconds": seconds, "triples": manifest.get("triples"), "phases": phases, "phases_from": "manifest"}
    phases = getattr(built, "phases", None)
    if isinstance(phases, dict) and phases:
        return {"status": 0, "seconds": seconds, "triples": manifest.get("triples"), "phases": phases, "phases_from": "build result"}
    return {"status": 0, "seconds": seconds, "triples": manifest.get("triples"), "phases": timings, "phases_from": "wrapped functions"}


def main(argv: list[str]) -> int:
    """Run the build and write its result file; return 0, or 1 when the build failed, 2 on bad arguments."""
    if len(argv) != 4 or argv[2] != "--result":
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    out_root, data_dir, result_path = Path(argv[0]), Path(argv[1]), Path(argv[3])
    os.dup2(2, 1)  # whatever the build (or a child) prints goes to the log
    sys.stdout = sys.stderr
    result = build(out_root, data_dir)
    partial = result_path.with_name(result_path.name + ".part")
    partial.write_text(json.dumps(result) + "\n", encoding="utf-8")
    os.replace(partial, result_path)
    return result["status"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
