"""The layout of a build folder and of a release: the one place that knows where a release keeps its parts.

A build folder holds ``releases/<id>`` (the kept releases) and ``current``, a
symlink to the published one. A release holds ``store/`` (the Oxigraph store),
``dumps/`` and ``manifest.json``. Light on purpose (no RDF or SHACL library):
the service, the stores, the commands and the benchmark read releases through
this module without importing the builder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

#: a release's parts, relative to its folder
STORE = "store"
DUMPS = "dumps"
MANIFEST = "manifest.json"
#: the dump files' name, before their format's suffix
DUMP_BASENAME = "tiers-lieux"


@dataclass(frozen=True)
class Release:
    """One release folder (``releases/<id>``, or the ``current`` symlink) and the paths inside it."""

    folder: Path

    @property
    def store_dir(self) -> Path:
        """The release's on-disk Oxigraph store."""
        return self.folder / STORE

    @property
    def dumps_dir(self) -> Path:
        """The release's dump files."""
        return self.folder / DUMPS

    @property
    def quads_dump(self) -> Path:
        """The release's N-Quads dump: every named graph, the file the service loads to hold the release in memory."""
        return self.dumps_dir / f"{DUMP_BASENAME}.nq"

    @property
    def manifest_path(self) -> Path:
        """The release's JSON manifest (what was built, from what, and how long each phase took)."""
        return self.folder / MANIFEST

    def manifest(self) -> dict | None:
        """Return the manifest, or None when there is none or it cannot be read."""
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def resolved(self) -> Release:
        """The same release with symlinks resolved: one release throughout, even if a build publishes another meanwhile."""
        return Release(self.folder.resolve())


@dataclass(frozen=True)
class BuildLayout:
    """Where a build folder keeps its releases, and the paths inside the current one."""

    root: Path

    @property
    def releases_dir(self) -> Path:
        """The folder holding every kept release."""
        return self.root / "releases"

    @property
    def current(self) -> Path:
        """The symlink to the published release."""
        return self.root / "current"

    @property
    def current_release(self) -> Release:
        """The published release, through the ``current`` symlink (it follows a new publication)."""
        return Release(self.current)

    @property
    def store_dir(self) -> Path:
        """The on-disk Oxigraph store of the published release."""
        return self.current_release.store_dir

    @property
    def dumps_dir(self) -> Path:
        """The dump files of the published release."""
        return self.current_release.dumps_dir

    @property
    def manifest_path(self) -> Path:
        """The JSON manifest of the published release."""
        return self.current_release.manifest_path

    def manifest(self) -> dict | None:
        """Return the published release's manifest, or None when there is none."""
        return self.current_release.manifest()
