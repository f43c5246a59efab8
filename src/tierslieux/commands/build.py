"""``tierslieux build``: build and publish a validated release (dataset dumps and Oxigraph store)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..build.builder import BuildRefused, build_release
from ..paths import DATA_DIR, ONTOLOGY_DIR, SHAPES_DIR, default_build_dir
from ..rdfio import RDFSyntaxError
from ..release import BuildLayout
from ..validation.outcome import format_report
from ..validation.process import ValidationFailed
from .options import build_dir_option, engine_option, folder_option


@click.command("build")
@build_dir_option
@click.option("--if-needed", is_flag=True, help="Do nothing when the current release was built from the same sources.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the validation report.")
@folder_option("--ontology-dir", ONTOLOGY_DIR, "The ontology and its vocabularies.")
@folder_option("--shapes-dir", SHAPES_DIR, "The SHACL shapes.")
@engine_option
@folder_option("--data-dir", DATA_DIR, "The data.")
def build(build_dir: Path | None, if_needed: bool, lang: str, ontology_dir: Path, shapes_dir: Path, engine: str, data_dir: Path) -> None:
    """Merge ontology, vocabularies and data into one dataset (one named graph per source),
    validate it, and publish dumps and an on-disk Oxigraph store as the current release.

    A graph that does not conform is refused and the previous release stays in place.
    """
    out_root = build_dir or default_build_dir()
    try:
        result = build_release(
            out_root,
            if_needed=if_needed,
            ontology_dir=ontology_dir,
            shapes_dir=shapes_dir,
            data_dir=data_dir,
            engine=engine,
        )
    except RDFSyntaxError as error:
        click.echo(f"error: {error}", err=True)
        click.echo("build refused: the current release is unchanged", err=True)
        sys.exit(2)
    except ValidationFailed as error:
        click.echo(f"error: {error}", err=True)
        click.echo("build refused: the graph could not be validated; the current release is unchanged", err=True)
        sys.exit(2)
    except BuildRefused as refused:
        click.echo(format_report(refused.outcome, lang), err=True)
        click.echo("build refused: the graph does not conform to the shapes; the current release is unchanged", err=True)
        sys.exit(1)
    layout = BuildLayout(out_root)
    if result.skipped:
        click.echo(f"up to date: {layout.current} ({result.triples} triples)")
        return
    if result.outcome is not None:
        click.echo(format_report(result.outcome, lang).splitlines()[-1])
    rate = result.triples / result.seconds if result.seconds else 0
    click.echo(f"built {result.triples} triples in {len(result.graphs)} named graphs in {result.seconds:.1f} s ({rate:,.0f} triples/s)")
    click.echo("  " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in result.phases.items()))
    for graph, count in result.graphs.items():
        click.echo(f"  {count:>8}  {graph}")
    click.echo(f"published {result.release_dir.name} as {layout.current}")
