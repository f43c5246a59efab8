"""The explorer's first view, timed: the three requests its page makes on opening (every place for the map, the
facet counts, the first page of the list in France's view), sent together as the browser sends them.

``first`` is the view right after the service started (nothing computed yet for this release); ``again`` is the
median of the next views: answered from the answers kept per release by a service that keeps them, computed again
by one started with ``ANSWER_CACHE_MB=0`` (as ``run.py`` starts it). The
target (docs/benchmark.md) is on ``first``: under 300 ms on the real graph, under 1 s on 100,000 places.
"""

from __future__ import annotations

import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

#: What static/js/explorer.js asks for when the page opens on France (lang=fr, no filter).
FIRST_VIEW = (
    "/api/places?lang=fr&fields=map&limit=100000",
    "/api/places/facets?lang=fr",
    "/api/places?bbox=-10.00000,41.00000,14.00000,51.50000&limit=50&lang=fr",
)
TARGETS_SECONDS = {"real": 0.3, "large": 1.0}


def _get(url: str, timeout: float) -> int:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=timeout) as answer:
        return len(answer.read())


def one_view(base: str, timeout: float = 120.0) -> float:
    """Seconds until all three answers of the first view are read."""
    started = time.perf_counter()
    with ThreadPoolExecutor(len(FIRST_VIEW)) as pool:
        list(pool.map(lambda path: _get(base + path, timeout), FIRST_VIEW))
    return time.perf_counter() - started


def measure_first_view(base: str, repeats: int = 5) -> dict:
    """The first view right after start, then ``repeats`` more (their median)."""
    first = one_view(base)
    again = [one_view(base) for _ in range(repeats)]
    return {"first_seconds": first, "again_median_seconds": statistics.median(again), "again_runs": again}
