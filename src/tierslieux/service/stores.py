"""Which store a request reads: opened once per worker process, re-opened when a new release is published.

The built store is queried through :class:`~tierslieux.stores.query_processes.IsolatedStore`
(query processes killed at the time limit) unless ``processes`` is 0, which
queries it in the worker itself (no hard stop: for measurements).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from flask import current_app

from ..release import BuildLayout
from ..stores.base import Store
from ..stores.embedded import EmbeddedStore
from ..stores.query_processes import IsolatedStore, LongQuerySlots


class StoreRegistry:
    """Hands out the current store and a cache that lives exactly as long as that store.

    The store is opened on first use, not at import time, so that each gunicorn
    worker opens its own read-only handle after the fork.
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
    ):
        self.build_dir = Path(build_dir)
        self.writable = writable
        self.processes = processes
        self.timeout = timeout
        self.memory_mb = memory_mb
        # One set of slots per worker, kept across releases (a query on the old release still holds its slot).
        self.long_queries = None if not long_query_seconds else LongQuerySlots(long_query_seconds, long_queries)
        self._fixed = fixed_store
        self._lock = threading.Lock()
        self._store: Store | None = fixed_store
        self._target: Path | None = None
        self._link: str | None = None
        self._caches: dict[str, dict[str, Any]] = {}

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
            self._link = link
            if self._store is None or target != self._target:
                replaced = self._store
                self._store = self._open()
                self._target = target
                self._caches = {}
                if replaced is not None:
                    replaced.close()  # its query processes end once their answers are read
            return self._store

    def _current_link(self) -> str | None:
        """Where ``BUILD_DIR/current`` points (one system call, on every request); None when it is not a symlink."""
        try:
            return os.readlink(BuildLayout(self.build_dir).current)
        except OSError:
            return None

    def _open(self) -> Store:
        if self.processes <= 0:
            return EmbeddedStore.open(self.store_dir, read_only=not self.writable)
        return IsolatedStore.open(
            self.store_dir,
            read_only=not self.writable,
            processes=self.processes,
            default_timeout=self.timeout,
            memory_mb=self.memory_mb,
            long_queries=self.long_queries,
        )

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
    """The store the current request reads."""
    return registry().get()
