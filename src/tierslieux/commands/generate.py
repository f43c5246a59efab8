"""``tierslieux generate``: write a synthetic graph shaped like the real one, for benchmarks."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..build.generate import GeneratorError, default_output, generate_graph
from ..rdfio import RDFSyntaxError


@click.command("generate")
@click.option("--places", type=click.IntRange(min=1), required=True, help="How many synthetic places.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random choices: same places and seed, same file.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Output file: .nt (sorted N-Triples, fast) or .ttl (canonical Turtle, small graphs). "
    "Default: build/synthetic/places-N-seed-S.nt",
)
def generate(places: int, seed: int, out: Path | None) -> None:
    """Write a synthetic graph of PLACES places with the real graph's shapes and proportions.

    Every place, community, event and Wikidata link in it is invented (IRIs
    …/id/*/synthetic-…); the geography is the real one. Exit code 2 when the
    real data cannot be read.
    """
    started = time.perf_counter()
    target = out if out is not None else default_output(places, seed)
    try:
        path = generate_graph(places, seed, target)
    except (GeneratorError, RDFSyntaxError, SyntaxError, OSError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    with path.open("rb") as handle:
        triples = sum(1 for _ in handle) if path.suffix == ".nt" else None
    took = time.perf_counter() - started
    if triples is None:
        click.echo(f"{path}: {places} places in {took:.1f} s")
    else:
        click.echo(f"{path}: {places} places, {triples} triples ({triples / places:.1f} per place) in {took:.1f} s")
