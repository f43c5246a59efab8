"""``tierslieux duplicates``: the likely duplicates of the whole data folder, as a CSV for a reviewer.

Every place of ``data/`` (census, curated data, every import under ``networks/``) is read as an
import's ``match-against: all`` reads them, and the pairs of distinct places with the same name
that the rules kept apart (no commune, or more than 100 m apart) are written as CSV
(:mod:`tierslieux.importing.likely_duplicates`; ``docs/merging.md``). ``tierslieux import`` writes
the same report, for its own places, beside its match report. A list to review, not a check:
the command exits 0 whatever it finds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..paths import DATA_DIR

#: where the report goes when ``--out`` is not given: the working directory, like ``build``'s folder
DEFAULT_OUT = Path("likely-duplicates.csv")


@click.command("duplicates")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="The data folder to read (default: the repository's data/).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_OUT, show_default=True,
              help="Where to write the CSV report.")
def duplicates(data_dir: Path | None, out: Path) -> None:
    """Write the likely duplicates of data/: same-name places with no commune, or more than 100 m apart."""
    from collections import Counter

    from ..importing.issues import ImportFailure
    from ..importing.likely_duplicates import data_folder_duplicates, report_csv
    from ..rdfio import write_atomically

    try:
        found = data_folder_duplicates(data_dir or DATA_DIR)
    except ImportFailure as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    write_atomically(out, report_csv(found))
    for reason, count in sorted(Counter(d.reason for d in found).items()):
        click.echo(f"{count:6d}  {reason}")
    click.echo(f"{len(found)} likely duplicate(s) written to {out}")
