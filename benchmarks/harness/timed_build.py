"""Build a graph without validation (store and dumps only), with its phases timed; write the timings as JSON.

Usage: ``python timed_build.py OUT_ROOT DATA_DIR --result FILE``. Calls
``tierslieux.build.builder.build_release(OUT_ROOT, data_dir=DATA_DIR, validate=False)``
(the command has no such option) and writes to FILE one JSON object:
``status``, ``seconds``, ``triples``, ``phases`` and ``phases_from``, or
``status`` and ``error`` when the build failed (the traceback goes to stderr).

Phases are the ``"phases"`` object (name → seconds) of the published
``manifest.json``.

Nothing is read from stdout: file descriptor 1 is pointed at stderr, so that
output of the build or of a child process cannot spoil the result.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path


def build(out_root: Path, data_dir: Path) -> dict:
    """Build ``data_dir`` into ``out_root`` without validation; return the result object (see the module's docstring)."""
    import tierslieux.build.builder as module

    started = time.perf_counter()
    try:
        module.build_release(out_root, data_dir=data_dir, validate=False)
    except Exception as error:  # noqa: BLE001 - reported in the result, traceback in the log
        traceback.print_exc()
        return {"status": 1, "error": f"{type(error).__name__}: {error}"}
    seconds = time.perf_counter() - started
    manifest = module.BuildLayout(out_root).manifest() or {}
    phases = manifest.get("phases")
    if not isinstance(phases, dict):
        return {"status": 0, "seconds": seconds, "triples": manifest.get("triples"), "phases": None, "phases_from": None}
    return {"status": 0, "seconds": seconds, "triples": manifest.get("triples"), "phases": phases, "phases_from": "manifest"}


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
