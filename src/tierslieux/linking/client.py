"""A polite SPARQL client for Wikidata's endpoint: one request at a time, POST, retries, an on-disk cache.

Wikimedia asks robots for a User-Agent naming the tool, its version and a contact,
for one request at a time, and for the ``429 Too Many Requests`` answer and its
``Retry-After`` header to be honoured. A ``200`` whose JSON body does not parse
completely (the endpoint stopped writing mid-answer) is retried like a 5xx.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import platform
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import SPARQLWrapper as sparqlwrapper_module
from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from .. import __version__
from ..rdfio import write_atomically

#: The longest wait a ``Retry-After`` may impose before the run gives up instead.
MAX_RETRY_AFTER_SECONDS = 600.0
MAX_BACKOFF_SECONDS = 120.0


class SparqlError(RuntimeError):
    """A query the endpoint refused, or that still failed after every retry (the message says which and why)."""


def user_agent(contact: str) -> str:
    """Return the User-Agent Wikimedia's policy asks for: tool/version (contact) library/version."""
    return (
        f"tierslieux/{__version__} ({contact}; tiers-lieux knowledge graph, linking places to Wikidata) "
        f"SPARQLWrapper/{sparqlwrapper_module.__version__} Python/{platform.python_version()}"
    )


class ResponseCache:
    """Answers of the endpoint on disk, one JSON file per (endpoint, query), so a rerun asks nothing again."""

    def __init__(self, folder: Path, max_age_seconds: float | None = None):
        self.folder = Path(folder)
        self.max_age_seconds = max_age_seconds

    def _path(self, endpoint: str, query: str) -> Path:
        digest = hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest()
        return self.folder / digest[:2] / f"{digest}.json"

    def get(self, endpoint: str, query: str) -> dict | None:
        """Return the cached answer, or None when there is none or it is older than the maximum age."""
        path = self._path(endpoint, query)
        try:
            if self.max_age_seconds is not None and time.time() - path.stat().st_mtime > self.max_age_seconds:
                return None
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if entry.get("endpoint") != endpoint or entry.get("query") != query:
            return None
        return entry.get("answer")

    def put(self, endpoint: str, query: str, answer: dict) -> None:
        """Store an answer (written atomically, so an interrupted run leaves no half entry)."""
        entry = {"endpoint": endpoint, "query": query, "answer": answer}
        write_atomically(self._path(endpoint, query), json.dumps(entry, ensure_ascii=False))


@dataclass
class ClientStats:
    """What a client did, for the run's summary and for tests."""

    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    waited_seconds: float = 0.0


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _complete_json(body: bytes) -> dict | None:
    """Return the parsed SPARQL JSON answer, or None when the body is cut short or not a SPARQL answer."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(answer, dict):
        return None
    if "boolean" in answer:
        return answer
    results = answer.get("results")
    if not isinstance(results, dict) or not isinstance(results.get("bindings"), list):
        return None
    return answer


class SparqlClient:
    """Send SELECT and ASK queries to one endpoint, politely (see the module docstring)."""

    _lock = threading.Lock()  # one request at a time, across every client of the process

    def __init__(
        self,
        endpoint: str,
        *,
        contact: str,
        cache: ResponseCache | None = None,
        timeout_seconds: float = 60.0,
        max_retries: int = 6,
        backoff_seconds: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
    ):
        self.endpoint = endpoint
        self.agent = user_agent(contact)
        self.cache = cache
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.log = log or (lambda message: None)
        self.stats = ClientStats()

    def select(self, query: str) -> list[dict[str, dict]]:
        """Run a SELECT query and return its bindings (``{variable: {"type":…, "value":…}}`` per row)."""
        return self._answer(query)["results"]["bindings"]

    def ask(self, query: str) -> bool:
        """Run an ASK query and return its boolean."""
        answer = self._answer(query)
        if "boolean" not in answer:
            raise SparqlError(f"{self.endpoint}: an ASK query got an answer without a boolean")
        return bool(answer["boolean"])

    def _answer(self, query: str) -> dict:
        if self.cache is not None:
            cached = self.cache.get(self.endpoint, query)
            if cached is not None:
                self.stats.cache_hits += 1
                return cached
        with self._lock:
            answer = self._ask_endpoint(query)
        if self.cache is not None:
            self.cache.put(self.endpoint, query, answer)
        return answer

    def _wrapper(self, query: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(self.endpoint, agent=self.agent)
        wrapper.setQuery(query)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(int(self.timeout_seconds))
        return wrapper

    def _wait(self, seconds: float, why: str) -> None:
        self.stats.retries += 1
        self.stats.waited_seconds += seconds
        self.log(f"{self.endpoint}: {why}; waiting {seconds:g} s before asking again")
        self.sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        return min(MAX_BACKOFF_SECONDS, self.backoff_seconds * (2**attempt))

    def _ask_endpoint(self, query: str) -> dict:
        reason = "no attempt made"
        for attempt in range(self.max_retries + 1):
            self.stats.requests += 1
            try:
                result = self._wrapper(query).query()
                body = result.response.read()
            except urllib.error.HTTPError as error:
                if error.code == 429:
                    delay = _retry_after_seconds(error.headers.get("Retry-After"))
                    if delay is not None and delay > MAX_RETRY_AFTER_SECONDS:
                        raise SparqlError(
                            f"{self.endpoint}: too many requests, and the endpoint asks to wait {delay:g} s; try again later"
                        ) from None
                    reason = "429 Too Many Requests"
                    if attempt < self.max_retries:
                        self._wait(delay if delay is not None else self._backoff(attempt), reason)
                    continue
                if 500 <= error.code < 600:
                    reason = f"HTTP {error.code}"
                    if attempt < self.max_retries:
                        self._wait(self._backoff(attempt), reason)
                    continue
                raise SparqlError(f"{self.endpoint}: HTTP {error.code} {error.reason}: {error.read()[:500]!r}") from None
            except EndPointInternalError as error:
                reason = f"HTTP 500 ({str(error)[:200]})"
                if attempt < self.max_retries:
                    self._wait(self._backoff(attempt), reason)
                continue
            except SPARQLWrapperException as error:
                raise SparqlError(f"{self.endpoint}: the query was refused: {str(error)[:500]}") from None
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                reason = f"no answer ({getattr(error, 'reason', error)})"
                if attempt < self.max_retries:
                    self._wait(self._backoff(attempt), reason)
                continue
            answer = _complete_json(body)
            if answer is not None:
                return answer
            reason = f"a truncated or malformed answer ({len(body)} bytes that do not parse as SPARQL JSON)"
            if attempt < self.max_retries:
                self._wait(self._backoff(attempt), reason)
        raise SparqlError(f"{self.endpoint}: gave up after {self.max_retries + 1} attempts; last: {reason}")

    def service_description(self) -> tuple[bytes, str] | None:
        """Fetch the endpoint's SPARQL 1.1 service description (a GET without a query): (body, media type), or None.

        The answer is cached like a query's, so a rerun asks nothing again.
        """
        key = "GET (service description)"
        if self.cache is not None:
            cached = self.cache.get(self.endpoint, key)
            if cached is not None:
                self.stats.cache_hits += 1
                return (base64.b64decode(cached["body"]), cached["media_type"]) if cached.get("body") is not None else None
        request = urllib.request.Request(
            self.endpoint, headers={"User-Agent": self.agent, "Accept": "text/turtle, application/rdf+xml;q=0.8"}
        )
        with self._lock:
            self.stats.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    found = response.read(), response.headers.get_content_type()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                found = None
        if self.cache is not None:
            entry = {"body": base64.b64encode(found[0]).decode("ascii"), "media_type": found[1]} if found else {"body": None}
            self.cache.put(self.endpoint, key, entry)
        return found
