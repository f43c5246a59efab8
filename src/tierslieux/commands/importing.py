"""``tierslieux import``: turn another dataset's export into Turtle under data/, by a mapping file.

``tierslieux import cget PATH`` runs the census mapping (``mappings/cget-2019.yarrrml.yml``);
``tierslieux import --mapping FILE INPUT`` runs any mapping; ``tierslieux import NAME INPUT``
runs ``mappings/NAME*.yarrrml.yml`` (``cget``, ``mediation-num``, ``spaceapi``, ``fablabs-io``, ``mednum-bfc``, ``maplabbzh``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..paths import DATA_DIR, MAPPINGS_DIR


def mapping_for(name: str) -> Path:
    """Return the mapping file a short name designates (``cget`` → ``mappings/cget-2019.yarrrml.yml``)."""
    found = sorted(MAPPINGS_DIR.glob(f"{name}*.yarrrml.yml"))
    if len(found) != 1:
        known = ", ".join(sorted(p.name.split(".")[0] for p in MAPPINGS_DIR.glob("*.yarrrml.yml")))
        raise click.UsageError(f"no single mapping named {name!r} in {MAPPINGS_DIR} (known: {known}); or use --mapping FILE")
    return found[0]


@click.command("import")
@click.argument("args", nargs=-1, required=True, metavar="[NAME] INPUT")
@click.option("--mapping", "mapping_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The mapping file to run (YARRRML with a tierslieux: profile).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the Turtle here instead of the profile's place under data/.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The data folder to match against and write into (default: the repository's data/).")
@click.option("--encoding", default="utf-8", show_default=True, help="The input file's text encoding.")
@click.option("--strict", is_flag=True, help="Fail (exit 1, nothing written) when any record is rejected.")
@click.option("--progress/--no-progress", default=False, help="Show progress bars on stderr even when it is not a terminal.")
@click.option("--quiet", is_flag=True, help="Print only rejections, merges and the counts, not each Warning.")
@click.option("--force", is_flag=True, help="Replace the output even when it describes more places than this import.")
@click.option("--dry-run", is_flag=True,
              help="Write nothing: merge the import into the whole graph in memory and report what the build would say.")
def import_command(args: tuple[str, ...], mapping_file: Path | None, out: Path | None, data_dir: Path | None,
                   encoding: str, strict: bool, progress: bool, quiet: bool, force: bool, dry_run: bool) -> None:
    """Import INPUT with a mapping: NAME (e.g. cget) or --mapping FILE; writes Turtle and a match report."""
    from ..importing.issues import REJECTED, WARNING, ImportFailure
    from ..importing.matching import NO_MATCH
    from ..importing.pipeline import run_import, write_result

    if mapping_file is None:
        if len(args) != 2:
            raise click.UsageError("give a mapping name and an input (tierslieux import cget PATH) or --mapping FILE INPUT")
        mapping_file, input_path = mapping_for(args[0]), Path(args[1])
    else:
        if len(args) != 1:
            raise click.UsageError("with --mapping, give exactly one INPUT")
        input_path = Path(args[0])
    data_dir = data_dir or DATA_DIR
    try:
        result = run_import(mapping_file, input_path, data_dir=data_dir, encoding=encoding, strict=strict, progress=progress)
    except ImportFailure as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    for issue in result.log.issues:
        if issue.severity != WARNING or not quiet:
            click.echo(str(issue), err=True)
    for merge in result.merges:
        click.echo(str(merge))
    unmatched = 0
    for match in sorted(result.matches, key=lambda m: str(m.existing.node)):
        if match.status == NO_MATCH:
            unmatched += 1
            continue
        click.echo(f"{match.existing.node.rsplit('/', 1)[-1]}: {match.status}"
                   + (f" → record {', '.join(p.record for p in match.group)} ({match.group[0].where})" if match.group else "")
                   + f": {match.reason}")
    if unmatched:
        click.echo(f"{unmatched} place(s) already in the graph have no candidate in this input (listed in the report)")
    for network in result.networks:
        click.echo(f"network {network.name!r} ({network.domain}): {len(network.members)} places")
    if dry_run:
        _report_dry_run(result, data_dir, out)
        return
    try:
        written = write_result(result, data_dir, out, force=force)
    except ImportFailure as error:
        click.echo(f"error: {error}", err=True)
        click.echo(result.counts_line())
        sys.exit(1)
    warnings = len(result.log.of(WARNING))
    rejections = len({(i.row, i.record) for i in result.log.of(REJECTED)})
    click.echo(f"wrote {', '.join(str(p) for p in written)}")
    click.echo(f"{result.counts_line()} ({warnings} warnings; {rejections} rejected records listed above)")
    click.echo(_duplicates_line(result, next((p for p in written if p.name.endswith("-likely-duplicates.csv")), None)))


def _duplicates_line(result, path: Path | None) -> str:
    """The summary's line on likely duplicates: how many, and where they are listed."""
    where = f"listed in {path}" if path else "list them with `tierslieux duplicates` once the import is in data/"
    return (f"{len(result.duplicates)} likely duplicate(s): imported places with the name of a place already in data/, "
            f"kept apart (no commune, or more than 100 m apart); {where}")


def _report_dry_run(result, data_dir: Path, out: Path | None) -> None:
    """Print what the build would say with this import in the graph; exit 1 when it would refuse it."""
    from ..importing.dry_run import dry_run_result
    from ..importing.issues import ImportFailure
    from ..importing.pipeline import check_replacement
    from ..validation.outcome import format_report

    click.echo(result.counts_line())
    click.echo(_duplicates_line(result, None))
    try:
        check_replacement(result, out or data_dir / str(result.mapping.profile["output"]), force=True)
    except ImportFailure as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    found = dry_run_result(result, data_dir, out)
    violations = [r for r in found.outcome.results if r.severity.endswith("Violation")]
    for line in format_report(found.outcome).splitlines()[-1:]:
        click.echo(f"dry run: {line}")
    for violation in violations:
        click.echo(f"  {violation.focus_node}: {violation.path_text}: {violation.message('en')}", err=True)
    click.echo(f"dry run: the import would be the graph <{found.graph}>; sources disagree on {found.resolution['disputed']} "
               f"single-valued group(s) of places ({found.resolution['by_group']}), resolved by docs/merging.md; nothing written")
    sys.exit(0 if found.outcome.conforms else 1)
