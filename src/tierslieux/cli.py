"""The ``tierslieux`` command line: one sub-command per module of :mod:`tierslieux.commands`.

Sub-commands are imported only when they run, so ``tierslieux --help`` stays fast
and a command's heavy dependencies (Flask, gunicorn, pySHACL) load only when needed.
"""

from __future__ import annotations

import importlib

import click

from . import __version__

#: command name -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "export": "tierslieux.commands.export:export_command",
    "import": "tierslieux.commands.importing:import_command",
    "generate": "tierslieux.commands.generate:generate",
    "validate": "tierslieux.commands.validate:validate",
    "build": "tierslieux.commands.build:build",
    "qc": "tierslieux.commands.qc:qc",
    "duplicates": "tierslieux.commands.duplicates:duplicates",
    "format": "tierslieux.commands.format:format_command",
    "serve": "tierslieux.commands.serve:serve",
    "query": "tierslieux.commands.query:query",
    "link": "tierslieux.commands.link:link",
    "publish": "tierslieux.commands.publish:publish",
}

#: One-line help shown by ``tierslieux --help`` without importing the command.
SHORT_HELP: dict[str, str] = {
    "export": "Export the graph, a named graph or the places as RDF, JSON-LD, GeoJSON or CSV.",
    "generate": "Write a synthetic graph shaped like the real one (--places N --seed S), for benchmarks.",
    "import": "Import a dataset (the 2019 census, a network's export) into data/ by a declarative mapping.",
    "validate": "Validate Turtle files, or the whole graph, against the SHACL shapes.",
    "build": "Merge ontology, vocabularies and data into a validated dataset, dumps and store.",
    "qc": "Run the data-quality lint queries of queries/qc/ (each must return no row).",
    "duplicates": "List same-name places of data/ kept apart (no commune, or more than 100 m apart), as CSV for review.",
    "format": "Rewrite Turtle files in canonical form, or --check that they are.",
    "serve": "Serve the built graph over the SPARQL 1.1 Protocol (gunicorn).",
    "publish": "Load the built release into an external SPARQL store (Graph Store Protocol), one graph per source.",
    "query": "Run a named query of queries/ (--list them) on the built store or a SPARQL endpoint.",
    "link": "Link places to Wikidata (link wikidata), apply a review (link review FILE), propose new items (link quickstatements).",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the names of all sub-commands, sorted."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the sub-command ``cmd_name``, or None when there is no such command."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List sub-commands with their short help, without importing them."""
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tierslieux")
def main() -> None:
    """The tiers-lieux knowledge graph: build, validate, query and serve it."""
