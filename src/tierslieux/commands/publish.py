"""``tierslieux publish``: load the built release into an external SPARQL store (Graph Store Protocol)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..paths import default_build_dir
from ..release import BuildLayout
from .options import build_dir_option

#: Exit code when there is no release to publish.
EXIT_NO_RELEASE = 3


def credentials_from_environment(user: str | None):
    """The store credentials: ``--user`` with TIERSLIEUX_STORE_PASSWORD, or TIERSLIEUX_STORE_TOKEN (secrets never on the command line)."""
    from ..stores.remote import Credentials

    return Credentials(
        user=user or os.environ.get("TIERSLIEUX_STORE_USER") or None,
        password=os.environ.get("TIERSLIEUX_STORE_PASSWORD"),
        token=os.environ.get("TIERSLIEUX_STORE_TOKEN") or None,
    )


@click.command("publish")
@click.option("--store", "store_url", required=True, envvar="TIERSLIEUX_STORE_URL", help="The store's SPARQL query endpoint (Oxigraph server: http://host:7878/query).")
@click.option(
    "--graph-store",
    "graph_store_url",
    default=None,
    help="The store's Graph Store Protocol endpoint (default for an Oxigraph-style …/query: …/store).",
)
@build_dir_option
@click.option("--user", default=None, help="User name for HTTP authentication (password in TIERSLIEUX_STORE_PASSWORD).")
@click.option("--digest", is_flag=True, help="Use HTTP Digest instead of Basic authentication (Virtuoso's /sparql-graph-crud-auth).")
@click.option(
    "--content-type",
    type=click.Choice(["application/n-triples", "text/turtle"]),
    default="application/n-triples",
    show_default=True,
    help="Media type the graphs are sent as (the content is N-Triples, which is also Turtle).",
)
@click.option("--keep-other-graphs", is_flag=True, help="Do not delete this project's graphs that the release no longer has.")
def publish(
    store_url: str, graph_store_url: str | None, build_dir: Path | None, user: str | None, digest: bool, content_type: str, keep_other_graphs: bool
) -> None:
    """Load the current release into an external SPARQL 1.1 store, one named graph per source.

    Each graph is replaced with an HTTP PUT of the Graph Store Protocol, this
    project's graphs the release no longer has are deleted, and the store's
    triple counts are checked against the release's manifest. Exit codes: 1 when
    the store refuses or does not hold what was sent, 3 when there is no release.
    """
    from ..stores.base import StoreError
    from ..stores.publish import GraphStoreClient, PublishError, publish_release
    from ..stores.remote import RemoteStore, default_endpoints

    build_dir = (build_dir or default_build_dir()).resolve()
    if not BuildLayout(build_dir).manifest_path.is_file():
        click.echo(f"Error: no release in {build_dir}: run `tierslieux build` first", err=True)
        sys.exit(EXIT_NO_RELEASE)
    graph_store_url = graph_store_url or default_endpoints(store_url)[0]
    if not graph_store_url:
        click.echo(f"Error: cannot tell the Graph Store Protocol endpoint of {store_url}: give it with --graph-store (see docs/operations.md)", err=True)
        sys.exit(2)
    credentials = credentials_from_environment(user)
    try:
        # Digest authentication is for the Graph Store endpoint only; queries then go without credentials.
        store = RemoteStore(store_url, graph_store_url, credentials=None if digest else credentials)
        client = GraphStoreClient(graph_store_url, credentials, digest=digest)
        done = publish_release(build_dir, store, client, content_type=content_type, prune=not keep_other_graphs, progress=lambda m: click.echo(m, err=True))
    except (PublishError, StoreError) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    total = sum(done.graphs.values())
    click.echo(f"published {total} triples in {len(done.graphs)} named graphs to {graph_store_url} in {done.seconds:.1f} s")
