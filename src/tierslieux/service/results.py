"""Result formats: content negotiation (Accept with q-values, or a ``format`` parameter) and serialisation.

Serialisation is pyoxigraph's own (SPARQL JSON/XML/CSV/TSV for SELECT and ASK,
Turtle, N-Triples, JSON-LD, RDF/XML, TriG and N-Quads for CONSTRUCT and
DESCRIBE). Rows are read through the store's deadline and counted against the
row limit before anything is written, so a refused answer never starts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept

from ..formats import RDF_FORMATS, RESULT_FORMATS, Format, find
from ..namespaces import PREFIXES
from ..stores.base import AnswerTooLarge, QueryOutcome


class NotAcceptable(Exception):
    """No format both asked for and producible for this kind of result (HTTP 406)."""


class TooManyResults(Exception):
    """The answer has more rows or triples than the service's limit."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def formats_for(kind: str) -> tuple[Format, ...]:
    """Return the formats that can carry a result of ``kind`` ("solutions", "boolean" or "graph")."""
    return RDF_FORMATS if kind == "graph" else RESULT_FORMATS


def negotiate(kind: str, accept: MIMEAccept, format_param: str | None) -> Format:
    """Choose the format for a result of ``kind`` from a ``format`` parameter, else from the Accept header.

    A ``format`` parameter may be a short name (``json``, ``ttl``…) or a media
    type. Raises :class:`NotAcceptable` naming what can be produced.
    """
    offers = formats_for(kind)
    if format_param:
        fmt = find(offers, format_param)
        if fmt is not None:
            return fmt
        raise NotAcceptable(_not_acceptable_message(kind, f"format={format_param!r}"))
    if not accept:
        return offers[0]
    by_type: dict[str, Format] = {}
    for fmt in offers:
        by_type.setdefault(fmt.media_type, fmt)
    for fmt in offers:
        for alias in fmt.media_aliases:
            by_type.setdefault(alias, fmt)
    best = accept.best_match(list(by_type))
    if best is None:
        raise NotAcceptable(_not_acceptable_message(kind, f"Accept: {accept}"))
    return by_type[best]


def _not_acceptable_message(kind: str, asked: str) -> str:
    what = "CONSTRUCT/DESCRIBE" if kind == "graph" else "SELECT/ASK"
    available = ", ".join(f"{f.media_type} (format={f.param})" for f in formats_for(kind))
    return f"Cannot produce {asked} for a {what} result. Available: {available}."


def _capped(items: Iterator, limit: int) -> list:
    """Read at most ``limit`` items; raise :class:`TooManyResults` if there is one more."""
    taken = []
    for item in items:
        if len(taken) == limit:
            raise TooManyResults(limit)
        taken.append(item)
    return taken


def _solutions_as_tsv(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    """Write rows as SPARQL TSV, whose terms are exactly pyoxigraph's N-Triples forms of them."""
    lines = ["\t".join("?" + v for v in variables)]
    positions = range(len(variables))  # rows are read by position: by name is ten times slower
    for row in rows:
        lines.append("\t".join(["" if (term := row[i]) is None else str(term) for i in positions]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def render(outcome: QueryOutcome, fmt: Format, max_rows: int, max_bytes: int | None = None) -> tuple[bytes, int]:
    """Serialise ``outcome`` in ``fmt``; return the bytes and the number of rows or triples.

    Raises :class:`TooManyResults` beyond ``max_rows``, ``AnswerTooLarge``
    when the serialised answer is longer than ``max_bytes``, and lets the
    store's ``QueryTimeout`` through. (Query processes already stop at
    ``max_bytes`` of rows; this bounds what a format adds, and other stores.)
    """
    body, count = _render(outcome, fmt, max_rows)
    if max_bytes is not None and len(body) > max_bytes:
        raise AnswerTooLarge(max_bytes)
    return body, count


def _render(outcome: QueryOutcome, fmt: Format, max_rows: int) -> tuple[bytes, int]:
    if outcome.kind == "boolean":
        literal = b'{"head":{},"boolean":true}' if outcome.boolean else b'{"head":{},"boolean":false}'
        return ox.parse_query_results(literal, ox.QueryResultsFormat.JSON).serialize(format=fmt.engine), 1
    if outcome.kind == "solutions":
        if hasattr(outcome.rows, "tsv"):  # rows that arrive as TSV already (tierslieux.stores.query_processes) are used as they are
            lines, count = outcome.rows.tsv()
            if count > max_rows:
                raise TooManyResults(max_rows)
            tsv = ("\t".join("?" + v for v in outcome.variables) + "\n").encode("utf-8") + lines
        else:
            rows = _capped(outcome.rows, max_rows)
            count = len(rows)
            tsv = _solutions_as_tsv(outcome.variables, rows)
        # pyoxigraph cannot build QuerySolutions from Python rows; its TSV reader turns them back losslessly.
        solutions = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
        return solutions.serialize(format=fmt.engine), count
    triples = _capped(outcome.triples, max_rows)
    prefixes = dict(PREFIXES) if fmt.prefixed else None
    return ox.serialize(triples, format=fmt.engine, prefixes=prefixes), len(triples)
