"""``tierslieux qc``: run the data-quality lint queries; each must return no row on a healthy repository."""

from __future__ import annotations

import sys

import click
import pyoxigraph as ox

from ..build.sources import SourceFile, all_source_files
from ..paths import QC_QUERIES_DIR
from ..queries.named import NamedQuery, load_named_queries
from ..rdfio import RDFSyntaxError


def load_sources_store(files: list[SourceFile]) -> ox.Store:
    """Load every source file into an in-memory Oxigraph store, each in its named graph."""
    store = ox.Store()
    for source in files:
        try:
            store.load(path=str(source.path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(source.graph))
        except SyntaxError as error:
            raise RDFSyntaxError(source.path, None, None, str(error)) from None
    return store


def run_lint(store: ox.Store, query: NamedQuery) -> list[dict[str, str]]:
    """Run one lint query over the union of all graphs and return its rows as {variable: value}."""
    solutions = store.query(query.text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


@click.command("qc")
@click.option("--limit", default=20, show_default=True, help="Rows shown per failing query.")
def qc(limit: int) -> None:
    """Run every query of queries/qc/ over the whole graph; exit 1 if any returns a row."""
    try:
        store = load_sources_store(all_source_files())
    except RDFSyntaxError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    failing = 0
    for query in load_named_queries(QC_QUERIES_DIR).values():
        rows = run_lint(store, query)
        click.echo(f"{'ok  ' if not rows else 'FAIL'} {query.name}: {query.title} ({len(rows)} rows)")
        for row in rows[:limit]:
            click.echo("       " + "  ".join(f"{k}={v}" for k, v in row.items()))
        if len(rows) > limit:
            click.echo(f"       … and {len(rows) - limit} more")
        failing += bool(rows)
    sys.exit(1 if failing else 0)
