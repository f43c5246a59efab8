"""Typed, validated binding of a named query's parameters to RDF terms.

A parameter value arrives as text (``--param k=v``, a URL query string). It is
checked against the parameter's declared type and turned into an RDF term; the
term is then bound to the query's variable, never pasted into the query text:

* on a local Oxigraph store, by ``Store.query(..., substitutions=...)``
  (:func:`substitutions`);
* for a remote SPARQL endpoint, by a ``VALUES`` block at the start of the
  query's outermost ``WHERE`` group, built from N-Triples serialisations of the
  terms (:func:`inject_values`).

Both bindings give the same results as long as a parameter's variable is used
in the outermost group of the query (not only inside a sub-query); the tests
check this for every named query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from ..namespaces import PREFIXES
from .named import NamedQuery, QueryParameter

XSD = "http://www.w3.org/2001/XMLSchema#"

#: type -> how it is described to people in error messages and listings
TYPE_DESCRIPTIONS: dict[str, str] = {
    "iri": "an absolute IRI (https://…) or a prefixed name such as place:la-coroutine",
    "string": "a text",
    "integer": "an integer such as 42 or -3",
    "decimal": "a decimal number such as 45.76 or -0.5",
    "boolean": "true or false",
    "date": "a date as YYYY-MM-DD",
    "year": "a year as YYYY",
}

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_YEAR = re.compile(r"^[0-9]{4}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# A prefixed name of PREFIXES; the local part may hold "/" (tlid:series/roumics) as a convenience.
_PREFIXED = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9_-]*)?:(?P<local>[A-Za-z0-9_.~%/-]*)$")
# Characters the SPARQL and N-Triples IRIREF productions exclude.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}


class ParameterError(ValueError):
    """A parameter value that is unknown, missing or not of its declared type; the message names the parameter."""

    def __init__(self, query: str, parameter: str, message: str):
        super().__init__(f"query {query!r}, parameter {parameter!r}: {message}")
        self.query = query
        self.parameter = parameter


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def _iri(raw: str) -> ox.NamedNode:
    prefixed = _PREFIXED.match(raw)
    if prefixed and (prefixed["prefix"] or "") in PREFIXES:
        raw = PREFIXES[prefixed["prefix"] or ""] + prefixed["local"]
    if not _SCHEME.match(raw) or _IRI_FORBIDDEN.search(raw):
        raise ValueError(raw)
    return ox.NamedNode(raw)


def _integer(raw: str) -> ox.Literal:
    if not _INTEGER.match(raw):
        raise ValueError(raw)
    return _typed(str(int(raw)), "integer")


def _decimal(raw: str) -> ox.Literal:
    if not _DECIMAL.match(raw):
        raise ValueError(raw)
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(raw) from None
    text = format(number, "f")
    if "." not in text:
        text += ".0"
    return _typed(text, "decimal")


def _boolean(raw: str) -> ox.Literal:
    try:
        return _typed(_BOOLEANS[raw.lower()], "boolean")
    except KeyError:
        raise ValueError(raw) from None


def _date(raw: str) -> ox.Literal:
    if not _DATE.match(raw):
        raise ValueError(raw)
    date.fromisoformat(raw)  # rejects 2019-02-30
    return _typed(raw, "date")


def _year(raw: str) -> ox.Literal:
    if not _YEAR.match(raw):
        raise ValueError(raw)
    return _typed(raw, "gYear")


_PARSERS = {
    "iri": _iri,
    "string": ox.Literal,
    "integer": _integer,
    "decimal": _decimal,
    "boolean": _boolean,
    "date": _date,
    "year": _year,
}


def parse_value(query: str, parameter: QueryParameter, raw: str) -> ox.NamedNode | ox.Literal:
    """Turn the text ``raw`` into the RDF term of ``parameter``'s type; raise :class:`ParameterError` if it is not one."""
    text = raw if parameter.type == "string" else raw.strip()
    try:
        return _PARSERS[parameter.type](text)
    except ValueError:
        raise ParameterError(
            query, parameter.name, f"expected {parameter.type} ({TYPE_DESCRIPTIONS[parameter.type]}), got {raw!r}"
        ) from None


def bind_parameters(query: NamedQuery, given: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """Return every parameter of ``query`` bound to a term: the given value, else its default.

    Raises :class:`ParameterError` for a parameter the query does not declare,
    a required parameter (one without default) that is not given, or a value
    that is not of the declared type.
    """
    declared = {p.name: p for p in query.parameters}
    for name in given:
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise ParameterError(query.name, name, f"unknown parameter; this query's parameters: {known}")
    bound = {}
    for name, parameter in declared.items():
        if name in given:
            bound[name] = parse_value(query.name, parameter, given[name])
        elif parameter.default is not None:
            bound[name] = parse_value(query.name, parameter, parameter.default)
        else:
            raise ParameterError(
                query.name, name, f"required and not given (expected {parameter.type}: {TYPE_DESCRIPTIONS[parameter.type]})"
            )
    return bound


def substitutions(bound: Mapping[str, ox.NamedNode | ox.Literal]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Return ``bound`` as the ``substitutions`` argument of ``pyoxigraph.Store.query``."""
    return {ox.Variable(name): term for name, term in bound.items()}


def sparql_term(term: ox.NamedNode | ox.Literal) -> str:
    """Serialise a term for a SPARQL query: its N-Triples form, which escapes quotes, backslashes and line breaks."""
    if not isinstance(term, (ox.NamedNode, ox.Literal)):
        raise TypeError(f"only IRIs and literals can be bound, not {term!r}")
    return str(term)


# Tokens that may hold braces or a 'WHERE' that is not SPARQL syntax: strings, IRIs, comments.
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^\x00-\x20<>"{}|^`\\]*>'
    r"|#[^\n\r]*"
    r"|[{}]"
    # words, with variables and prefixed names kept whole so that ?where or ex:where is no keyword
    r"|[?$:A-Za-z0-9_][A-Za-z0-9_.:-]*",
    re.DOTALL,
)


_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


def query_form(sparql: str) -> str | None:
    """Return the query's form (SELECT, CONSTRUCT, ASK or DESCRIBE), ignoring comments, strings and IRIs; None if none.

    SPARQLWrapper guesses the form with a case-insensitive search that also
    reads words of comments (``address`` is taken for ``ADD``, ``movement`` for
    ``MOVE``) and would then send a query as an update; this answer is exact.
    """
    depth = 0
    for match in _TOKEN.finditer(sparql):
        token = match.group()
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth == 0 and token.upper() in _FORMS:
            return token.upper()
    return None


def outermost_where_brace(sparql: str) -> int:
    """Return the offset of the ``{`` that opens the query's outermost ``WHERE`` group.

    Braces and keywords inside strings, IRIs and comments are ignored. The
    ``WHERE`` keyword may be omitted for SELECT, ASK and DESCRIBE (then the
    first top-level group is the WHERE group); a CONSTRUCT's template is skipped.
    Raises ``ValueError`` when there is no such group.
    """
    depth = 0
    form = None
    after_where = False
    for match in _TOKEN.finditer(sparql):
        token = match.group()
        upper = token.upper()
        if token == "{":
            if depth == 0 and (after_where or form in ("SELECT", "ASK", "DESCRIBE")):
                return match.start()
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and upper in _FORMS and form is None:
            form = upper
        elif depth == 0 and upper == "WHERE":
            after_where = True
    raise ValueError("the query has no WHERE group to bind parameters in")


def values_block(bound: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Return ``VALUES (?a ?b) { (term term) }`` binding each parameter to its term (empty for no parameters)."""
    if not bound:
        return ""
    names = " ".join(f"?{name}" for name in bound)
    terms = " ".join(sparql_term(term) for term in bound.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


def inject_values(sparql: str, bound: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Return ``sparql`` with a ``VALUES`` block binding ``bound`` at the start of its outermost WHERE group."""
    if not bound:
        return sparql
    brace = outermost_where_brace(sparql)
    return f"{sparql[: brace + 1]}\n  {values_block(bound)}\n{sparql[brace + 1 :]}"
