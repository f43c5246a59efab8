"""``tierslieux build``: build and publish a validated release (dataset dumps and Oxigraph store)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..build.builder import AUTO_FAST_FROM_BYTES, BuildRefused, build_release
from ..paths import DATA_DIR, ONTOLOGY_DIR, SHAPES_DIR, default_build_dir
from ..rdfio import RDFSyntaxError
from ..release import BuildLayout
from ..validation import ENGINES
from ..validation.outcome import format_report
from ..validation.process import ValidationFailed
from .options import ENGINES_HELP, make_engine_option

#: ``--engine`` of ``build``: the shared engines, and ``auto``, which chooses by the size of the sources.
build_engine_option = make_engine_option(
    (*ENGINES, "auto"),
    f"SHACL engine: {ENGINES_HELP}, or auto: pySHACL for sources under {AUTO_FAST_FROM_BYTES // 1_000_000} MB, "
    "TopQuadrant's above (pySHACL, with a notice, when Java is missing).",
)


@click.command("build")
@click.option("--out", "out_root", type=click.Path(path_type=Path, file_okay=False), default=None, help="Build folder (default: ./build).")
@click.option("--if-needed", is_flag=True, help="Do nothing when the current release was built from the same sources.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the validation report.")
@click.option("--ontology-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=ONTOLOGY_DIR, show_default=True)
@click.option("--shapes-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=SHAPES_DIR, show_default=True)
@build_engine_option
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=DATA_DIR, show_default=True)
def build(out_root: Path | None, if_needed: bool, lang: str, ontology_dir: Path, shapes_dir: Path, engine: str, data_dir: Path) -> None:
    """Merge ontology, vocabularies and data into one dataset (one named graph per source),
    validate it, and publish dumps and an on-disk Oxigraph store as the current release.

    A graph that does not conform is refused and the previous release stays in place.
    """
    out_root = out_root or default_build_dir()
    try:
        result = build_release(
            out_root,
            if_needed=if_needed,
            ontology_dir=ontology_dir,
            shapes_dir=shapes_dir,
            data_dir=data_dir,
            engine=engine,
            notify=lambda notice: click.echo(notice, err=True),
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
