"""``tierslieux export``: the graph (or one named graph, or the places only) in a format other tools load."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..exporting.formats import FORMATS


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), required=True, help="The output format.")
@click.option("--graph", "graph_name", default=None, help="Only this named graph (e.g. census/cget-2019, curated/seed-001).")
@click.option("--places", "places_only", is_flag=True, help="Only the places, with their addresses, geometries and accounts.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write here (default: standard output).")
def export_command(fmt: str, graph_name: str | None, places_only: bool, out: Path | None) -> None:
    """Write the graph as Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML, GeoJSON (places) or CSV (places)."""
    from ..exporting.formats import export
    from ..exporting.selection import load, places
    from ..rdfio import RDFSyntaxError, write_atomically

    try:
        dataset = load(graph_name)
    except KeyError as error:
        raise click.UsageError(str(error.args[0])) from None
    except RDFSyntaxError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    # A table holds places only whatever the flag: selecting them first would be work thrown away.
    selected = places(dataset) if places_only and not FORMATS[fmt].table else None
    text = export(dataset, fmt, selected)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_atomically(out, text)
        click.echo(f"wrote {out}", err=True)
