"""gunicorn settings shared by ``tierslieux serve`` and ``server/gunicorn.conf.py``."""

from __future__ import annotations

#: gunicorn's own ceiling for the request line; longer GET queries must be POSTed.
MAX_REQUEST_LINE = 8190
#: Seconds a worker may spend on one request beyond the query time limit before gunicorn kills it.
HARD_TIMEOUT_MARGIN = 30


def bind_address(host: str, port: int) -> str:
    """Return gunicorn's bind string for ``host`` and ``port`` (IPv6 hosts in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_settings(host: str, port: int, workers: int, query_timeout: float) -> dict:
    """Return the gunicorn settings for the service.

    Sync workers (one request at a time each) so that gunicorn's worker
    timeout is a hard stop for a query the engine cannot interrupt: the
    service answers 503 itself at ``query_timeout``, and a worker stuck past
    ``query_timeout + HARD_TIMEOUT_MARGIN`` is killed and replaced.
    """
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "worker_class": "sync",
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
    }
