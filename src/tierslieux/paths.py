"""Where the knowledge model lives: the repository's folders, or the copies inside an installed wheel."""

from __future__ import annotations

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
MAPPINGS_DIR = RESOURCE_ROOT / "mappings"


def default_build_dir() -> Path:
    """Return the folder `tierslieux build` writes to when none is given: ./build in the working directory."""
    return Path.cwd() / "build"


def turtle_files(folder: Path) -> list[Path]:
    """Return every Turtle file below ``folder``, sorted so that builds are reproducible."""
    return sorted(p for p in folder.rglob("*.ttl") if p.is_file())
