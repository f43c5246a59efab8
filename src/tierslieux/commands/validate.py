"""``tierslieux validate``: check files, or the whole graph, against the SHACL shapes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..build.sources import all_source_files
from ..rdfio import RDFSyntaxError
from ..validation import choose_engine, load_graph, validate_graph
from ..validation.outcome import format_report
from .options import engine_option


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the readable report.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "turtle", "json-ld"]),
    default="text",
    show_default=True,
    help="A readable report, or the SHACL report graph.",
)
@engine_option
def validate(paths: tuple[Path, ...], lang: str, output_format: str, engine: str) -> None:
    """Validate PATHS (default: the whole graph) against the shapes.

    Exit code: 0 when the data conforms (warnings allowed), 1 when it does not,
    2 when a file cannot be read.
    """
    files = list(paths) or [f.path for f in all_source_files()]
    engine, notice = choose_engine(engine, files)
    if notice:
        click.echo(notice, err=True)
    try:
        data = load_graph(files)
        outcome = validate_graph(data, engine=engine)
    except RDFSyntaxError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    if output_format == "text":
        click.echo(format_report(outcome, lang))
    else:
        click.echo(outcome.report.serialize(format=output_format))
    sys.exit(0 if outcome.conforms else 1)
