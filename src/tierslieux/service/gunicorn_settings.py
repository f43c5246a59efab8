"""gunicorn settings shared by ``tierslieux serve`` and ``server/gunicorn.conf.py``."""

from __future__ import annotations

import logging

#: gunicorn's own ceiling for the request line; longer GET queries must be POSTed.
MAX_REQUEST_LINE = 8190
#: Seconds a worker may spend on one request beyond the query time limit before gunicorn kills it.
HARD_TIMEOUT_MARGIN = 30


def bind_address(host: str, port: int) -> str:
    """Return gunicorn's bind string for ``host`` and ``port`` (IPv6 hosts in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


#: Requests one worker handles at once (threads); each query runs in one of the worker's query processes.
#: Eight, not the cores' count: a thread mostly waits for its query process, and with fewer, eight clients holding
#: hostile queries took every thread and cheap queries waited seconds (issue 13; docs/operations.md, "Fair sharing").
DEFAULT_THREADS = 8


def open_release(worker) -> None:
    """gunicorn's ``post_worker_init`` hook: the worker opens the published release before it takes a request, and
    each one published later as soon as it is (``StoreRegistry.follow_releases``).

    Otherwise the first request after the start, or after a publication,
    waits while the release is read into memory and its query processes start
    (about a second on the repository's graph).
    """
    log_with_gunicorn(worker)
    registry = getattr(worker.wsgi, "extensions", {}).get("tierslieux.stores")
    if registry is not None:
        registry.open_now()
        registry.follow_releases()


def log_with_gunicorn(worker) -> None:
    """Send the service's own log lines (``tierslieux.*``, INFO and above) to gunicorn's error log, in its format.

    Without it they reach no handler: warnings are printed bare by Python's last resort, and what an operator
    wants to see at INFO (the places index read, in how long) is lost.
    """
    service_log = logging.getLogger("tierslieux")
    service_log.setLevel(logging.INFO)
    for handler in worker.log.error_log.handlers:
        if handler not in service_log.handlers:
            service_log.addHandler(handler)
    service_log.propagate = False


def gunicorn_settings(host: str, port: int, workers: int, query_timeout: float, threads: int = DEFAULT_THREADS) -> dict:
    """Return the gunicorn settings for the service.

    Threaded workers (``gthread``): a thread waits while a query process
    computes, so one worker serves several clients at once, and connections
    are kept alive between requests. Queries are stopped at ``query_timeout``
    by killing their query process (``tierslieux.stores.query_processes``); gunicorn's
    worker timeout, ``query_timeout + HARD_TIMEOUT_MARGIN``, remains as a
    last resort for a worker that stops answering altogether.
    """
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": int(query_timeout) + HARD_TIMEOUT_MARGIN,
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": MAX_REQUEST_LINE,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "tierslieux-sparql",
        # gunicorn's control socket is one path per user: two services would fight over it, and nothing here uses it.
        "control_socket_disable": True,
        "post_worker_init": open_release,
    }
