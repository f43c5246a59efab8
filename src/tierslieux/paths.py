"""Where the knowledge model lives: the repository's folders, or the copies inside an installed wheel."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_WHEEL_RESOURCES = _PACKAGE_DIR / "_resources"
_REPOSITORY_ROOT = _PACKAGE_DIR.parent.parent


def _resource_root() -> Path:
    if _WHEEL_RESOURCES.is_dir():
        return _WHEEL_RESOURCES
    return _REPOSITORY_ROOT


RESOURCE_ROOT = _resource_root()
ONTOLOGY_DIR = RESOURCE_ROOT / "ontology"
VOCABULARY_DIR = ONTOLOGY_DIR / "vocabularies"
SHAPES_DIR = RESOURCE_ROOT / "shapes"
DATA_DIR = RESOURCE_ROOT / "data"
QUERIES_DIR = RESOURCE_ROOT / "queries"
QC_QUERIES_DIR = QUERIES_DIR / "qc"
STATISTICS_QUERIES_DIR = QUERIES_DIR / "statistics"
MAPPINGS_DIR = RESOURCE_ROOT / "mappings"


def default_build_dir() -> Path:
    """Return the build folder when none is given: ``TIERSLIEUX_BUILD_DIR`` if set, else ./build in the working directory.

    Every command (build, serve, query, publish, generate) and the service take their default from here.
    """
    return Path(os.environ.get("TIERSLIEUX_BUILD_DIR") or Path.cwd() / "build")


def shown(path: Path) -> str:
    """Return ``path`` as people should read it in help texts: relative to the project (``ontology/``) when inside it."""
    try:
        return str(Path(path).relative_to(RESOURCE_ROOT)) + "/"
    except ValueError:
        return str(path)


def turtle_files(folder: Path) -> list[Path]:
    """Return every Turtle file below ``folder``, sorted so that builds are reproducible."""
    return sorted(p for p in folder.rglob("*.ttl") if p.is_file())
