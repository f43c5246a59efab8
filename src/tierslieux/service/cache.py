"""A folder for files the service derives from a release (ontology documentation, compressed dumps).

Derived files are written once per release, not per request, into
``CACHE_DIR`` (default ``BUILD_DIR/cache``), one sub-folder per release or
store; only the most recent few sub-folders are kept. When that folder cannot
be written (a service running as a user without write access to the build),
the system's temporary folder is used instead.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from flask import current_app

KEPT_ENTRIES = 4


def _root() -> Path:
    configured = current_app.config.get("CACHE_DIR")
    root = Path(configured) if configured else Path(current_app.config["BUILD_DIR"]) / "cache"
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=root, prefix=".probe-")
        probe.close()
        return root
    except OSError:
        fallback = Path(tempfile.gettempdir()) / "tierslieux-service-cache"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def cache_dir(key: str) -> Path:
    """Return (creating it) the cache folder for ``key`` (a release path or a store identity)."""
    root = _root()
    folder = root / hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "KEY").write_text(key + "\n", encoding="utf-8")
        _prune(root, keep=folder)
    return folder


def _prune(root: Path, keep: Path) -> None:
    """Remove all but the most recently created cache folders."""
    folders = sorted((p for p in root.iterdir() if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in folders[KEPT_ENTRIES - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
