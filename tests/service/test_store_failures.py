"""Every route that runs a query answers the store's failures with the service's one mapping, never an unexplained 500.

Regression: the observatory, the events pages and feed and the reconciliation
service had no handler, so a query stopped because every long-query slot was
taken (or past its time or memory limit) answered Flask's bare 500 page
without ``Retry-After``; the SPARQL endpoint, the named queries, the pages and
the places API answered 503 for the same failure.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tierslieux.service import create_app
from tierslieux.stores.base import QueryBusy, QueryFailed, QueryOutOfMemory, QueryTimeout, StoreError

from .failing_store import FailingStore

RECONCILE = "/reconcile?queries=" + quote(json.dumps({"q0": {"query": "La Coroutine"}}))
ROUTES = ["/observatory", "/observatory?lang=en", "/events", "/events.ics", RECONCILE]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(
    ("error", "status", "retry_after", "message"),
    [
        (QueryBusy(2.0, 2), 503, "10", "The query behind this request was still running after 2 s while 2 other long queries"),
        (QueryOutOfMemory(2048), 503, "10", "The query behind this request needs more memory than this service allows (2048 MiB"),
        (QueryTimeout(), 503, "60", "The query behind this request ran longer than"),
        (StoreError("no release"), 503, "30", "The store is not available: no release"),
        (QueryFailed("boom"), 500, None, "The query behind this request failed while running: boom"),
    ],
    ids=["busy", "memory", "time", "store", "failed"],
)
def test_every_route_answers_a_store_failure_with_the_one_mapping(path, error, status, retry_after, message):
    app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "STORE": FailingStore(error)})
    answer = app.test_client().get(path)
    assert answer.status_code == status, (path, answer.get_data(as_text=True)[:300])
    assert answer.headers.get("Retry-After") == retry_after
    assert answer.get_data(as_text=True).startswith(message)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
