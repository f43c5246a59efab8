"""The policy on a client's SPARQL text, decided where the text runs: LOAD, file: IRIs, SERVICE targets.

It runs in the query process (``tierslieux.stores.query_processes``), under
the query's deadline, because it may parse the text with rdflib, which is slow
on hostile texts: that process may be killed, the web worker never waits on it.
Two independent readings of the text must both find it harmless:

* :func:`scan` is a SPARQL lexer (strings, IRIs, comments, prefixed names,
  ``PREFIX``/``BASE``) that lists the ``SERVICE`` targets, ``LOAD`` operations,
  ``FROM`` clauses and every IRI, with prefixes and relative IRIs resolved;
* rdflib's SPARQL parser gives the algebra, on which SERVICE and LOAD are
  decided, whenever the text could hide one: the lexer found the keyword, or
  the word ``service`` or ``load`` appears anywhere (a lexer and the engine
  may disagree on where a string or an IRI ends), or a ``file:`` or a
  ``\\u`` escape (which could spell one); such a text that rdflib cannot
  parse is refused (fail closed). The word in a literal or a comment costs
  that parse, in the query process and within the query's time limit, and
  is not refused for it (rdflib runs with a deep stack there, so nesting the
  web worker accepts does not exhaust its recursion).

A ``SERVICE`` target must be an IRI on the allow-list (a variable target is
refused), ``LOAD`` is never allowed, and no ``file:`` IRI is accepted
anywhere. The refusal happens before any connection: the engine is only
called once the text has passed. (The web worker's own bounded check is
``tierslieux.service.guard.precheck``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from .base import QueryRefused

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_PN_CHARS_BASE = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
_PN_CHARS = _PN_CHARS_BASE + r"_\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS}:]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>\s+)",
            r"(?P<comment>#[^\n\r]*)",
            r"(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\")",
            f"(?P<iri><(?:[^<>\"{{}}|^`\\\\\x00-\x20]|{_UCHAR})*>)",
            r"(?P<bnode>_:[^\s{}()\[\];,.]+)",
            r"(?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)",
            r"(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            # A name with no colon after it, read possessively: a long run of name characters is read once
            # (tried first as a prefixed name, `a-a-a-…` cost quadratic time as the prefix gave characters back).
            f"(?P<word>[{_PN_CHARS_BASE}_][{_PN_CHARS}.]*+)(?!:)",
            f"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
            r"(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)",
            r"(?P<other>.)",
        ]
    ),
    re.DOTALL,
)

#: Besides the keywords the lexer found, what makes rdflib's reading necessary: the words ``service`` and ``load``
#: anywhere else (not inside a name like ``tl:Service`` or ``?service``: a lexer and the engine may disagree on where a
#: string or an IRI ends), a file: IRI, or an escape that could spell one. A false alarm costs a parse, never a refusal.
_SUSPICIOUS = re.compile(r"(?<![\w:?$])(?:service|load)(?![\w:])|file:|\\[uU]", re.IGNORECASE)

class Refused(QueryRefused):
    """The text asks for something this service does not do; ``status`` is the HTTP status to answer."""

    #: Whether the process that read the text should not read another (see :class:`RefusedTooDeep`).
    ends_process = False

    def __init__(self, message: str, status: int = 403):
        super().__init__(message, status)


class RefusedTooDeep(Refused):
    """rdflib's parser met the recursion limit on the text. The interpreter then sometimes fails on a *later* text
    ("error return without exception set", or a segmentation fault: found by the hostile corpus), so a query process
    answers this refusal and then ends; the next query gets a fresh one."""

    ends_process = True


@dataclass
class Scan:
    """What :func:`scan` found in a query or update."""

    service_targets: list[str | None] = field(default_factory=list)  # None: a variable target
    loads: int = 0
    has_from: bool = False
    keywords: int = 0  # SERVICE and LOAD keywords seen (each makes rdflib's reading necessary)
    iris: list[str] = field(default_factory=list)


def _unescape(text: str) -> str:
    return re.sub(_UCHAR, lambda m: chr(int(m.group(0)[2:], 16)), text)


def scan(text: str) -> Scan:
    """Read ``text`` as SPARQL tokens and list what the guard needs to decide (see :class:`Scan`)."""
    result = Scan()
    prefixes: dict[str, str] = {}
    base = ""
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment")]
    expecting_target = False
    for index, (kind, value) in enumerate(tokens):
        iri = None
        if kind == "iri":
            iri = urljoin(base, _unescape(value[1:-1])) if base else _unescape(value[1:-1])
            previous = tokens[index - 1] if index else ("", "")
            if previous[0] == "word" and previous[1].upper() == "BASE":
                base = iri
            elif index >= 2 and tokens[index - 2][0] == "word" and tokens[index - 2][1].upper() == "PREFIX" and previous[0] == "pname":
                prefixes[previous[1].split(":", 1)[0]] = iri
        elif kind == "pname":
            prefix, local = value.split(":", 1)
            if prefix in prefixes:
                iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        if iri is not None:
            result.iris.append(iri)
        if expecting_target:
            if kind == "word" and value.upper() == "SILENT":
                continue
            result.service_targets.append(iri if kind in ("iri", "pname") else None)
            expecting_target = False
        if kind == "word":
            word = value.upper()
            if word == "SERVICE":
                expecting_target = True
                result.keywords += 1
            elif word == "LOAD":
                result.loads += 1
                result.keywords += 1
            elif word == "FROM":
                result.has_from = True
    if expecting_target:
        result.service_targets.append(None)
    return result


def preload() -> None:
    """Import rdflib's SPARQL parser now: a query process does so before it limits its address space, because mapping
    a library's code later can fail under the limit (an ``ImportError`` instead of the check)."""
    import rdflib.plugins.sparql.algebra  # noqa: F401
    import rdflib.plugins.sparql.parser  # noqa: F401


def _rdflib_reading(text: str, is_update: bool) -> Scan:
    """The same facts read by rdflib's parser; :class:`Refused` (400) when rdflib cannot parse the text."""
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        if is_update:
            from rdflib.plugins.sparql.algebra import translateUpdate
            from rdflib.plugins.sparql.parser import parseUpdate

            tree = translateUpdate(parseUpdate(text)).algebra
        else:
            from rdflib.plugins.sparql.algebra import translateQuery
            from rdflib.plugins.sparql.parser import parseQuery

            tree = translateQuery(parseQuery(text)).algebra
    except SystemError:
        raise  # the interpreter's own failure, not the text's: never reported as a syntax error
    except Exception as error:  # noqa: BLE001 - rdflib raises many kinds of errors
        # Failing closed: a text that could call out must be understood by both readings before it runs.
        detail = " ".join(str(error).split())
        refusal = RefusedTooDeep if isinstance(error, RecursionError) else Refused
        raise refusal(
            f"SPARQL syntax error (this text mentions SERVICE, LOAD, file: or a \\u escape, so it is checked before it runs, and it could not be read): {detail}",
            status=400,
        ) from None
    found = Scan()
    seen: set[int] = set()

    def walk(node: object) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, URIRef):
            found.iris.append(str(node))
        elif isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                found.service_targets.append(str(term) if isinstance(term, URIRef) and not isinstance(term, Variable) else None)
            elif node.name == "Load":
                found.loads += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple, set)):
            for value in node:
                walk(value)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)

    walk(tree)
    return found


def _refuse_findings(found: Scan, allowlist: frozenset[str]) -> None:
    if found.loads:
        raise Refused("LOAD is not allowed on this service.")
    for target in found.service_targets:
        if target is None:
            raise Refused("SERVICE with a variable endpoint is not allowed: name the endpoint with an IRI.")
        if target not in allowlist:
            allowed = ", ".join(sorted(allowlist)) or "none"
            raise Refused(f"SERVICE <{target}> is not allowed: this service may only call these endpoints: {allowed}.")
    for iri in found.iris:
        if iri[:5].lower() == "file:":
            raise Refused(f"file: IRIs are not allowed (<{iri}>).")


def check(text: str, *, is_update: bool, allowlist: frozenset[str] | set[str] | list[str] = ()) -> Scan:
    """Refuse (raise :class:`Refused`) a text that would LOAD, use a file: IRI or call a SERVICE not allowed.

    Returns the lexer's :class:`Scan` (its ``has_from`` tells whether the query names its own dataset).
    """
    allowed = frozenset(allowlist)
    lexed = scan(text)
    _refuse_findings(lexed, allowed)
    if lexed.keywords or _SUSPICIOUS.search(text):
        _refuse_findings(_rdflib_reading(text, is_update), allowed)
    return lexed


