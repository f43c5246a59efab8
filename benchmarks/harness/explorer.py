"""The explorer's first view, timed: the three requests its page makes on opening (every place for the map, the
facet counts, the first page of the list in France's view), sent together as the browser sends them.

``first`` is the view right after the service started (nothing computed yet for this release); ``again`` is the
median of the next views: answered from the answers kept per release by a service that keeps them, computed again
by one started with ``ANSWER_CACHE_MB=0`` (as ``run.py`` starts it); ``indexed`` is the median of the views once
every worker has read the release's places index (src/tierslieux/service/places/index.py), which it does in the
background after opening the release. The target (docs/benchmark.md) is under 300 ms on the real graph, under 1 s on
100,000 places.
"""

from __future__ import annotations

import statistics
import time
import urllib.error
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


#: Consecutive answers chosen from the places index that show every worker has read it (requests go to any worker).
INDEX_READ_ANSWERS = 8


def wait_for_places_index(base: str, timeout: float = 300.0) -> float | None:
    """Seconds until ``INDEX_READ_ANSWERS`` facet answers in a row come from the release's places index (the
    ``X-Places-Index`` header; each asked with a parameter of its own, so no kept answer is replayed); None if not by
    ``timeout``. Answers computed meanwhile (or refused, 503, while the index takes the long-query slots) are waited out."""
    started = time.perf_counter()
    in_a_row = probe = 0
    while time.perf_counter() - started < timeout:
        probe += 1
        try:
            with urllib.request.urlopen(f"{base}/api/places/facets?lang=fr&probe={probe}", timeout=timeout) as answer:
                answer.read()
                used = answer.headers.get("X-Places-Index") == "used"
        except urllib.error.HTTPError:
            used = False
        in_a_row = in_a_row + 1 if used else 0
        if in_a_row >= INDEX_READ_ANSWERS:
            return time.perf_counter() - started
        if not used:
            time.sleep(0.5)
    return None


def measure_first_view(base: str, repeats: int = 5) -> dict:
    """The first view right after start, then ``repeats`` more (their median); then, once every worker has read the
    places index, the first view again (nothing else kept: run.py starts the service with ``ANSWER_CACHE_MB=0``)."""
    first = one_view(base)
    again = [one_view(base) for _ in range(repeats)]
    index_seconds = wait_for_places_index(base)
    indexed = [one_view(base) for _ in range(repeats)] if index_seconds is not None else []
    return {
        "first_seconds": first,
        "again_median_seconds": statistics.median(again),
        "again_runs": again,
        "index_read_after_seconds": index_seconds,
        "indexed_median_seconds": statistics.median(indexed) if indexed else None,
        "indexed_runs": indexed,
    }
