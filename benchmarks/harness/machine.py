"""A description of the computer and software the benchmark ran on (from /proc and package metadata)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("tierslieux", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "pyshacl", "flask", "gunicorn", "fastapi", "uvicorn")


def cpu_model() -> str:
    """Return the CPU model name of /proc/cpuinfo (or the platform's processor string)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    """Return the machine's total memory in GiB (MemTotal of /proc/meminfo)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def load_average() -> list[float]:
    """Return the 1-, 5- and 15-minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]


def versions() -> dict[str, str]:
    """Return the installed version of each package of :data:`PACKAGES` (``missing`` when absent)."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def oxigraph_server_version() -> str:
    """Return what ``oxigraph --version`` prints."""
    try:
        done = subprocess.run([str(Path(sys.executable).parent / "oxigraph"), "--version"], capture_output=True, text=True, timeout=30, check=False)
        return done.stdout.strip() or done.stderr.strip()
    except OSError as error:
        return f"unavailable ({error})"


def git_state(root: Path) -> dict:
    """Return the commit checked out in ``root`` and the files under src/ and queries/ that differ from it."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, check=False)
        return done.stdout.strip()

    changed = [line[3:] for line in git("status", "--porcelain", "--", "src", "queries").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted": changed}


def describe() -> dict:
    """Return the machine's description: CPU, cores, memory, OS, Python and package versions, load average."""
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gib": memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "packages": versions(),
        "oxigraph_server": oxigraph_server_version(),
        "load_average_start": load_average(),
        "git": git_state(Path(__file__).resolve().parents[2]),
    }
