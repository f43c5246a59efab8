"""The graphs measured: the repository's own data, and generated graphs of N places.

A generated graph (``tierslieux.build.generate.generate_graph``) is written once into
``CACHE/gen-N-sS/data/generated.ttl`` (outside git) and kept while the generator's source is unchanged; every run
builds it anew, since the build is one of the things measured.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Dataset:
    """One graph to measure: ``places`` None means the repository's data.

    ``triples_asked`` is the size asked for (``--datasets 1M``), from which
    ``places`` was chosen; None when a number of places was asked.
    """

    key: str
    places: int | None = None
    seed: int = 1
    triples_asked: int | None = None

    @property
    def label(self) -> str:
        """How the dataset is named in the report."""
        if self.places is None:
            return "real graph (the repository's data)"
        asked = f"≈ {format_triples(self.triples_asked)} triples asked, " if self.triples_asked else ""
        return f"generated, {self.places:,} places ({asked}seed {self.seed})"


@dataclass(frozen=True)
class Calibration:
    """How many triples a generated graph of N places builds into: ``fixed + intercept + per_place × N``.

    ``intercept`` and ``per_place`` are the generator's (measured on two
    sizes); ``fixed`` is the ontology and vocabularies every build adds.
    """

    per_place: float
    intercept: float
    fixed: int

    def triples(self, places: int) -> int:
        """Return the expected triples of a build of ``places`` generated places."""
        return round(self.fixed + self.intercept + self.per_place * places)

    def places_for(self, triples: int) -> int:
        """Return the number of places whose build comes nearest to ``triples`` (at least 1)."""
        return max(1, round((triples - self.fixed - self.intercept) / self.per_place))


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([kKmM])$")


def format_triples(count: int) -> str:
    """Return ``count`` as the report names sizes: ``0.1 M``, ``1 M``, ``250 k``."""
    if count >= 100_000:
        return f"{count / 1e6:g} M"
    return f"{count / 1e3:g} k" if count >= 1000 else str(count)


def triples_asked(text: str) -> int | None:
    """Return the triple count of a size such as ``0.1M`` or ``250k``; None when ``text`` is not one."""
    found = _SIZE.match(text.strip())
    if not found:
        return None
    return round(float(found[1]) * (1_000_000 if found[2] in "mM" else 1_000))


def parse_dataset(text: str, seed: int, calibration: Calibration | None = None) -> Dataset:
    """Return the dataset named ``text``: ``real``, a number of places (``10000``) or of triples (``0.1M``, ``250k``).

    A number of triples needs ``calibration`` (see :func:`calibrate`) to choose the number of places.
    """
    text = text.strip()
    if text == "real":
        return Dataset("real")
    asked = triples_asked(text)
    if asked is not None:
        if asked < 1:
            raise ValueError(f"dataset {text!r}: a size must be at least one triple")
        if calibration is None:
            raise ValueError(f"dataset {text!r}: a size in triples needs the generator's calibration")
        places = calibration.places_for(asked)
        return Dataset(f"gen-{places}-s{seed}", places, seed, asked)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"dataset {text!r}: expected 'real', a number of places such as 10000, or of triples such as 0.1M or 250k")
    return Dataset(f"gen-{int(text)}-s{seed}", int(text), seed)


def calibrate(seed: int, cache: Path, sizes: tuple[int, int] = (200, 2000)) -> Calibration:
    """Measure the generator's triples per place on two small graphs (in memory) and the ontology's triples.

    The result is kept in ``cache`` while the generator, the ontology and the real data are unchanged.
    """
    from tierslieux.build.generate import generate_lines
    from tierslieux.paths import DATA_DIR, ONTOLOGY_DIR, turtle_files

    ontology = turtle_files(ONTOLOGY_DIR)
    digest = hashlib.sha256(_generator_digest().encode())
    for path in ontology + turtle_files(DATA_DIR):
        digest.update(path.read_bytes())
    stamp = cache / f"calibration-s{seed}.json"
    if stamp.is_file():
        kept = json.loads(stamp.read_text(encoding="utf-8"))
        if kept.get("sha256") == digest.hexdigest() and tuple(kept.get("sizes", ())) == sizes:
            return Calibration(kept["per_place"], kept["intercept"], kept["fixed"])
    small, large = (len(generate_lines(places, seed)) for places in sizes)
    per_place = (large - small) / (sizes[1] - sizes[0])
    fixed = sum(_count_triples(path) for path in ontology)
    found = Calibration(per_place, small - per_place * sizes[0], fixed)
    cache.mkdir(parents=True, exist_ok=True)
    facts = {"sha256": digest.hexdigest(), "sizes": list(sizes), "per_place": found.per_place, "intercept": found.intercept, "fixed": found.fixed}
    stamp.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    return found


def _count_triples(path: Path) -> int:
    import pyoxigraph as ox

    return sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


def _generator_digest() -> str:
    import tierslieux.build.generate as generate

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
        "from tierslieux.build.generate import generate_graph\n"
        "written = generate_graph(int(sys.argv[1]), int(sys.argv[2]), out=sys.argv[3] + '.nt')\n"
        "os.replace(written, sys.argv[3])\n"
    )
    run_logged("generation", [sys.executable, "-c", script, str(dataset.places), str(dataset.seed), str(target)], log_path, timeout=3600)
    facts = {**wanted, "generate_seconds": round(time.perf_counter() - started, 2), "bytes": target.stat().st_size}
    stamp.write_text(json.dumps(facts, indent=2) + "\n")
    return data_dir, {**facts, "cached": False}


class StepFailed(RuntimeError):
    """A measured step failed or ran out of time; the message says which, why, and where its log is."""


def run_logged(what: str, command: list[str], log_path: Path, timeout: float, ok: tuple[int, ...] = (0,)) -> str:
    """Run ``command`` (the step ``what``) with stderr appended to ``log_path``; return its stdout.

    Raises :class:`StepFailed` when it runs past ``timeout`` or exits with a status not in ``ok``.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(f"\n$ {' '.join(command)}\n".encode())
        log.flush()
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=log, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise StepFailed(f"{what} ran past {timeout:.0f} s and was stopped (log: {log_path})") from None
    if done.returncode not in ok:
        raise StepFailed(f"{what} exited with status {done.returncode} (log: {log_path}){_last_error(log_path)}")
    return done.stdout.decode(errors="replace")


def _last_error(log_path: Path) -> str:
    """Return ``: <last non-empty line of the log>`` (what a failed step said last), or nothing."""
    try:
        lines = [line.strip() for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return f": {lines[-1][:300]}" if lines and not lines[-1].startswith("$ ") else ""


def read_json_result(path: Path, required: tuple[str, ...], what: str, log_path: Path) -> dict:
    """Return the JSON object a step wrote to ``path``, with every key of ``required``; else raise :class:`StepFailed`."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise StepFailed(f"{what} wrote no result file {path} (log: {log_path}){_last_error(log_path)}") from None
    except ValueError as error:
        raise StepFailed(f"{what} wrote an unreadable result file {path} ({error}; log: {log_path})") from None
    if not isinstance(found, dict):
        raise StepFailed(f"{what} wrote {type(found).__name__} instead of an object to {path} (log: {log_path})")
    if found.get("error"):
        raise StepFailed(f"{what} failed: {found['error']} (log: {log_path})")
    missing = [key for key in required if found.get(key) is None]
    if missing:
        raise StepFailed(f"{what} wrote a result without {', '.join(missing)} to {path} (log: {log_path})")
    return found


def _manifest(out_root: Path) -> dict:
    path = out_root / "current" / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def manifest_phases(manifest: dict) -> dict[str, float] | None:
    """Return the build's own phase timings (``"phases"`` of ``manifest.json``: name → seconds), None when absent."""
    phases = manifest.get("phases")
    if not isinstance(phases, dict):
        return None
    return {str(name): float(seconds) for name, seconds in phases.items() if isinstance(seconds, (int, float))}


def build_without_validation(data_dir: Path, out_root: Path, log_path: Path, timeout: float) -> dict:
    """Build ``data_dir`` into ``out_root`` with ``build_release(..., validate=False)`` (store and dumps only).

    Returns ``seconds``, ``triples``, ``phases`` and where the phases come from
    (``phases_from``: the published manifest, or None when it has no phases).
    Raises :class:`StepFailed` naming the reason and the log.
    """
    what = "build without validation"
    result_path = log_path.with_name("build-without-validation.json")
    result_path.unlink(missing_ok=True)
    command = [sys.executable, str(HERE / "timed_build.py"), str(out_root), str(data_dir), "--result", str(result_path)]
    run_logged(what, command, log_path, timeout, ok=(0, 1))  # 1: the result file says why
    found = read_json_result(result_path, ("seconds", "triples"), what, log_path)
    if found.get("status", 0) != 0:
        raise StepFailed(f"{what} exited with status {found['status']} (log: {log_path})")
    if found["seconds"] <= 0:
        raise StepFailed(f"{what} reported {found['seconds']} s (log: {log_path})")
    return {k: found.get(k) for k in ("seconds", "triples", "phases", "phases_from")}


def build_as_a_user(data_dir: Path, out_root: Path, engine: str, log_path: Path, timeout: float) -> dict:
    """Run ``tierslieux build --engine ENGINE`` on ``data_dir`` in a subprocess, timed from outside.

    Returns ``seconds`` (wall time of the command), ``triples`` (from the
    published manifest) and ``phases`` when the manifest has them (else None).
    Raises :class:`StepFailed` naming the reason and the log.
    """
    what = f"tierslieux build --engine {engine}"
    before = _manifest(out_root).get("release")
    command = [str(Path(sys.executable).parent / "tierslieux"), "build", "--out", str(out_root), "--data-dir", str(data_dir), "--engine", engine]
    started = time.perf_counter()
    run_logged(what, command, log_path, timeout)
    seconds = time.perf_counter() - started
    manifest = _manifest(out_root)
    if not manifest.get("triples") or manifest.get("release") == before:
        raise StepFailed(f"{what} exited with status 0 but published no new release in {out_root} (log: {log_path})")
    phases = manifest_phases(manifest)
    return {"seconds": seconds, "triples": manifest["triples"], "phases": phases, "phases_from": "manifest" if phases is not None else None}


def timed_validation(engine: str, data_dir: Path, log_path: Path, timeout: float) -> dict:
    """Time validation of ``data_dir`` by ``engine`` (``reference`` or ``fast``); ``{"available": False}`` without that engine."""
    output = run_logged(f"validation ({engine})", [sys.executable, str(HERE / "timed_validation.py"), engine, str(data_dir)], log_path, timeout, ok=(0, 3))
    for line in reversed(output.strip().splitlines()):
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if isinstance(found, dict) and "available" in found:
            return found
    raise StepFailed(f"validation ({engine}) printed no result line (log: {log_path})")
