"""What a client's query or update may do: the web worker's bounded pre-check, and where the rest is decided.

Two steps, in two places:

* :func:`precheck` runs in the web worker on every client text: one linear
  pass over the characters (it skips strings, IRIs and comments and never
  backtracks) that refuses, with a 400 naming the limit, nesting deeper than
  the service allows (brackets, braces, parentheses and runs of ``!``). The
  engine's parser and evaluator recurse on nesting: deep nesting crashed them.
* :func:`check` (``tierslieux.stores.policy``: LOAD, file: IRIs, SERVICE off
  the allow-list) needs a parse, so it runs in the query process under the
  query's deadline: the service hands the store a ``Policy`` with the text.

:func:`check_dataset_iris` refuses ``file:`` IRIs given as protocol parameters
(a cheap test on short strings).
"""

from __future__ import annotations

from ..stores.policy import Refused, Scan, check, scan

__all__ = ["MAX_NESTING", "Refused", "Scan", "check", "check_dataset_iris", "nesting_depth", "precheck", "scan"]

#: Deepest nesting :func:`precheck` accepts by default (``MAX_QUERY_NESTING``).
MAX_NESTING = 128

_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
#: Characters that cannot appear in an IRI reference (``<`` followed by one of them, or by a space, is an operator).
_NOT_IN_IRI = frozenset('<"{}|^`\\') | frozenset(chr(c) for c in range(0x21))


def _skip_string(text: str, start: int) -> int:
    """Return the index just after the string literal opening at ``start`` (the end of ``text`` if unclosed)."""
    quote = text[start]
    long_form = text.startswith(quote * 3, start)
    index = start + (3 if long_form else 1)
    end = len(text)
    while index < end:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if long_form:
            if text.startswith(quote * 3, index):
                return index + 3
        elif char == quote or char in "\n\r":
            return index + 1
        index += 1
    return end


def _skip_iri(text: str, start: int) -> int:
    """Return the index after the IRI reference opening at ``start``, or ``start + 1`` when ``<`` is an operator.

    The look-ahead stops at the first character an IRI cannot hold, and the
    characters it passed hold no ``<``: no character is looked at twice by two
    look-aheads, so the whole scan stays linear.
    """
    index = start + 1
    end = len(text)
    while index < end:
        char = text[index]
        if char == ">":
            return index + 1
        if char in _NOT_IN_IRI:
            return start + 1
        index += 1
    return start + 1


def nesting_depth(text: str) -> int:
    """The deepest nesting in ``text``: open brackets, braces and parentheses, plus a run of ``!`` operators.

    One pass, linear in the length of ``text``: strings, IRIs and comments are
    skipped (their brackets do not count).
    """
    depth = deepest = negations = 0
    index = 0
    end = len(text)
    while index < end:
        char = text[index]
        if char in "\"'":
            index = _skip_string(text, index)
            negations = 0
            continue
        if char == "<":
            index = _skip_iri(text, index)
            negations = 0
            continue
        if char == "#":
            newline = text.find("\n", index)
            index = end if newline < 0 else newline + 1
            continue
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(0, depth - 1)
        if char == "!":
            negations += 1
        elif not char.isspace():
            negations = 0
        deepest = max(deepest, depth + negations)
        index += 1
    return deepest


def precheck(text: str, max_depth: int = MAX_NESTING) -> None:
    """Refuse (400) a text nested deeper than ``max_depth``: the cheap, bounded check made in the web worker."""
    depth = nesting_depth(text)
    if depth > max_depth:
        raise Refused(
            f"The query is nested {depth} levels deep (brackets, braces, parentheses or repeated `!`); "
            f"this service accepts at most {max_depth} levels: flatten it.",
            status=400,
        )


def check_dataset_iris(iris: list[str]) -> None:
    """Refuse ``file:`` IRIs given as ``default-graph-uri`` / ``named-graph-uri``."""
    for iri in iris:
        if iri[:5].lower() == "file:":
            raise Refused(f"file: IRIs are not allowed (<{iri}>).")
