"""Options shared by several sub-commands: one name and one meaning for each across the command line."""

from __future__ import annotations

from pathlib import Path

import click

from ..paths import shown
from ..validation import AUTO_FAST_FROM_BYTES, ENGINES

#: what the engines are, for the options' help
ENGINES_HELP = (
    "pySHACL (the reference), the shacl package's (fast: same results, much faster on big graphs), "
    f"or auto: pySHACL under {AUTO_FAST_FROM_BYTES // 1_000_000} MB of sources, the fast one above"
)

#: ``--engine``: which SHACL engine validates (``build`` and ``validate``).
engine_option = click.option(
    "--engine", type=click.Choice([*ENGINES, "auto"]), default="pyshacl", show_default=True, help=f"SHACL engine: {ENGINES_HELP}."
)

#: ``--build-dir`` (alias ``--out``): the folder of releases that ``build`` writes and the others read.
build_dir_option = click.option(
    "--build-dir",
    "--out",
    "build_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The build folder (default: $TIERSLIEUX_BUILD_DIR, else ./build).",
)


def folder_option(name: str, default: Path, help_text: str):
    """Return an option for an existing folder of the project, whose default is shown relative to the project."""
    return click.option(
        name, type=click.Path(path_type=Path, file_okay=False, exists=True), default=default, show_default=shown(default), help=help_text
    )
