"""The explorer's first view, timed: the three requests its page makes on opening (every place for the map, the
facet counts, the first page of the list in France's view), sent together as the browser sends them.

Each figure counts the answers that were not 200 beside it (a busy service answers 503 with ``Retry-After``); a
view is whole only without them. ``first`` is the view right after the service started (nothing computed yet for this release); ``again`` is the
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
    """The status of the answer to ``url``, once its body is read (a 503 of a busy service counts, and is reported)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=timeout) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def one_view(base: str, timeout: float = 120.0) -> tuple[float, list[int]]:
    """Seconds until all three answers of the first view are read, and their statuses (in ``FIRST_VIEW``'s order)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(len(FIRST_VIEW)) as pool:
        statuses = list(pool.map(lambda path: _get(base + path, timeout), FIRST_VIEW))
    return time.perf_counter() - started, statuses


def failed(statuses: list[int]) -> dict[str, int]:
    """How many answers of ``statuses`` were not 200, by status (empty when the view was whole)."""
    counts: dict[str, int] = {}
    for status in statuses:
        if status != 200:
            counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def view_text(seconds: float | None, failures: dict[str, int] | None = None) -> str:
    """A view's time for a report, with the answers that were not 200 (``503 ×2``): a view is whole only without them."""
    if seconds is None:
        return "–"
    text = f"{seconds * 1000:,.0f} ms"
    if failures:
        text += " (" + ", ".join(f"{status} ×{count}" for status, count in sorted(failures.items())) + ")"
    return text


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


def measure_first_view(base: str, repeats: int = 5, started_at: float | None = None) -> dict:
    """The first view right after start, then ``repeats`` more (their median); then, once every worker has read the
    places index, the first view again (nothing else kept: run.py starts the service with ``ANSWER_CACHE_MB=0``).
    Answers that were not 200 are counted by status beside each figure (``*_failures``). ``started_at`` (the
    server's start, on ``time.perf_counter``'s clock) also dates the index's reading from the start."""
    first, first_statuses = one_view(base)
    again = [one_view(base) for _ in range(repeats)]
    index_seconds = wait_for_places_index(base)
    index_read_at = time.perf_counter()
    indexed = [one_view(base) for _ in range(repeats)] if index_seconds is not None else []
    return {
        "first_seconds": first,
        "first_failures": failed(first_statuses),
        "again_median_seconds": statistics.median(seconds for seconds, _ in again),
        "again_runs": [seconds for seconds, _ in again],
        "again_failures": failed([status for _, statuses in again for status in statuses]),
        "index_read_after_seconds": index_seconds,
        "index_read_after_start_seconds": index_read_at - started_at if started_at is not None and index_seconds is not None else None,
        "indexed_median_seconds": statistics.median(seconds for seconds, _ in indexed) if indexed else None,
        "indexed_runs": [seconds for seconds, _ in indexed],
        "indexed_failures": failed([status for _, statuses in indexed for status in statuses]),
    }
