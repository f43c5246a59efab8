"""The graphs measured: the repository's own data, and generated graphs of N places.

A generated graph (``tierslieux.generate.generate_graph``) is written once into
``CACHE/gen-N-sS/data/generated.ttl`` (outside git) and kept while the generator's source is unchanged; every run
builds it anew, since the build is one of the things measured.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Dataset:
    """One graph to measure: ``places`` None means the repository's data."""

    key: str
    places: int | None = None
    seed: int = 1

    @property
    def label(self) -> str:
        """How the dataset is named in the report."""
        return "real graph (the repository's data)" if self.places is None else f"generated, {self.places:,} places (seed {self.seed})"


def parse_dataset(text: str, seed: int) -> Dataset:
    """Return the dataset named ``text``: ``real`` or a number of places to generate."""
    if text == "real":
        return Dataset("real")
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"dataset {text!r}: expected 'real' or a number of places such as 10000")
    return Dataset(f"gen-{int(text)}-s{seed}", int(text), seed)


def _generator_digest() -> str:
    import tierslieux.generate as generate

    return hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()


def prepare_data(dataset: Dataset, cache: Path, log_path: Path) -> tuple[Path, dict]:
    """Return the data folder of ``dataset`` (generating it when needed) and facts about its preparation."""
    if dataset.places is None:
        from tierslieux.paths import DATA_DIR

        return DATA_DIR, {}
    data_dir = cache / dataset.key / "data"
    target = data_dir / "generated.ttl"
    stamp = cache / dataset.key / "generated.json"
    wanted = {"places": dataset.places, "seed": dataset.seed, "generator_sha256": _generator_digest()}
    if target.is_file() and stamp.is_file() and json.loads(stamp.read_text())["generator_sha256"] == wanted["generator_sha256"]:
        return data_dir, {**json.loads(stamp.read_text()), "cached": True}
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # N-Triples is Turtle, and the build loads data/**/*.ttl: the generator's fast .nt output is kept under a .ttl name.
    script = (
        "import os, sys\n"
        "from tierslieux.generate import generate_graph\n"
        "written = generate_graph(int(sys.argv[1]), int(sys.argv[2]), out=sys.argv[3] + '.nt')\n"
        "os.replace(written, sys.argv[3])\n"
    )
    run_logged("generation", [sys.executable, "-c", script, str(dataset.places), str(dataset.seed), str(target)], log_path, timeout=3600)
    facts = {**wanted, "generate_seconds": round(time.perf_counter() - started, 2), "bytes": target.stat().st_size}
    stamp.write_text(json.dumps(facts, indent=2) + "\n")
    return data_dir, {**facts, "cached": False}


class StepFailed(RuntimeError):
    """A measured step failed or ran out of time; the message says which and why."""


def run_logged(what: str, command: list[str], log_path: Path, timeout: float) -> str:
    """Run ``command`` (the step ``what``) with stderr appended to ``log_path``; return its stdout. Raises :class:`StepFailed`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(f"\n$ {' '.join(command)}\n".encode())
        log.flush()
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=log, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise StepFailed(f"{what} ran past {timeout:.0f} s and was stopped") from None
    if done.returncode not in (0, 3):
        raise StepFailed(f"{what} exited with status {done.returncode} (see {log_path})")
    return done.stdout.decode()


def timed_build(data_dir: Path, out_root: Path, log_path: Path, timeout: float, *, validate: bool = True) -> dict:
    """Build ``data_dir`` with ``tierslieux build`` into ``out_root``; return the total and per-phase seconds and the triples.

    ``validate=False`` builds without validating (``build_release(validate=False)``).
    """
    command = [sys.executable, str(HERE / "timed_build.py"), str(out_root), str(data_dir)] + ([] if validate else ["--no-validation"])
    output = run_logged("tierslieux build" + ("" if validate else " (without validation)"), command, log_path, timeout)
    result = json.loads(output.strip().splitlines()[-1])
    if result["status"] != 0:
        raise StepFailed(f"tierslieux build exited with status {result['status']} (see {log_path})")
    return result


def timed_validation(engine: str, data_dir: Path, log_path: Path, timeout: float) -> dict:
    """Time validation of ``data_dir`` by ``engine`` (``reference`` or ``fast``); ``{"available": False}`` without that engine."""
    output = run_logged(f"validation ({engine})", [sys.executable, str(HERE / "timed_validation.py"), engine, str(data_dir)], log_path, timeout)
    return json.loads(output.strip().splitlines()[-1])
