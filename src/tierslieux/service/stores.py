"""Which store a request reads: opened once per worker process, re-opened when a new release is published.

The built store is queried through :class:`~tierslieux.stores.query_processes.IsolatedStore`
(query processes killed at the time limit) unless ``processes`` is 0, which
queries it in the worker itself (no hard stop: for measurements). A read-only
release is held in memory, its query processes forked from it
(:mod:`tierslieux.stores.held_in_memory`), when ``in_memory`` says so:
``"auto"`` for a release of at most ``in_memory_max_quads`` quads, True or
False to force the choice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app, g

from ..release import BuildLayout, Release
from ..stores.base import Store, StoreError
from ..stores.embedded import EmbeddedStore
from ..stores.query_processes import IsolatedStore, LongQuerySlots

_log = logging.getLogger(__name__)
#: How often a worker looks whether a new release was published (StoreRegistry.follow_releases).
FOLLOW_SECONDS = 0.5


class StoreRegistry:
    """Hands out the current store and a cache that lives exactly as long as that store.

    The store is opened on first use (a gunicorn worker calls :meth:`open_now`
    before its first request), not at import time, so that each worker opens
    its own read-only handle after the fork.
    """

    def __init__(
        self,
        build_dir: Path,
        fixed_store: Store | None = None,
        *,
        writable: bool = False,
        processes: int = 4,
        timeout: float | None = None,
        memory_mb: int = 0,
        long_query_seconds: float | None = None,
        long_queries: int = 2,
        in_memory: bool | str = "auto",
        in_memory_max_quads: int = 500_000,
    ):
        if in_memory not in (True, False, "auto"):
            raise ValueError(f"STORE_IN_MEMORY is {in_memory!r}: use true, false or \"auto\"")
        self.build_dir = Path(build_dir)
        self.writable = writable
        self.processes = processes
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.in_memory = in_memory
        self.in_memory_max_quads = in_memory_max_quads
        # One set of slots per worker, kept across releases (a query on the old release still holds its slot).
        self.long_queries = None if not long_query_seconds else LongQuerySlots(long_query_seconds, long_queries)
        self._fixed = fixed_store
        self._lock = threading.Lock()
        self._store: Store | None = fixed_store
        self._target: Path | None = None
        self._link: str | None = None
        self._caches: dict[str, dict[str, Any]] = {}
        #: called (without arguments) each time a release has been opened, to prepare what it serves
        self.after_open: list[Callable[[], Any]] = []

    @property
    def serves_release(self) -> bool:
        """Whether the store is a built release (which never changes once published), not a store handed in or external."""
        return self._fixed is None

    @property
    def store_dir(self) -> Path:
        """The store of the published release."""
        return BuildLayout(self.build_dir).store_dir

    def get(self) -> Store:
        """Return the store to query, opening the newly published release if ``current`` moved."""
        if self._fixed is not None:
            return self._fixed
        link = self._current_link()
        with self._lock:
            if self._store is not None and link is not None and link == self._link:
                return self._store
            target = self.store_dir.resolve()
            if self._store is None or target != self._target:
                replaced = self._store
                self._store = self._open(target)
                self._target = target
                self._caches = {}
                if replaced is not None:
                    replaced.close()  # its query processes end once their answers are read
                for prepare in self.after_open:
                    prepare()  # quick: a callable that takes long starts a thread (it may call get(), once this returns)
            # Only once the release is open: a release that failed to open is tried again by the next request.
            self._link = link
            return self._store

    def open_now(self) -> None:
        """Open the published release now (a worker does before its first request); a release that cannot be opened is
        left to the first request, which answers why (503)."""
        try:
            self.get()
        except StoreError as error:
            _log.warning("the published release cannot be opened yet: %s", error)

    def follow_releases(self, interval: float = FOLLOW_SECONDS) -> threading.Thread | None:
        """Open each newly published release as soon as ``current`` moves (a daemon thread polling the link every
        ``interval`` seconds), so that the first request after a publication does not wait while it opens.

        Requests still check the link themselves: one that comes before the
        thread has opened the new release opens it, as always. A release that
        cannot be opened is tried once per publication. Nothing to follow for a
        store handed in or external (None).
        """
        if not self.serves_release:
            return None

        def follow() -> None:
            tried = None
            while True:
                time.sleep(interval)
                link = self._current_link()
                if link is not None and link != self._link and link != tried:
                    tried = link
                    self.open_now()

        thread = threading.Thread(target=follow, name="follow-releases", daemon=True)
        thread.start()
        return thread

    def _current_link(self) -> str | None:
        """Where ``BUILD_DIR/current`` points (one system call, on every request); None when it is not a symlink."""
        try:
            return os.readlink(BuildLayout(self.build_dir).current)
        except OSError:
            return None

    def _open(self, store_dir: Path) -> Store:
        """Open the store in ``store_dir`` (a release's, symlinks resolved) as the settings say."""
        if self.processes <= 0:
            return EmbeddedStore.open(store_dir, read_only=not self.writable)
        return IsolatedStore.open(
            store_dir,
            read_only=not self.writable,
            processes=self.processes,
            default_timeout=self.timeout,
            memory_mb=self.memory_mb,
            long_queries=self.long_queries,
            held_dump=self.dump_to_hold(Release(store_dir.parent)),
        )

    def dump_to_hold(self, release: Release) -> Path | None:
        """The dump to read into memory to serve ``release``, or None to query its on-disk store (see the module docstring)."""
        if self.in_memory is False or self.writable:
            return None
        dump = release.quads_dump
        if not dump.is_file():
            if self.in_memory is True:
                raise StoreError(f"STORE_IN_MEMORY is true but the release has no N-Quads dump {dump}: rebuild it with `tierslieux build`")
            return None
        if self.in_memory == "auto":
            quads = (release.manifest() or {}).get("triples")
            if not isinstance(quads, int) or quads > self.in_memory_max_quads:
                return None
        return dump

    def cache(self, store: Store) -> dict[str, Any]:
        """Return a dict for values computed from ``store`` (statistics, descriptions)."""
        with self._lock:
            return self._caches.setdefault(store.identity, {})

    def forget_cached(self) -> None:
        """Drop every cached value (after an update changed the store)."""
        with self._lock:
            self._caches = {}


def registry() -> StoreRegistry:
    """The registry of the application handling the current request."""
    return current_app.extensions["tierslieux.stores"]


def current_store() -> Store:
    """The store the current request reads: one for the whole request, even when a release is published meanwhile
    (the registry is asked once per request, not by every query of it)."""
    if "tierslieux_store" not in g:
        g.tierslieux_store = registry().get()
    return g.tierslieux_store
