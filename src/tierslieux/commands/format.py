"""``tierslieux format``: rewrite Turtle files in the project's canonical form, or check that they are."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..paths import DATA_DIR, ONTOLOGY_DIR, SHAPES_DIR, turtle_files
from ..rdfio import RDFSyntaxError, canonical_turtle, parse_file, write_atomically


def default_turtle_files() -> list[Path]:
    """Return every Turtle file of the knowledge model: ontology, vocabularies, shapes and data."""
    return [p for folder in (ONTOLOGY_DIR, SHAPES_DIR, DATA_DIR) for p in turtle_files(folder)]


def non_canonical_files(paths: list[Path]) -> list[Path]:
    """Return the files among ``paths`` whose text differs from their canonical Turtle."""
    return [p for p in paths if p.read_text(encoding="utf-8") != canonical_turtle(parse_file(p))]


@click.command("format")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file is not canonical.")
def format_command(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite PATHS (default: all Turtle of ontology/, shapes/ and data/) in canonical Turtle."""
    files = list(paths) or default_turtle_files()
    try:
        if check:
            bad = non_canonical_files(files)
            for path in bad:
                click.echo(f"{path}: not in canonical form (run: tierslieux format {path})", err=True)
            click.echo(f"{len(files) - len(bad)} of {len(files)} files canonical")
            sys.exit(1 if bad else 0)
        changed = 0
        for path in files:
            text = canonical_turtle(parse_file(path))
            if path.read_text(encoding="utf-8") != text:
                write_atomically(path, text)
                changed += 1
                click.echo(f"formatted {path}")
        click.echo(f"{changed} of {len(files)} files rewritten")
    except RDFSyntaxError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
