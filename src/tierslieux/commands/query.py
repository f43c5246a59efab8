"""``tierslieux query``: run a named query of queries/, a query file or a query text on the built store or on any SPARQL endpoint."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph as ox
from rdflib import URIRef

from ..formats import RDF_FORMATS, RESULT_FORMATS, find
from ..namespaces import short_name
from ..paths import QUERIES_DIR, default_build_dir
from ..queries.named import NamedQuery, QueryHeaderError, load_named_queries
from ..queries.parameters import TYPE_DESCRIPTIONS, ParameterError, bind_parameters, inject_values
from ..release import BuildLayout
from ..service.results import formats_for, render
from ..stores.base import QueryFailed, QueryOutcome, QuerySyntaxError, QueryTimeout, Store, StoreError
from ..stores.embedded import EmbeddedStore
from ..stores.remote import RemoteStore
from .options import build_dir_option

#: ``--format`` names: SPARQL results for SELECT/ASK, RDF syntaxes for CONSTRUCT/DESCRIBE, and a readable table
FORMAT_NAMES = ["table", *(f.param for f in RESULT_FORMATS), *(f.param for f in RDF_FORMATS)]
#: how long a query from the command line may run
TIMEOUT_SECONDS = 300.0


def open_store(endpoint: str | None, build_dir: Path | None) -> Store:
    """The store a query runs on: a SPARQL endpoint (``--endpoint``), else the built store opened read-only.

    Both are the service's own :class:`~tierslieux.stores.base.Store` implementations, so the command line and the
    service ask and read queries the same way. Raises :class:`StoreError` with what to do.
    """
    if endpoint:
        # An arbitrary endpoint's default graph is taken as it is (Oxigraph server: start it with --union-default-graph).
        return RemoteStore(endpoint, union="native", default_timeout=TIMEOUT_SECONDS)
    return EmbeddedStore.open(BuildLayout(build_dir or default_build_dir()).store_dir)


def table(outcome: QueryOutcome) -> str:
    """Render an answer as an aligned text table (``true``/``false`` for an ASK, one triple a row for a graph)."""
    if outcome.kind == "boolean":
        return "true" if outcome.boolean else "false"
    if outcome.kind == "graph":
        names = ["subject", "predicate", "object"]
        rows = [[short_term(t.subject), short_term(t.predicate), short_term(t.object)] for t in outcome.triples]
    else:
        names = outcome.variables
        rows = [[short_term(row[name]) for name in names] for row in outcome.rows]
    widths = [max([len(name), *(len(r[i]) for r in rows)]) for i, name in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(names), line(["-" * w for w in widths]), *(line(r) for r in rows), f"({len(rows)} rows)"]
    return "\n".join(out)


def short_term(term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple | None) -> str:
    """Show a term for people: an IRI as a prefixed name when a prefix fits, a literal by its text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return short_name(URIRef(term.value))
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term)


def describe(query: NamedQuery) -> str:
    """Return the listing of one query: name, title, description and parameters."""
    lines = [f"{query.name}: {query.title}", f"    {query.description}"]
    for p in query.parameters:
        default = f" = {p.default}" if p.default is not None else " (required)"
        doc = f" -- {p.description}" if p.description else ""
        lines.append(f"    --param {p.name}=<{p.type}>{default}{doc}")
    return "\n".join(lines)


def parse_param_options(pairs: tuple[str, ...]) -> dict[str, str]:
    """Turn ``k=v`` option values into a dict; raise ``click.BadParameter`` for a malformed or repeated one."""
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        if name.strip() in given:
            raise click.BadParameter(f"{name.strip()!r} is given twice", param_hint="--param")
        given[name.strip()] = value
    return given


@click.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A parameter value of a named query (repeatable).")
@click.option("--file", "query_file", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Run the SPARQL query in this file (a .rq).")
@click.option("--expression", "-e", "expression", metavar="SPARQL", help="Run this SPARQL query text.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMAT_NAMES), default="table", show_default=True)
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL endpoint instead of the local built store.")
@build_dir_option
@click.option("--list", "list_queries", is_flag=True, help="List the named queries with their parameters.")
@click.option("--queries-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), hidden=True)
def query(
    name: str | None,
    params: tuple[str, ...],
    query_file: Path | None,
    expression: str | None,
    fmt: str,
    endpoint: str | None,
    build_dir: Path | None,
    list_queries: bool,
    queries_dir: Path | None,
) -> None:
    """Run the named query NAME (a file queries/NAME.rq), a query file (--file) or a query text (-e), and print its answer.

    Parameters of named queries are typed (see --list) and bound as RDF terms,
    never pasted into the query text. Without --endpoint the query runs on the
    store that `tierslieux build` wrote, over the union of all its graphs.
    """
    try:
        queries = load_named_queries(queries_dir or QUERIES_DIR)
    except QueryHeaderError as error:
        raise click.ClickException(str(error)) from None
    if list_queries:
        click.echo("\n\n".join(describe(q) for q in queries.values()))
        click.echo("\nParameter types: " + "; ".join(f"{t}: {d}" for t, d in TYPE_DESCRIPTIONS.items()))
        return
    if sum(x is not None for x in (name, query_file, expression)) != 1:
        raise click.UsageError("give one of: a query NAME, --file Q.rq or -e 'SELECT …' (or --list to see the named queries)")
    if name is not None:
        if name not in queries:
            raise click.UsageError(f"unknown query {name!r}; known queries: {', '.join(queries)}")
        try:
            text = inject_values(queries[name].text, bind_parameters(queries[name], parse_param_options(params)))
        except ParameterError as error:
            raise click.UsageError(str(error)) from None
        where = str(queries[name].path)
    else:
        if params:
            raise click.UsageError("--param binds the parameters of a named query; write the values into the query itself")
        text = query_file.read_text(encoding="utf-8") if query_file else expression
        where = str(query_file) if query_file else "the query"
    try:
        store = open_store(endpoint, build_dir)
        outcome = store.query(text, union_default_graph=True, timeout=TIMEOUT_SECONDS)
        if fmt == "table":
            output = table(outcome).encode("utf-8") + b"\n"
        else:
            chosen = find(formats_for(outcome.kind), fmt)
            if chosen is None:
                kinds = "SELECT/ASK" if outcome.kind != "graph" else "CONSTRUCT/DESCRIBE"
                raise click.UsageError(f"--format {fmt} cannot carry a {kinds} answer; use one of: {', '.join(f.param for f in formats_for(outcome.kind))}")
            output, _ = render(outcome, chosen, max_rows=sys.maxsize)
    except QuerySyntaxError as error:
        click.echo(f"error: {where}: {error}", err=True)
        sys.exit(1)
    except QueryTimeout:
        click.echo(f"error: {where}: the query ran past {TIMEOUT_SECONDS:.0f} s", err=True)
        sys.exit(1)
    except StoreError as error:  # its message names the store or the endpoint
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except QueryFailed as error:
        click.echo(f"error: {where}: {error}", err=True)
        sys.exit(1)
    sys.stdout.flush()
    sys.stdout.buffer.write(output if output.endswith(b"\n") else output + b"\n")
    sys.stdout.buffer.flush()
