"""``tierslieux query``: run a named query of queries/ on the built store or on any SPARQL endpoint."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..paths import QUERIES_DIR, default_build_dir
from ..queries.named import NamedQuery, QueryHeaderError, load_named_queries
from ..queries.parameters import TYPE_DESCRIPTIONS, ParameterError, bind_parameters, inject_values, query_form, substitutions

FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
Results = ox.QuerySolutions | ox.QueryBoolean


class QueryFailed(Exception):
    """The store or the endpoint could not run the query (the message says why)."""


def run_local(store_dir: Path, query: NamedQuery, bound: dict) -> Results:
    """Run ``query`` on the Oxigraph store in ``store_dir``, opened read-only, over the union of its graphs."""
    if not store_dir.is_dir():
        raise QueryFailed(f"no built store at {store_dir}: run `tierslieux build` first, or give --endpoint")
    try:
        store = ox.Store.read_only(str(store_dir.resolve()))
        return store.query(query.text, use_default_graph_as_union=True, substitutions=substitutions(bound))
    except (OSError, SyntaxError) as error:
        raise QueryFailed(f"{query.path}: {error}") from error


def run_remote(endpoint: str, query: NamedQuery, bound: dict, timeout: int = 60) -> Results:
    """Run ``query`` on a SPARQL endpoint (parameters bound by a VALUES block) and parse its JSON results."""
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(inject_values(query.text, bound))
    # SPARQLWrapper's own guess reads words in comments ("address" as ADD) and would send an update.
    wrapper.queryType = query_form(query.text) or "SELECT"
    wrapper.setMethod(POST)
    wrapper.setReturnFormat(JSON)
    wrapper.setTimeout(timeout)
    try:
        body = wrapper.query().response.read()
    except SPARQLWrapperException as error:
        raise QueryFailed(f"{endpoint}: {error}") from None
    except OSError as error:  # urllib's URLError and HTTPError, timeouts
        raise QueryFailed(f"{endpoint}: {error}") from None
    try:
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as error:
        raise QueryFailed(f"{endpoint}: the answer is not SPARQL JSON results ({error})") from None


def short_term(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    """Show a term for people: an IRI as a prefixed name when a prefix fits, a literal by its text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        best = max((p for p, iri in PREFIXES.items() if term.value.startswith(iri)), key=lambda p: len(PREFIXES[p]), default=None)
        return f"{best}:{term.value[len(PREFIXES[best]):]}" if best else f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term)


def table(results: Results) -> str:
    """Render results as an aligned text table (or ``true``/``false`` for an ASK)."""
    if isinstance(results, ox.QueryBoolean):
        return "true" if bool(results) else "false"
    names = [v.value for v in results.variables]
    rows = [[short_term(row[name]) for name in names] for row in results]
    widths = [max([len(name), *(len(r[i]) for r in rows)]) for i, name in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(names), line(["-" * w for w in widths]), *(line(r) for r in rows), f"({len(rows)} rows)"]
    return "\n".join(out)


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
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A parameter value (repeatable).")
@click.option("--format", "-f", "fmt", type=click.Choice([*FORMATS, "table"]), default="table", show_default=True)
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL endpoint instead of the local built store.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), help="The build folder (default: ./build).")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries with their parameters.")
@click.option("--queries-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), hidden=True)
def query(
    name: str | None,
    params: tuple[str, ...],
    fmt: str,
    endpoint: str | None,
    build_dir: Path | None,
    list_queries: bool,
    queries_dir: Path | None,
) -> None:
    """Run the named query NAME (a file queries/NAME.rq) and print its results.

    Parameters are typed (see --list) and bound as RDF terms, never pasted
    into the query text. Without --endpoint the query runs on the store that
    `tierslieux build` wrote, over the union of all its graphs.
    """
    try:
        queries = load_named_queries(queries_dir or QUERIES_DIR)
    except QueryHeaderError as error:
        raise click.ClickException(str(error)) from None
    if list_queries:
        click.echo("\n\n".join(describe(q) for q in queries.values()))
        click.echo("\nParameter types: " + "; ".join(f"{t}: {d}" for t, d in TYPE_DESCRIPTIONS.items()))
        return
    if not name:
        raise click.UsageError("give a query NAME, or --list to see them")
    if name not in queries:
        raise click.UsageError(f"unknown query {name!r}; known queries: {', '.join(queries)}")
    named = queries[name]
    try:
        bound = bind_parameters(named, parse_param_options(params))
    except ParameterError as error:
        raise click.UsageError(str(error)) from None
    try:
        if endpoint:
            results = run_remote(endpoint, named, bound)
        else:
            from ..release import BuildLayout

            results = run_local(BuildLayout(build_dir or default_build_dir()).store_dir, named, bound)
    except QueryFailed as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    if not isinstance(results, (ox.QuerySolutions, ox.QueryBoolean)):
        click.echo(f"error: {named.path}: a named query must be a SELECT or an ASK", err=True)
        sys.exit(1)
    try:
        # rows are computed while they are read, so evaluation errors surface here
        output = table(results).encode("utf-8") + b"\n" if fmt == "table" else results.serialize(format=FORMATS[fmt])
    except (OSError, RuntimeError, ValueError) as error:
        click.echo(f"error: {named.path}: the query failed while running: {error}", err=True)
        sys.exit(1)
    sys.stdout.flush()
    sys.stdout.buffer.write(output if fmt not in ("json", "xml") else output + b"\n")
    sys.stdout.buffer.flush()
