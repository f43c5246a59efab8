"""Run ``tierslieux build`` in this process with its phases timed; print one JSON line on stdout.

Usage: ``python timed_build.py OUT_ROOT DATA_DIR [--no-validation]``. The
build command runs unchanged (the click command itself); the functions of
``tierslieux.build`` that exist under the names of ``PHASES`` are wrapped with
timers, so the validation share of a build is known without building twice.
``--no-validation`` calls ``build_release(..., validate=False)`` instead (the
command has no such option): the benchmark uses it to serve a graph whose
validation takes too long to wait for.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
from pathlib import Path

#: function of tierslieux.build -> phase it belongs to (a missing name is skipped)
PHASES = {
    "load_dataset": "parse for validation",
    "dataset_union": "parse for validation",
    "validate_graph": "validation",
    "validate_dataset": "validation",
    "fast_validate": "validation",
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


def main(out_root: str, data_dir: str, *options: str) -> int:
    """Build ``data_dir`` into ``out_root`` with the phases timed; return the command's exit status."""
    import tierslieux.build as build
    from tierslieux.commands.build import build as build_command

    timings: dict[str, float] = {}
    for name, phase in PHASES.items():
        if callable(getattr(build, name, None)):
            setattr(build, name, _timed(getattr(build, name), phase, timings))
    started = time.perf_counter()
    status = 0
    with contextlib.redirect_stdout(sys.stderr):  # the command's own report goes to the log
        try:
            if "--no-validation" in options:
                build.build_release(Path(out_root), data_dir=Path(data_dir), validate=False)
            else:
                build_command.main(args=["--out", out_root, "--data-dir", data_dir], standalone_mode=False)
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else 1
    seconds = time.perf_counter() - started
    manifest = build.BuildLayout(Path(out_root)).manifest() if status == 0 else None
    print(json.dumps({"status": status, "seconds": seconds, "phases": timings, "triples": manifest and manifest.get("triples")}))
    return status


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
