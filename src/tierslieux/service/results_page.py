"""SPARQL results as a page for people: a readable table (links, plain values), the query text and download links.

A browser that opens ``/queries/{name}`` (``Accept`` naming ``text/html``
before any results type, or ``format=html``) gets this page; SPARQL clients
still get the results in the format they ask for. IRIs become links (to the
service's own page for the graph's IRIs) shown by their short name
(:func:`~tierslieux.namespaces.short_name`), and literals show their value
only, with the language as a small tag: never ``"161"^^xsd:integer``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import request
from rdflib import URIRef

from ..namespaces import BASE, short_name

_HTML = ("text/html", "application/xhtml+xml")


def wants_html() -> bool:
    """True when the request asks for a page: ``format=html``, or Accept naming ``text/html`` at least as high as any other type.

    A browser names text/html first (``text/html,…,*/*;q=0.8``); a SPARQL
    client names a results type, or nothing, or ``*/*``, and keeps its results.
    """
    asked = (request.args.get("format") or "").lower()
    if asked:
        return asked in ("html", "text/html")
    named = [(mime, quality) for mime, quality in request.accept_mimetypes]
    html = max((q for mime, q in named if mime in _HTML), default=0)
    others = max((q for mime, q in named if mime not in _HTML and "*" not in mime), default=0)
    return html > 0 and html >= others


@dataclass(frozen=True)
class Cell:
    """One value of the table: its text, a link when it is an IRI, a language tag when it has one."""

    text: str
    href: str | None = None
    lang: str | None = None
    title: str | None = None


def cell(term: ox.Term | None) -> Cell:
    """A term as people read it (see the module docstring)."""
    if term is None:
        return Cell("")
    if isinstance(term, ox.NamedNode):
        iri = term.value
        href = request.script_root + "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri
        return Cell(short_name(URIRef(iri)).strip("<>"), href, title=iri)
    if isinstance(term, ox.Literal):
        return Cell(term.value, lang=term.language or None, title=None if term.language else short_name(URIRef(term.datatype.value)))
    return Cell(str(term))


def table(outcome, limit: int) -> tuple[list[str], list[list[Cell]], bool]:
    """The variables, at most ``limit`` rows of cells, and whether more rows were left out."""
    variables = list(outcome.variables)
    rows: list[list[Cell]] = []
    more = False
    for row in outcome.rows:
        if len(rows) == limit:
            more = True
            break
        rows.append([cell(row[i]) for i in range(len(variables))])
    outcome.close()
    return variables, rows, more
