"""``tierslieux serve``: run the SPARQL service on gunicorn, the production WSGI server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from ..paths import default_build_dir
from ..release import BuildLayout
from ..service.gunicorn_settings import DEFAULT_THREADS
from .options import build_dir_option

#: Exit code when there is no usable store (missing or damaged).
EXIT_NO_STORE = 3
#: Exit code when the options cannot work together.
EXIT_BAD_OPTIONS = 2


def check_store(store_dir: Path) -> int:
    """Open the store read-only in a child process, so a missing or damaged store is reported before any worker starts.

    Returns the number of quads; raises ``StoreError`` with a message saying what to do.
    The check runs in its own process because a RocksDB handle opened in
    gunicorn's master makes the forked workers crash when they exit.
    """
    from ..stores.base import StoreError

    probe = (
        "import sys\n"
        "from tierslieux.stores.embedded import EmbeddedStore\n"
        "from tierslieux.stores.base import StoreError\n"
        "try:\n    print(EmbeddedStore.open(sys.argv[1]).triples_count())\n"
        "except StoreError as error:\n    print(error, file=sys.stderr)\n    sys.exit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(store_dir)], capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return int(done.stdout.strip())
    if done.returncode == 3:
        raise StoreError(done.stderr.strip())
    detail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
    raise StoreError(f"the store at {store_dir} cannot be opened ({detail[0]}); rebuild it with `tierslieux build`")


def check_remote_store(store_url: str, union: str) -> int:
    """Check that the external store answers and shows its graphs as its default graph; return its number of triples.

    Raises ``StoreError`` saying what is wrong. Credentials come from the environment (see ``serve``).
    """
    from ..stores.remote import RemoteStore
    from .publish import credentials_from_environment

    store = RemoteStore.open(store_url, union=union, credentials=credentials_from_environment(None), default_timeout=30.0)
    try:
        return store.triples_count()
    finally:
        store.close()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes (each holds the release, in memory or on disk, read-only).")
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 64),
    help=f"Requests each worker handles at once, each in a query process of its own: one setting, the service's "
    f"QUERY_PROCESSES (default: $TIERSLIEUX_QUERY_PROCESSES, else {DEFAULT_THREADS}).",
)
@build_dir_option
@click.option(
    "--in-memory",
    type=click.Choice(["auto", "yes", "no"]),
    default=None,
    help="Hold the release in memory (one copy per worker, query processes forked from it; several times faster) or query "
    "the on-disk store; auto: in memory up to the service's IN_MEMORY_MAX_QUADS (default: $TIERSLIEUX_STORE_IN_MEMORY, else auto).",
)
@click.option("--timeout", "query_timeout", type=click.FloatRange(min=0.1), default=None, help="Query time limit in seconds (default 30).")
@click.option(
    "--store",
    "store_url",
    default=None,
    envvar="TIERSLIEUX_STORE_URL",
    help="Serve from this external SPARQL 1.1 query endpoint instead of the built store (see `tierslieux publish`).",
)
@click.option("--update-endpoint", default=None, help="With --store: the store's update endpoint (default for an Oxigraph-style …/query: …/update).")
@click.option(
    "--union",
    type=click.Choice(["parameter", "native", "explicit"]),
    default="parameter",
    show_default=True,
    help="With --store: how a query without a dataset sees every named graph (docs/operations.md).",
)
def serve(
    host: str,
    port: int,
    workers: int,
    threads: int | None,
    build_dir: Path | None,
    query_timeout: float | None,
    in_memory: str | None,
    store_url: str | None,
    update_endpoint: str | None,
    union: str,
) -> None:
    """Serve the built graph (or an external store): SPARQL endpoint at /sparql, with gunicorn.

    Every worker holds the published release read-only, in memory (read from
    its N-Quads dump, up to the service's IN_MEMORY_MAX_QUADS; --in-memory) or
    on disk, before its first request, and queries it in query processes that
    are killed at the time limit. Set TIERSLIEUX_UPDATE_TOKEN to accept SPARQL Update from
    clients presenting it (one worker only on the built store: a writable
    store cannot be shared). With --store, credentials for the store come from
    TIERSLIEUX_STORE_USER and TIERSLIEUX_STORE_PASSWORD, or TIERSLIEUX_STORE_TOKEN.
    Exit codes: 3 when there is no usable store, 2 for options that cannot work together.
    """
    from gunicorn.app.base import BaseApplication

    from ..service import DEFAULTS, create_app
    from ..service.gunicorn_settings import gunicorn_settings
    from ..stores.base import StoreError
    from ..stores.remote import default_endpoints

    build_dir = (build_dir or default_build_dir()).resolve()
    store_dir = BuildLayout(build_dir).store_dir
    config: dict = {"BUILD_DIR": build_dir}
    if store_url:
        update_endpoint = update_endpoint or default_endpoints(store_url)[1]
        config.update(STORE_URL=store_url, STORE_UPDATE_URL=update_endpoint, STORE_UNION=union)
    elif os.environ.get("TIERSLIEUX_UPDATE_TOKEN") and workers > 1:
        click.echo("Error: with TIERSLIEUX_UPDATE_TOKEN set the store is opened writable, which one process only can do: use --workers 1.", err=True)
        raise SystemExit(EXIT_BAD_OPTIONS)
    try:
        quads = check_remote_store(store_url, union) if store_url else check_store(store_dir)
    except StoreError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(EXIT_NO_STORE) from None

    threads = threads or int(os.environ.get("TIERSLIEUX_QUERY_PROCESSES") or DEFAULT_THREADS)
    config["QUERY_PROCESSES"] = threads  # a query process for each request a worker handles at once
    if query_timeout is not None:
        config["QUERY_TIMEOUT_SECONDS"] = query_timeout
    if in_memory is not None:
        config["STORE_IN_MEMORY"] = {"auto": "auto", "yes": True, "no": False}[in_memory]
    timeout = query_timeout if query_timeout is not None else float(os.environ.get("TIERSLIEUX_QUERY_TIMEOUT_SECONDS") or DEFAULTS["QUERY_TIMEOUT_SECONDS"])

    class Server(BaseApplication):
        """gunicorn running the service's Flask application, configured from the command line."""

        def load_config(self) -> None:
            for key, value in gunicorn_settings(host, port, workers, timeout, threads).items():
                self.cfg.set(key, value)

        def load(self):  # called in each worker, after the fork
            return create_app(config)

    shown_host = f"[{host}]" if ":" in host else host
    source = store_url or store_dir
    click.echo(f"Serving {quads} triples from {source} on http://{shown_host}:{port}/ (SPARQL endpoint: /sparql) with {workers} worker(s) of {threads} thread(s)", err=True)
    Server().run()
