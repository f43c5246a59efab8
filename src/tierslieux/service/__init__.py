"""The SPARQL service: a Flask application factory.

``create_app()`` builds the application; ``server/wsgi.py`` and
``tierslieux serve`` (gunicorn) both use it. Settings come from, in order, the
defaults below, ``TIERSLIEUX_*`` environment variables (``TIERSLIEUX_BUILD_DIR``,
``TIERSLIEUX_MAX_RESULT_ROWS``…; values are read as JSON when they parse as
JSON) and ``test_config``. The update token is only ever read from
``TIERSLIEUX_UPDATE_TOKEN`` (or ``test_config``), as a plain string.

Nothing mutable is shared between requests: each worker process opens the
built store read-only once, and re-opens it when a new release is published.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from flask import Flask

from ..linking.config import configured_endpoint
from ..paths import default_build_dir
from ..stores.remote import Credentials, RemoteStore
from .gunicorn_settings import DEFAULT_THREADS, HARD_TIMEOUT_MARGIN
from .stores import StoreRegistry

DEFAULTS: dict = {
    # The folder `tierslieux build` writes to; the store is BUILD_DIR/current/store.
    "BUILD_DIR": None,
    # A Store object to serve instead of the built one (tests, RemoteStore).
    "STORE": None,
    # `Authorization: Bearer <token>` enables SPARQL Update; None keeps the service read-only.
    "UPDATE_TOKEN": None,
    # SERVICE endpoints a query may call; any other target is refused before connecting.
    # The Wikidata endpoint of data/links/config.toml is allowed, for federated joins (docs/linking.md).
    "SERVICE_ALLOWLIST": [configured_endpoint()],
    # Longest query (or update) text accepted, in UTF-8 bytes.
    "MAX_QUERY_BYTES": 64 * 1024,
    # Deepest nesting (brackets, braces, parentheses, runs of `!`) accepted; deeper is refused with 400.
    "MAX_QUERY_NESTING": 128,
    # Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) in one answer; more is refused with 422.
    "MAX_RESULT_ROWS": 100_000,
    # Largest answer, in bytes (rows as the query process sends them, and the serialised body); more is refused with 422.
    "MAX_RESULT_BYTES": 64 * 1024 * 1024,
    # Time a query may run before it is stopped and answered with 503.
    "QUERY_TIMEOUT_SECONDS": 30.0,
    # Query processes per worker for the built store (killed at the time limit), one per thread of the worker
    # (`tierslieux serve --threads` sets both); 0 queries in the worker itself.
    "QUERY_PROCESSES": DEFAULT_THREADS,
    # Hard limit of each query process's address space, in MiB (RLIMIT_AS; 0: none). About 650 MiB of it is taken
    # before any query (the interpreter, the store, a 256 MiB stack reserved): docs/operations.md.
    "QUERY_MEMORY_MB": 2048,
    # A query still running after LONG_QUERY_SECONDS needs one of LONG_QUERIES slots per worker; when they are all
    # taken it is stopped with 503 and Retry-After, so that long queries leave query processes to short ones. One slot
    # after one second kept every cheap query within 0.35 s while eight clients attacked, memory bombs included (two
    # slots: up to 1.2 s during the bombs; after two seconds: up to 1.04 s): benchmarks/abuse.md, docs/operations.md.
    "LONG_QUERY_SECONDS": 1.0,
    "LONG_QUERIES": 1,
    # Hold the published release in memory, one copy per worker whose query processes are forked from it and share it
    # (several times faster than the on-disk store; stores/held_in_memory.py): "auto" does for a read-only release of at
    # most IN_MEMORY_MAX_QUADS quads; true or false forces the choice (a writable store is always on disk). A busy query
    # process copies the pages of the graph it reads, so plan up to QUERY_PROCESSES + 1 copies per worker
    # (docs/operations.md: about 0.4 KB per quad each).
    "STORE_IN_MEMORY": "auto",
    "IN_MEMORY_MAX_QUADS": 500_000,
    # Answers to repeated GET requests kept per worker and release, in MiB (0: none kept; ETags and 304 either way):
    # service/kept_answers.py.
    "ANSWER_CACHE_MB": 64,
    # Time each query reading a release's places index may take (service/places/index.py: every place's coordinates
    # and the unfiltered facets, read once per release and worker in the background; about 45 s on 100,000 places
    # on disk).
    "PLACES_INDEX_SECONDS": 300.0,
    # An external SPARQL 1.1 server to serve instead of the build (tierslieux.stores.remote; docs/operations.md):
    # its query endpoint, its update endpoint (for SPARQL Update with UPDATE_TOKEN), how its default graph
    # becomes the union of its graphs, and credentials (STORE_USER with STORE_PASSWORD, or STORE_TOKEN).
    "STORE_URL": None,
    "STORE_UPDATE_URL": None,
    "STORE_UNION": "parameter",
    "STORE_USER": None,
    "STORE_PASSWORD": None,
    "STORE_TOKEN": None,
}

ENV_PREFIX = "TIERSLIEUX"


def internal_timeout(config) -> float:
    """The time limit of the service's own queries (statistics, pages' lookups without a limit of their own).

    Longer than a client's query may run, but short enough to answer before
    gunicorn replaces a worker it thinks is stuck.
    """
    return float(config["QUERY_TIMEOUT_SECONDS"]) + HARD_TIMEOUT_MARGIN / 2


def _remote_store(config) -> RemoteStore | None:
    """The external store named by STORE_URL, or None (no connection is made here)."""
    if not config["STORE_URL"]:
        return None
    text = {key: None if config[key] is None else str(config[key]) for key in ("STORE_USER", "STORE_PASSWORD", "STORE_TOKEN")}
    return RemoteStore(
        str(config["STORE_URL"]),
        update_url=config["STORE_UPDATE_URL"],
        union=config["STORE_UNION"],
        credentials=Credentials(user=text["STORE_USER"], password=text["STORE_PASSWORD"], token=text["STORE_TOKEN"]),
        default_timeout=internal_timeout(config),
    )


def create_app(test_config: dict | None = None) -> Flask:
    """Create the service's Flask application (see the module docstring for its settings)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(ENV_PREFIX)
    token = os.environ.get(f"{ENV_PREFIX}_UPDATE_TOKEN")
    app.config["UPDATE_TOKEN"] = token or None
    if test_config:
        app.config.from_mapping(test_config)
    app.config["BUILD_DIR"] = Path(app.config["BUILD_DIR"] or default_build_dir())
    # Werkzeug refuses bigger bodies with 413 before reading them; room is left for the form's other fields.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_QUERY_BYTES"]) * 3 + 16 * 1024
    app.json.sort_keys = False

    # With an update token the store is opened writable, which only one process can do (see `tierslieux serve`).
    app.extensions["tierslieux.stores"] = StoreRegistry(
        app.config["BUILD_DIR"],
        app.config["STORE"] or _remote_store(app.config),
        writable=bool(app.config["UPDATE_TOKEN"]),
        processes=int(app.config["QUERY_PROCESSES"]),
        timeout=internal_timeout(app.config),
        memory_mb=int(app.config["QUERY_MEMORY_MB"]),
        long_query_seconds=float(app.config["LONG_QUERY_SECONDS"]),
        long_queries=int(app.config["LONG_QUERIES"]),
        in_memory=app.config["STORE_IN_MEMORY"],
        in_memory_max_quads=int(app.config["IN_MEMORY_MAX_QUADS"]),
    )

    from . import cors, errors, sparql

    cors.init_app(app)
    errors.init_app(app)
    app.register_blueprint(sparql.bp)
    from .named import bp as named_queries  # /queries/

    app.register_blueprint(named_queries)
    from . import dumps, pages, queryui, shapes_page  # the query page, linked-data pages, shapes and dumps

    app.register_blueprint(queryui.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(shapes_page.bp)
    from .places.api import bp as places_api  # /api/places, for the explorer and other programs

    app.register_blueprint(places_api)
    from .places.index import warm_up  # the explorer's first view, read as soon as a release is opened

    app.extensions["tierslieux.stores"].after_open.append(functools.partial(warm_up, app))
    from .explorer import bp as explorer  # / and /embed

    app.register_blueprint(explorer)
    from .for_browsers import bp as for_browsers  # a browser's bare /sparql goes to /query

    app.register_blueprint(for_browsers)
    from .observatory.page import bp as observatory  # /observatory

    app.register_blueprint(observatory)
    from .events import bp as events  # /events, /events.ics

    app.register_blueprint(events)
    from . import reconcile  # the W3C reconciliation service for OpenRefine (/reconcile)

    app.register_blueprint(reconcile.bp)
    return app
