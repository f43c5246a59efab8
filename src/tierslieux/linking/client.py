"""A polite SPARQL client for Wikidata's endpoint: one request at a time, POST, retries, an on-disk cache.

Wikimedia asks robots for a User-Agent naming the tool, its version and a contact,
for one request at a time, and for the ``429 Too Many Requests`` answer and its
``Retry-After`` header to be honoured. Retries are urllib3's ``Retry`` (429 and 5xx
answers, refused or dropped connections; exponential back-off; ``Retry-After``
obeyed, and a wait beyond :data:`MAX_RETRY_AFTER_SECONDS` ends the run with a clear
message). A ``200`` whose JSON body does not parse completely (the endpoint stopped
writing mid-answer) is something urllib3 cannot see: it is retried here, with the
same back-off.
"""

from __future__ import annotations

import base64
import hashlib
import json
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__
from ..rdfio import write_atomically

#: The longest wait a ``Retry-After`` may impose before the run gives up instead.
MAX_RETRY_AFTER_SECONDS = 600.0
MAX_BACKOFF_SECONDS = 120.0
#: Answers worth asking again: too many requests, and the server's own failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SparqlError(RuntimeError):
    """A query the endpoint refused, or that still failed after every retry (the message says which and why)."""


def user_agent(contact: str) -> str:
    """Return the User-Agent Wikimedia's policy asks for: tool/version (contact) library/version."""
    return (
        f"tierslieux/{__version__} ({contact}; tiers-lieux knowledge graph, linking places to Wikidata) "
        f"python-requests/{requests.__version__} Python/{platform.python_version()}"
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


class _RetryAfterTooLong(Exception):
    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


class _PoliteRetry(Retry):
    """urllib3's ``Retry``: waits through the client (its clock, its statistics, its log), back-off from the first retry."""

    def __init__(self, *args, on_wait: Callable[[float, str], None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_wait = on_wait

    def new(self, **kwargs) -> _PoliteRetry:
        retry = super().new(**kwargs)
        retry.on_wait = self.on_wait
        return retry

    def get_backoff_time(self) -> float:
        # urllib3 waits nothing before the first retry; an endpoint under load deserves the back-off at once.
        errors = len([h for h in self.history if h.redirect_location is None])
        return 0.0 if errors == 0 else min(self.backoff_max, self.backoff_factor * 2 ** (errors - 1))

    def get_retry_after(self, response) -> float | None:
        seconds = super().get_retry_after(response)
        if seconds is not None and seconds > MAX_RETRY_AFTER_SECONDS:
            raise _RetryAfterTooLong(seconds)
        return seconds

    def sleep(self, response=None) -> None:
        delay = self.get_retry_after(response) if response is not None else None
        reason = f"HTTP {response.status}" if response is not None else "no answer"
        if response is not None and response.status == 429:
            reason = "429 Too Many Requests"
        self.on_wait(self.get_backoff_time() if delay is None else delay, reason)


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

    def _session(self) -> requests.Session:
        retry = _PoliteRetry(
            total=self.max_retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # POST too: a SPARQL query changes nothing
            backoff_factor=self.backoff_seconds,
            backoff_max=MAX_BACKOFF_SECONDS,
            respect_retry_after_header=True,
            raise_on_status=False,
            retry_after_max=10**9,  # the real wait, so that one beyond reason is reported as asked
            on_wait=self._wait,
        )
        session = requests.Session()
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        session.headers["User-Agent"] = self.agent
        return session

    def _wait(self, seconds: float, why: str) -> None:
        self.stats.retries += 1
        self.stats.requests += 1  # the request the wait is for
        self.stats.waited_seconds += seconds
        self.log(f"{self.endpoint}: {why}; waiting {seconds:g} s before asking again")
        self.sleep(seconds)

    def _post(self, session: requests.Session, query: str) -> requests.Response:
        """POST the query as a form; urllib3 retries what is worth retrying. Raises :class:`SparqlError` for the rest."""
        self.stats.requests += 1
        try:
            return session.post(
                self.endpoint, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=self.timeout_seconds
            )
        except _RetryAfterTooLong as error:
            raise SparqlError(f"{self.endpoint}: too many requests, and the endpoint asks to wait {error.seconds:.0f} s; try again later") from None
        except requests.exceptions.RetryError as error:
            raise SparqlError(f"{self.endpoint}: gave up after {self.max_retries + 1} attempts; last: {_last_reason(error)}") from None
        except requests.exceptions.RequestException as error:
            raise SparqlError(f"{self.endpoint}: gave up after {self.max_retries + 1} attempts; last: no answer ({error})") from None

    def _ask_endpoint(self, query: str) -> dict:
        session = self._session()
        for attempt in range(self.max_retries + 1):
            response = self._post(session, query)
            if response.status_code in RETRY_STATUSES:  # retries spent on them
                raise SparqlError(f"{self.endpoint}: gave up after {self.max_retries + 1} attempts; last: HTTP {response.status_code}")
            if response.status_code == 400:
                raise SparqlError(f"{self.endpoint}: the query was refused: {response.content[:500]!r}")
            if response.status_code != 200:
                raise SparqlError(f"{self.endpoint}: HTTP {response.status_code} {response.reason}: {response.content[:500]!r}")
            answer = _complete_json(response.content)
            if answer is not None:
                return answer
            reason = f"a truncated or malformed answer ({len(response.content)} bytes that do not parse as SPARQL JSON)"
            if attempt == self.max_retries:
                raise SparqlError(f"{self.endpoint}: gave up after {self.max_retries + 1} attempts; last: {reason}")
            self.stats.requests -= 1  # _wait counts the next request, which _post counts again
            self._wait(min(MAX_BACKOFF_SECONDS, self.backoff_seconds * 2**attempt), reason)
        raise AssertionError("unreachable")

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
        with self._lock:
            self.stats.requests += 1
            try:
                response = requests.get(
                    self.endpoint,
                    headers={"User-Agent": self.agent, "Accept": "text/turtle, application/rdf+xml;q=0.8"},
                    timeout=self.timeout_seconds,
                )
                found = (response.content, response.headers.get("Content-Type", "").split(";")[0].strip()) if response.ok else None
            except requests.exceptions.RequestException:
                found = None
        if self.cache is not None:
            entry = {"body": base64.b64encode(found[0]).decode("ascii"), "media_type": found[1]} if found else {"body": None}
            self.cache.put(self.endpoint, key, entry)
        return found


def _last_reason(error: requests.exceptions.RetryError) -> str:
    """What the last attempt got, from the error urllib3 gives up with."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    text = str(reason or error)
    return "429 Too Many Requests" if "429" in text else text
