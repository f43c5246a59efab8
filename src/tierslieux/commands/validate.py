"""``tierslieux validate``: check files, or the whole graph, against the SHACL shapes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..build.resolve import overrides_path
from ..build.sources import all_source_files
from ..paths import DATA_DIR, SHAPES_DIR
from ..rdfio import RDFSyntaxError
from ..validation import choose_engine
from ..validation.files import validate_files_alone
from ..validation.outcome import format_report
from ..validation.process import validate_files
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
    """Validate PATHS (default: the whole graph, resolved as a build does: docs/merging.md).

    PATHS are judged with the model (ontology, vocabularies) and the descriptions,
    from the other data files, of what they refer to; only results about the
    resources PATHS describe are reported. Exit code: 0 when the data conforms
    (warnings allowed), 1 when it does not, 2 when a file cannot be read.
    """
    sources = all_source_files()
    engine = choose_engine(engine, list(paths) or [f.path for f in sources])
    try:
        if paths:
            data_files = [f.path for f in sources if f.path.resolve().is_relative_to(DATA_DIR.resolve())]
            outcome = validate_files_alone([Path(p) for p in paths], data_files, engine=engine)
        else:
            outcome = validate_files([f.path for f in sources], SHAPES_DIR, engine, [str(f.graph) for f in sources],
                                     overrides_path(DATA_DIR))
    except RDFSyntaxError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    if output_format == "text":
        click.echo(format_report(outcome, lang))
    else:
        click.echo(outcome.report.serialize(format=output_format))
    sys.exit(0 if outcome.conforms else 1)
