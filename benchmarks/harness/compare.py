"""Every named query, sent to one server: a checked warm-up answer, then one load cell per concurrency.

The three servers get the same query text: the named query's ``.rq`` with its
parameters' defaults bound by a ``VALUES`` block (``query_params.inject_values``,
what the service itself runs). This service is reached through its named-query
route ``/queries/{name}``, the others through their SPARQL endpoint. Each
server also answers ``ASK {}`` on its SPARQL endpoint (the probe): its fixed
cost per request, with no work for the engine.

A server that stops answering (a query past the request timeout keeps an
rdflib-endpoint busy long after the client gave up) is waited for, then
restarted, before the next query, so one slow query does not slow the next.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .load import HttpRequest, run_cell, send_once
from .servers import HOST, Server, ServerFailed

#: the query with no work for the engine: what a server answers it at is its fixed cost per request
PROBE_QUERY = "ASK {}"
#: the probe's cells may send this many times the named queries' ``max_requests`` (still bounded by ``time_budget``)
PROBE_REQUESTS_FACTOR = 10


@dataclass(frozen=True)
class BenchQuery:
    """A named query with its parameters' defaults bound."""

    name: str
    title: str
    sparql: str


@dataclass(frozen=True)
class Settings:
    """The bounds of the query measurements."""

    concurrencies: tuple[int, ...] = (1, 4)
    max_requests: int = 200
    time_budget: float = 5.0
    request_timeout: float = 60.0
    #: seconds a server may take to become idle again after a timeout before it is restarted
    drain_timeout: float = 120.0
    start_timeout: float = 600.0


@dataclass
class TargetRun:
    """What one server answered to every named query."""

    server: str
    queries: dict[str, dict] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    #: :data:`PROBE_QUERY` on the server's SPARQL endpoint: {"query": ..., "cells": {concurrency: cell}}
    probe: dict = field(default_factory=dict)


def bench_queries(folder: Path) -> list[BenchQuery]:
    """Return the named queries of ``folder`` (not its subfolders) with their defaults bound into the text."""
    from tierslieux.queries.named import load_named_queries
    from tierslieux.queries.parameters import bind_parameters, inject_values

    return [BenchQuery(q.name, q.title, inject_values(q.text, bind_parameters(q, {}))) for q in load_named_queries(folder).values()]


def result_rows(body: bytes) -> int | None:
    """Return the number of rows of a SPARQL JSON results document (1 for an ASK), None when it is not one."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if "boolean" in document:
        return 1
    bindings = document.get("results", {}).get("bindings")
    return len(bindings) if isinstance(bindings, list) else None


def _ok(status: int | str) -> bool:
    return isinstance(status, int) and 200 <= status < 300


def recover(server: Server, settings: Settings, events: list[str]) -> None:
    """Wait until ``server`` answers ``ASK {}`` again; restart it when it stays busy past ``drain_timeout``."""
    started = time.perf_counter()
    answer = send_once(HOST, server.port, server.sparql_request("ASK {}"), timeout=settings.drain_timeout)
    if _ok(answer.status):
        events.append(f"waited {time.perf_counter() - started:.1f} s for the server to finish an abandoned query")
        return
    server.stop()
    server.start()
    seconds = server.wait_ready(settings.start_timeout)
    events.append(f"restarted the server (still busy after {settings.drain_timeout:.0f} s); ready again in {seconds:.1f} s")


def measure_probe(server: Server, settings: Settings) -> dict:
    """Send :data:`PROBE_QUERY` to ``server``'s SPARQL endpoint in one cell per concurrency; return the cells.

    The engine has nothing to do, so the rate is the server's fixed cost per
    request (HTTP, framework, query dispatch): the ceiling of any query's rate.
    Each cell may send :data:`PROBE_REQUESTS_FACTOR` times the named queries'
    ``max_requests``: a few hundred answers take a fast server only some
    hundredths of a second, too short to measure.
    """
    request = server.sparql_request(PROBE_QUERY)
    send_once(HOST, server.port, request, timeout=settings.request_timeout)  # warm-up
    cells = {}
    for concurrency in settings.concurrencies:
        cell = run_cell(
            HOST,
            server.port,
            request,
            concurrency=concurrency,
            max_requests=settings.max_requests * PROBE_REQUESTS_FACTOR,
            time_budget=settings.time_budget,
            request_timeout=settings.request_timeout,
        )
        cells[str(concurrency)] = cell.as_dict()
    return {"query": PROBE_QUERY, "cells": cells}


def measure(
    server: Server,
    request_for: Callable[[BenchQuery], HttpRequest],
    queries: list[BenchQuery],
    settings: Settings,
    cap_seconds: float | None = None,
) -> TargetRun:
    """Measure every query of ``queries`` on ``server``; start nothing new once ``cap_seconds`` have passed.

    First every query's warm-up, then the load cells, cheapest warm-up first: under a time
    cap, what is left out is the slowest queries' cells, while their warm-up (one request)
    is still known. Last :func:`measure_probe`, on a server warmed up by all of that (right
    after a start, a worker may still be opening its store).
    """
    run = TargetRun(server.name)
    started = time.perf_counter()
    state: dict[str, str | None] = {"dead": None}

    def stopped() -> str | None:
        if state["dead"]:
            return f"not run: {state['dead']}"
        if cap_seconds is not None and time.perf_counter() - started > cap_seconds:
            return f"not run: the {cap_seconds:.0f} s time cap for {server.name} on this dataset was reached"
        return None

    for query in queries:
        reason = stopped()
        if reason:
            run.queries[query.name] = {"skipped": reason}
            continue
        warm = send_once(HOST, server.port, request_for(query), timeout=settings.request_timeout)
        entry: dict = {"warmup": {"status": warm.status, "seconds": round(warm.seconds, 4), "rows": result_rows(warm.body) if _ok(warm.status) else None}}
        run.queries[query.name] = entry
        if not _ok(warm.status):
            detail = warm.body[:300].decode("utf-8", errors="replace").strip()
            entry["skipped"] = f"warm-up answered {warm.status} after {warm.seconds:.1f} s" + (f": {detail}" if detail else "")
            if warm.status == "timeout":
                state["dead"] = _recover(server, settings, run)
    warmed = [q for q in queries if "skipped" not in run.queries[q.name]]
    for query in sorted(warmed, key=lambda q: run.queries[q.name]["warmup"]["seconds"]):
        entry = run.queries[query.name]
        reason = stopped()
        if reason:
            entry["skipped"] = reason.replace("not run:", "load cells not run:")
            continue
        entry["cells"] = {}
        for concurrency in settings.concurrencies:
            cell = run_cell(
                HOST,
                server.port,
                request_for(query),
                concurrency=concurrency,
                max_requests=settings.max_requests,
                time_budget=settings.time_budget,
                request_timeout=settings.request_timeout,
            )
            entry["cells"][str(concurrency)] = cell.as_dict()
            if "timeout" in cell.failures:
                state["dead"] = _recover(server, settings, run)
                if state["dead"]:
                    break
    if not state["dead"]:
        run.probe = measure_probe(server, settings)
    return run


def _recover(server: Server, settings: Settings, run: TargetRun) -> str | None:
    """Recover ``server`` after a timeout; return why it is gone for good, or None when it answers again."""
    try:
        recover(server, settings, run.events)
    except ServerFailed as error:
        run.events.append(f"could not restart the server: {error}")
        return f"{server.name} could not be restarted after a timeout"
    return None
