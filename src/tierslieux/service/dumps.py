"""The dumps of the published release at ``/dumps/``: an index page and each file, cached and compressed.

Every file answers conditional requests: its ETag is the SHA-256 the build
wrote in ``manifest.json`` and Last-Modified its modification time, so
``If-None-Match`` / ``If-Modified-Since`` get 304. A client that accepts gzip
gets the file gzip-compressed (``Content-Encoding: gzip``); the compressed copy
is written once per release, at its first request, into the service's cache
folder (see :mod:`.cache`), never into the release itself.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_file

from ..formats import RDF_FORMATS
from ..release import BuildLayout, Release
from .cache import cache_dir
from .stores import registry

bp = Blueprint("dumps", __name__, url_prefix="/dumps")

#: File suffix -> (media type, format name, whether the file keeps the named graphs).
DUMP_TYPES: dict[str, tuple[str, str, bool]] = {f.suffix: (f.media_type, f.label, f.dataset) for f in RDF_FORMATS}
_compress_lock = threading.Lock()


def release_dir() -> Path | None:
    """The folder of the published release (``BUILD_DIR/current`` resolved), or None when nothing is built."""
    current = BuildLayout(registry().build_dir).current_release
    return current.folder.resolve() if current.dumps_dir.is_dir() else None


def _manifest(release: Path) -> dict:
    return Release(release).manifest() or {}


def dump_files(release: Path) -> list[Path]:
    """The dump files of ``release`` in a known format, sorted by name."""
    return sorted(p for p in Release(release).dumps_dir.iterdir() if p.is_file() and p.suffix in DUMP_TYPES)


def compressed_copy(path: Path, release: Path) -> Path:
    """Return a gzip copy of ``path``, writing it (atomically) on first use for this release."""
    target = cache_dir(str(release)) / "dumps" / (path.name + ".gz")
    source_mtime = path.stat().st_mtime
    if target.is_file() and target.stat().st_mtime >= source_mtime:
        return target
    with _compress_lock:
        if target.is_file() and target.stat().st_mtime >= source_mtime:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as raw, path.open("rb") as source:
                # mtime=0 and no file name: the same dump always compresses to the same bytes.
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as compressed:
                    shutil.copyfileobj(source, compressed, 1 << 20)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return target


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


@bp.get("/")
def index() -> Response:
    """The list of dump files with format, size and checksum, and the release they belong to."""
    release = release_dir()
    files = []
    manifest = {}
    if release is not None:
        manifest = _manifest(release)
        known = manifest.get("dumps", {})
        for path in dump_files(release):
            media_type, name, whole_dataset = DUMP_TYPES[path.suffix]
            files.append(
                {
                    "name": path.name,
                    "format": name,
                    "media_type": media_type,
                    "dataset": whole_dataset,
                    "bytes": path.stat().st_size,
                    "sha256": known.get(path.name, {}).get("sha256", ""),
                }
            )
    return render_template("dumps.html", files=files, manifest=manifest)


@bp.get("/<name>")
def dump(name: str) -> Response:
    """One dump file, gzip-compressed when the client accepts it; 304 when the client's copy is current."""
    release = release_dir()
    if release is None:
        abort(404, description="No release has been built yet: run `tierslieux build`.")
    files = {p.name: p for p in dump_files(release)}
    if name not in files:
        abort(404, description=f"No dump named {name!r}; the dumps are: {', '.join(files) or 'none'}.")
    path = files[name]
    media_type = DUMP_TYPES[path.suffix][0]
    stat = path.stat()
    digest = _manifest(release).get("dumps", {}).get(name, {}).get("sha256") or f"{int(stat.st_mtime_ns)}-{stat.st_size}"
    last_modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
    if _accepts_gzip():
        response = send_file(
            compressed_copy(path, release), mimetype=media_type, etag=f"{digest[:32]}-gzip", last_modified=last_modified, conditional=True
        )
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = send_file(path, mimetype=media_type, etag=digest[:32], last_modified=last_modified, conditional=True)
    response.vary.add("Accept-Encoding")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
