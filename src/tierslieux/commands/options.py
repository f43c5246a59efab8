"""Options shared by several sub-commands."""

from __future__ import annotations

import click

from ..validation import ENGINES

#: what the engines are, for the options' help
ENGINES_HELP = "pySHACL (the reference) or TopQuadrant's (same results, faster on big graphs; needs a JDK)"


def make_engine_option(choices: tuple[str, ...] = ENGINES, help_text: str = f"SHACL engine: {ENGINES_HELP}."):
    """Return an ``--engine`` option offering ``choices``, pySHACL by default."""
    return click.option("--engine", type=click.Choice(list(choices)), default="pyshacl", show_default=True, help=help_text)


#: ``--engine``: which SHACL engine validates (``validate``).
engine_option = make_engine_option()
