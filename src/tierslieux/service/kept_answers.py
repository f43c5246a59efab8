"""Answers kept per release, and conditional requests: one decorator for every view that reads nothing but the release.

A published release never changes, so the answer to a request that reads
only the release is a function of the release and of the request. Pages,
named queries, the places API and the explorer ask the same few questions
again and again: :func:`kept_per_release` computes each answer once per
worker and answers the same request again from memory.

The contract of a decorated view:

* **Key**: the store's identity (a new release is a new folder), the method
  (GET and HEAD alike, or POST), the path, the query string's parameters (in
  any order), what a view may negotiate on or write into its answer (the
  ``Accept`` and ``Accept-Language`` headers, the URL root) and a POST's
  content type and body (SPARQL clients often POST their queries). The key is
  hashed; a 64 KiB query costs 32 bytes of key.
* **Kept**: 200 answers that are not streamed, up to a quarter of the budget
  each. The budget (``ANSWER_CACHE_MB`` per worker; 0 keeps nothing) holds the
  most recently used answers. Answers are kept only for a built release: an
  external store (``STORE_URL``) or a store handed in (``STORE``) may change
  without the service knowing.
* **Not kept**: an answer that depends on more than the release; its view
  says so with :func:`not_kept` (a SPARQL text using ``NOW()``, ``RAND()``,
  ``SERVICE``…).
* **Emptied**: a new release starts with no kept answer, and so does a store
  after an update (both through the store registry's per-store cache).
* **Conditional requests** (GET and HEAD): every 200 answer, kept or not, gets a strong
  ``ETag`` (a digest of its body) and ``Cache-Control: no-cache`` (a client
  revalidates, since a new release changes answers); ``If-None-Match`` with
  that tag is answered 304 without a body, from memory when the answer is kept.
* ``X-Cache: hit`` or ``miss`` tells operators (and tests) where an answer came from.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, current_app, g, request

from ..stores.base import StoreError
from .stores import current_store, registry

#: Answers bigger than this share of the budget are not kept (one answer must not push out all others).
LARGEST_SHARE = 4
#: Response headers that belong to one answer only, never replayed.
NOT_REPLAYED = frozenset({"set-cookie", "date", "content-length", "x-cache"})
#: Methods whose answers are kept (a POST's body is part of its key: SPARQL clients often send queries so).
KEPT_METHODS = ("GET", "HEAD", "POST")
#: The response header that says whether an answer was kept.
CACHE_HEADER = "X-Cache"
#: Words of a SPARQL text whose answer depends on more than the release (the clock, chance, another service).
NOT_DETERMINED_BY_RELEASE = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE|SERVICE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class KeptAnswer:
    """One kept answer: its headers and body (the status is always 200)."""

    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def size(self) -> int:
        """Bytes this answer holds, headers included."""
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


class KeptAnswers:
    """A least-recently-used map of answers bounded in bytes, safe to share between one worker's threads."""

    def __init__(self, budget_bytes: int):
        self.budget_bytes = budget_bytes
        self.bytes = 0
        self._items: OrderedDict[bytes, KeptAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> KeptAnswer | None:
        """The answer kept for ``key`` (now the most recently used), or None."""
        with self._lock:
            answer = self._items.get(key)
            if answer is not None:
                self._items.move_to_end(key)
            return answer

    def keep(self, key: bytes, answer: KeptAnswer) -> bool:
        """Keep ``answer`` under ``key``, forgetting the least recently used ones past the budget; False when it is too big."""
        if answer.size * LARGEST_SHARE > self.budget_bytes:
            return False
        with self._lock:
            replaced = self._items.pop(key, None)
            if replaced is not None:
                self.bytes -= replaced.size
            self._items[key] = answer
            self.bytes += answer.size
            while self.bytes > self.budget_bytes:
                _, forgotten = self._items.popitem(last=False)
                self.bytes -= forgotten.size
        return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def not_kept() -> None:
    """Say that the current request's answer depends on more than the release, so it must not be kept."""
    g.tierslieux_not_kept = True


def not_kept_unless_determined(sparql: str) -> None:
    """Say the current answer must not be kept when ``sparql`` may read the clock, chance or another service."""
    if NOT_DETERMINED_BY_RELEASE.search(sparql):
        not_kept()


def _request_key(identity: str) -> bytes | None:
    """The key of the current request's answer for the store ``identity`` (see the module docstring); None: not kept.

    A POST's body is part of its key, when its length is declared and within
    ``MAX_CONTENT_LENGTH`` (otherwise the view answers the request as it is).
    """
    parts = [
        identity,
        request.method == "POST",
        request.path,
        sorted(request.args.items(multi=True)),
        request.headers.get("Accept", ""),
        request.headers.get("Accept-Language", ""),
        request.url_root,
    ]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8"))
    if request.method == "POST":
        length = request.content_length
        if length is None or length > int(current_app.config["MAX_CONTENT_LENGTH"]):
            return None
        digest.update(request.headers.get("Content-Type", "").encode("utf-8") + b"\0")
        digest.update(request.get_data(cache=True))
    return digest.digest()


def _kept_answers() -> tuple[KeptAnswers, str] | None:
    """The current release's kept answers and the store's identity; None when answers are not kept."""
    budget = int(float(current_app.config["ANSWER_CACHE_MB"]) * (1 << 20))
    stores = registry()
    if budget <= 0 or not stores.serves_release:
        return None
    try:
        store = current_store()
    except StoreError:
        return None  # the view answers the failure in its own way
    answers = stores.cache(store).setdefault("kept answers", KeptAnswers(budget))
    return answers, store.identity


def _replay(answer: KeptAnswer) -> Response:
    response = Response(answer.body, status=200)
    response.headers.clear()
    for name, value in answer.headers:
        response.headers.add(name, value)
    response.headers[CACHE_HEADER] = "hit"
    return response


def _validated(response: Response) -> bool:
    """Give a whole 200 answer its validators (ETag, Cache-Control); whether it got them."""
    if response.status_code != 200 or response.is_streamed:
        return False
    if response.get_etag() == (None, None):
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers.setdefault("Cache-Control", "no-cache")
    return True


def kept_per_release(view: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a view whose answers to GET (and POST) read nothing but the release (see the module docstring)."""

    @functools.wraps(view)
    def answer(*args, **kwargs) -> Response:
        if request.method not in KEPT_METHODS:
            return view(*args, **kwargs)
        kept = _kept_answers()
        key = None
        if kept is not None:
            answers, identity = kept
            key = _request_key(identity)
            found = None if key is None else answers.get(key)
            if found is not None:
                return _replay(found).make_conditional(request)
        response = current_app.make_response(view(*args, **kwargs))
        if not _validated(response):
            return response  # errors and streamed answers are neither kept nor validated
        response.headers[CACHE_HEADER] = "miss"
        if key is not None and not g.get("tierslieux_not_kept", False):
            headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in NOT_REPLAYED)
            answers.keep(key, KeptAnswer(headers, response.get_data()))
        return response.make_conditional(request)

    return answer
