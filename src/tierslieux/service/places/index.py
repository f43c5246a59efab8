"""Every place's name and published coordinates, and the unfiltered facet counts, read once per release.

Why: the explorer opens on every place (the map), the facet counts of the
whole graph and the first page of the list in France's view. On 100,000
places Oxigraph alone takes about 1.2 s for the plainest query listing every
place with its coordinates, 8 s for the page query and 4 s for the facets, so
no request-time query can give that first view in under a second. A
release never changes, so these are read once per release and worker, with
the page and facet queries of :mod:`.query` (one code path, the same
answers), and kept in the store registry's per-store cache: a new release
starts with none.

Contract:

* :func:`places_index` returns the index of the store a request reads once it
  has been read. While it is being read, a request it would answer waits for
  it, up to the request's own time limit, rather than computing the same
  answer beside it: on the repository's graph the first view right after a
  start then comes from the index (the three requests computing beside the
  reading took longer than the reading), and on 100,000 places the requests
  no longer take the long-query slots and cores the reading needs. Past that
  limit it raises :class:`~..errors.NotReady` (503, ``Retry-After``). When
  no reading was started or it failed, it returns None and the request
  queries the store, as it does for a store handed in or external (which may
  change without the service knowing).
* :meth:`PlacesIndex.select` answers a page whose filters are empty or a
  bounding box only, with the records, order and total the page query gives.
* :func:`warm_up` reads it in the background as soon as the store registry has
  opened a release (:func:`read_places_index`: one reading at a time, allowed
  ``PLACES_INDEX_SECONDS`` per query; tried again while every long-query slot
  is taken, within that time; not tried again after a failure).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask

from ...stores.base import QueryBusy, QueryFailed, QueryOutOfMemory, QueryTimeout, Store, StoreError
from ..errors import NotReady
from ..stores import registry
from .filters import Filters
from .query import FacetCounts, Page, fetch_page, read_facets

_log = logging.getLogger(__name__)
#: Keys of the index, the lock reading it, a failed reading, and the event set when a reading ends, in the
#: registry's per-store cache.
_INDEX, _LOCK, _FAILED, _READ = "places index", "places index lock", "places index failed", "places index read"
#: Seconds between two tries when every long-query slot was taken.
BUSY_PAUSE_SECONDS = 2.0
#: A limit above any number of places: the index holds them all.
_EVERY_PLACE = 10**9


@dataclass(frozen=True)
class PlacesIndex:
    """Every place as (IRI, slug, name, latitude, longitude), in the page query's order, and the unfiltered facets."""

    places: tuple[tuple[str, str | None, str | None, float | None, float | None], ...]
    facets: FacetCounts

    @staticmethod
    def answers(filters: Filters) -> bool:
        """Whether :meth:`select` can answer ``filters``: no facet value, no text, no list of places (a box may be given)."""
        return not filters.values and not filters.text and not filters.places

    def select(self, filters: Filters, offset: int, limit: int) -> Page:
        """The page of the places within ``filters``' bounding box (every place without one), as the page query gives it.

        A place is within the box when its published latitude and longitude
        are, bounds included; a place without coordinates is never.
        """
        kept = self.places
        if filters.bbox is not None:
            west, south, east, north = filters.bbox
            kept = tuple(p for p in kept if p[3] is not None and p[4] is not None and south <= p[3] <= north and west <= p[4] <= east)
        records = [
            {"id": iri, "slug": slug, "name": name, "latitude": lat, "longitude": long}
            for iri, slug, name, lat, long in kept[offset : offset + limit]
        ]
        return Page(records, len(kept), offset, limit)


def read_index(store: Store, timeout: float | None) -> PlacesIndex:
    """Read the index of ``store`` with the page query (every place, map fields) and the facet query (no filter)."""
    page = fetch_page(store, Filters(), offset=0, limit=_EVERY_PLACE, fields="map", timeout=timeout)
    places = tuple((r["id"], r["slug"], r["name"], r["latitude"], r["longitude"]) for r in page.records)
    return PlacesIndex(places, read_facets(store, Filters(), timeout=timeout))


def places_index(store: Store, wait: float = 0.0) -> PlacesIndex | None:
    """The index of ``store`` (see the module docstring): once read, at once; while being read, after waiting for
    it up to ``wait`` seconds (:class:`~..errors.NotReady` past them); None when no reading was started or it
    failed, or for a store handed in: the request then queries the store."""
    stores = registry()
    if not stores.serves_release:
        return None
    cache = stores.cache(store)
    if _INDEX in cache:
        return cache[_INDEX]
    reading = cache.get(_READ)
    if reading is None or reading.is_set():
        return None
    started = time.perf_counter()
    if not reading.wait(wait):
        raise NotReady("the places index", round(time.perf_counter() - started, 1))
    return cache.get(_INDEX)


def read_places_index(store: Store, seconds: float) -> PlacesIndex | None:
    """Read the index of ``store`` for the current application, allowing ``seconds`` per query, unless it is read or
    being read already; return it, or None when it could not be read (then requests query the store as before, and
    it is not tried again for that release). While every long-query slot is taken it tries again every
    :data:`BUSY_PAUSE_SECONDS`, for up to ``seconds``, then leaves it to the release's next opening."""
    stores = registry()
    if not stores.serves_release:
        return None
    cache = stores.cache(store)
    lock = cache.setdefault(_LOCK, threading.Lock())  # dict.setdefault is atomic: one lock per store
    if not lock.acquire(blocking=False):
        return None  # another thread reads it
    reading = cache[_READ] = threading.Event()  # requests the index would answer wait on it
    try:
        started = time.perf_counter()
        while _INDEX not in cache and not cache.get(_FAILED):
            try:
                cache[_INDEX] = read_index(store, seconds)
                _log.info("the places index of %s is read: %d places in %.1f s", store.identity,
                          len(cache[_INDEX].places), time.perf_counter() - started)
            except QueryBusy:
                if time.perf_counter() - started + BUSY_PAUSE_SECONDS > seconds:
                    return None  # every long-query slot stayed taken: tried again at the next opening
                time.sleep(BUSY_PAUSE_SECONDS)
            except (StoreError, QueryTimeout, QueryFailed, QueryOutOfMemory) as error:
                cache[_FAILED] = True
                _log.warning(
                    "the places index of %s could not be read (%s: %s); the places API queries the store for each request",
                    store.identity, type(error).__name__, error,
                )
        return cache.get(_INDEX)
    finally:
        reading.set()
        lock.release()


def warm_up(app: Flask) -> threading.Thread | None:
    """Read the index of the release ``app`` serves in a daemon thread (None when answers are not kept).

    The store registry calls it each time it opens a release (its ``after_open``
    callables), so the index is read once per release and worker, in the
    background, allowing ``PLACES_INDEX_SECONDS`` per query: meanwhile the
    requests it will answer wait for it (:func:`places_index`).
    """
    if not app.extensions["tierslieux.stores"].serves_release:
        return None

    def read() -> None:
        with app.app_context():
            try:
                store = registry().get()
            except StoreError:
                return  # nothing published yet: the first request says why
            read_places_index(store, float(app.config["PLACES_INDEX_SECONDS"]))

    thread = threading.Thread(target=read, name="places-index", daemon=True)
    thread.start()
    return thread
