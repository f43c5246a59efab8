"""``tierslieux link``: link our places to Wikidata, apply a person's review, and propose items Wikidata lacks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..paths import VOCABULARY_DIR, turtle_files
from ..rdfio import RDFSyntaxError, write_atomically

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tierslieux" / "link"


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _setup(config_path: Path | None, endpoint: str | None, contact: str | None, cache_dir: Path, no_cache: bool):
    from ..linking.client import ResponseCache, SparqlClient
    from ..linking.config import CONFIG_PATH, ConfigError, load_config

    try:
        config = load_config(config_path or CONFIG_PATH).with_endpoint(endpoint)
    except ConfigError as error:
        _fail(str(error))
    if contact:
        from dataclasses import replace

        config = replace(config, contact=contact)
    cache = None if no_cache else ResponseCache(cache_dir, max_age_seconds=config.cache_max_age_days * 86400)
    client = SparqlClient(
        config.endpoint,
        contact=config.contact,
        cache=cache,
        timeout_seconds=config.timeout_seconds,
        max_retries=config.max_retries,
        backoff_seconds=config.backoff_seconds,
        log=lambda message: click.echo(message, err=True),
    )
    return config, client


def _places(files: tuple[Path, ...]):
    from ..linking.places import default_place_files, load_graph, read_places

    paths = list(files) or default_place_files()
    try:
        graph = load_graph(paths + turtle_files(VOCABULARY_DIR))
    except RDFSyntaxError as error:
        _fail(str(error))
    return graph, read_places(graph)


def _common(function):
    from ..linking.config import LINKS_DIR

    options = [
        click.option("--endpoint", help="The Wikidata SPARQL endpoint (default: the configured one, Wikidata's own)."),
        click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Configuration file (default: data/links/config.toml)."),
        click.option("--links-dir", type=click.Path(path_type=Path, file_okay=False), default=LINKS_DIR, show_default=True, help="Where links, rejections and the review queue are kept."),
        click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_CACHE, show_default=True, help="Where the endpoint's answers are cached."),
        click.option("--no-cache", is_flag=True, help="Ask the endpoint again instead of reading cached answers."),
        click.option("--contact", help="Contact (URL or e-mail) put in the User-Agent (default: the configured one)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group("link")
def link() -> None:
    """Link places to Wikidata items, review doubtful links, and propose new items (see docs/linking.md)."""


@link.command("wikidata")
@_common
@click.option("--search", "search_mode", type=click.Choice(["entity-search", "label-query"]), help="Force a search mode (default: from configuration or the endpoint's service description).")
@click.option("--places", "place_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Turtle files to read places from (default: data/census/*.ttl and data/curated/*.ttl).")
@click.option("--place", "only", multiple=True, help="Only this place IRI (repeatable).")
@click.option("--limit", type=int, help="At most this many places (in IRI order).")
@click.option("--refresh-classes", is_flag=True, help="Resolve the classes' Wikipedia articles again, ignoring the cached resolution.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def wikidata(endpoint, config_path, links_dir, cache_dir, no_cache, contact, search_mode, place_files, only, limit, refresh_classes, no_progress):
    """Look for the Wikidata item of every place without an accepted link.

    Sure links go to LINKS_DIR/wikidata.ttl, doubtful ones to LINKS_DIR/review.csv,
    places nothing fits to LINKS_DIR/unmatched.csv. Exit 0 on success, 2 on bad
    input, 3 when the endpoint cannot be used.
    """
    from ..linking.client import SparqlError
    from ..linking.linkstore import LinkFileError
    from ..linking.pipeline import ACCEPT, NO_MATCH, REVIEW, LinkingError, link_places

    config, client = _setup(config_path, endpoint, contact, cache_dir, no_cache)
    _, places = _places(place_files)
    if only:
        unknown = sorted(set(only) - {p.iri for p in places})
        if unknown:
            _fail(f"no such place: {', '.join(unknown)}")
        places = [p for p in places if p.iri in set(only)]
    if limit is not None:
        places = places[:limit]
    try:
        report = link_places(
            places,
            config=config,
            client=client,
            links_dir=links_dir,
            mode=search_mode,
            refresh_classes=refresh_classes,
            progress=not no_progress,
            log=lambda message: click.echo(message, err=True),
        )
    except SparqlError as error:
        _fail(str(error), 3)
    except (LinkingError, LinkFileError, ValueError, RDFSyntaxError) as error:
        _fail(str(error))
    stats = report.stats
    click.echo(
        f"{report.places} places, {report.already_linked} already linked; "
        f"{report.count(ACCEPT)} linked, {report.count(REVIEW)} to review, {report.count(NO_MATCH)} with no match "
        f"(search: {report.mode}; {stats.requests} requests, {stats.cache_hits} cached answers, {stats.retries} retries)"
    )


@link.command("review")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@_common
@click.option("--no-check", is_flag=True, help="Do not check on the endpoint that items typed in by a person exist.")
def review(file, endpoint, config_path, links_dir, cache_dir, no_cache, contact, no_check):
    """Apply the decisions of a review FILE (accept, reject, or another Q… per row).

    Exit 0 when applied, 1 when the file has problems (each is listed; nothing is written).
    """
    from ..linking.client import SparqlError
    from ..linking.review import ReviewError, apply_review
    from ..linking.wikidata import PROLOGUE

    exists = None
    if not no_check:
        _, client = _setup(config_path, endpoint, contact, cache_dir, no_cache)

        def exists(item: str) -> bool:
            return client.ask(PROLOGUE + f"ASK {{ wd:{item} rdfs:label ?label }}")

    try:
        outcome = apply_review(file, links_dir, exists=exists)
    except ReviewError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    except SparqlError as error:
        _fail(str(error), 3)
    click.echo(
        f"{outcome.confirmed} links confirmed, {outcome.chosen} chosen by hand ({outcome.replaced} replaced an earlier link), "
        f"{outcome.rejected} candidates rejected, {outcome.unmatched} places left with no match, "
        f"{outcome.left_in_queue} rows still to review"
    )


@link.command("quickstatements")
@_common
@click.option("--places", "place_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Turtle files to read places from (default: data/census/*.ttl and data/curated/*.ttl).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the commands here (default: standard output).")
def quickstatements(endpoint, config_path, links_dir, cache_dir, no_cache, contact, place_files, output):
    """Write QuickStatements V1 commands creating items for the places nothing on Wikidata fits."""
    from ..linking.classes import load_kind_classes
    from ..linking.client import SparqlError
    from ..linking.linkstore import (
        LINKS_FILE,
        UNMATCHED_FILE,
        read_links,
        read_unmatched,
    )
    from ..linking.quickstatements import build_quickstatements, commune_items

    config, client = _setup(config_path, endpoint, contact, cache_dir, no_cache)
    graph, places = _places(place_files)
    linked = {k.place for k in read_links(links_dir / LINKS_FILE)}
    unmatched = {u.place for u in read_unmatched(links_dir / UNMATCHED_FILE)} - linked
    chosen = [p for p in places if p.iri in unmatched]
    try:
        kind_classes = load_kind_classes(client, config, links_dir)
        communes = commune_items(client, {p.insee for p in chosen if p.insee})
    except SparqlError as error:
        _fail(str(error), 3)
    result = build_quickstatements(chosen, graph, kind_classes, communes)
    for place, why in result.skipped:
        click.echo(f"skipped {place}: {why}", err=True)
    if output:
        write_atomically(output, result.text)
    else:
        click.echo(result.text, nl=False)
    click.echo(f"{result.created} items to create, {len(result.skipped)} places skipped", err=True)
