"""Answers already computed for the current store, kept while that store is served.

The places API answers the same few questions again and again (the
explorer's first view above all). An answer is kept in the store registry's
cache, which is dropped when a new release is published or an update changes
the store, so a kept answer always reflects the store being served. At most
:data:`KEPT` answers are kept per worker, the least recently used going first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

KEPT = 256


class Answers:
    """A bounded least-recently-used map of answers, safe to share between a worker's threads."""

    def __init__(self, size: int = KEPT):
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """Return the answer kept for ``key``, computing (outside the lock) and keeping it when there is none."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def answers_for(cache: dict) -> Answers:
    """The answers kept in ``cache`` (a store registry's cache for one store), created on first use."""
    return cache.setdefault("places.answers", Answers())
