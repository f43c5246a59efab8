"""Options shared by several sub-commands."""

from __future__ import annotations

import click

#: ``--engine``: which SHACL engine validates (``validate``, ``build``).
engine_option = click.option(
    "--engine",
    type=click.Choice(["pyshacl", "fast"]),
    default="pyshacl",
    show_default=True,
    help="SHACL engine: pySHACL (the reference) or TopQuadrant's (same results, faster on big graphs; needs a JDK).",
)
