"""Named SPARQL queries: ``.rq`` files whose comment header gives a title, a description and typed parameters.

Header syntax, one line each, before the query::

    # title: Places of a region
    # description: Every place in the given region, with its commune.
    # param: region iri = https://w3id.org/tiers-lieux/id/region/84 -- the region's IRI

A parameter is a variable of the query (``?region``); its value is bound as a
typed RDF term, never pasted into the query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean", "date", "year")
_HEADER = re.compile(r"^#\s*(?P<key>[a-z-]+)\s*:\s*(?P<value>.*?)\s*$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)(?:\s*=\s*(?P<default>.*?))?(?:\s+--\s+(?P<doc>.*))?$")


class QueryHeaderError(ValueError):
    """A named query whose header is malformed (the message names the file and line)."""


@dataclass(frozen=True)
class QueryParameter:
    """One typed parameter of a named query."""

    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """A named SPARQL query read from an ``.rq`` file."""

    name: str
    title: str
    description: str
    text: str
    path: Path
    parameters: tuple[QueryParameter, ...] = field(default=())
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def parse_named_query(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its header; raises :class:`QueryHeaderError` naming the file and line."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    parameters: list[QueryParameter] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match["key"], match["value"]
        if key == "param":
            param = _PARAM.match(value)
            if not param or param["type"] not in PARAM_TYPES:
                raise QueryHeaderError(
                    f"{path}:{number}: malformed parameter {value!r}; expected 'NAME TYPE [= DEFAULT] [-- description]' "
                    f"with TYPE one of {', '.join(PARAM_TYPES)}"
                )
            parameters.append(QueryParameter(param["name"], param["type"], param["default"], param["doc"] or ""))
        else:
            fields[key] = value
    for required in ("title", "description"):
        if not fields.get(required):
            raise QueryHeaderError(f"{path}:1: the header has no '# {required}:' line")
    title, description = fields.pop("title"), fields.pop("description")
    return NamedQuery(path.stem, title, description, text, path, tuple(parameters), fields)


def load_named_queries(folder: Path) -> dict[str, NamedQuery]:
    """Return the named queries of ``folder`` (not its subfolders), by name, sorted."""
    return {q.name: q for q in (parse_named_query(p) for p in sorted(folder.glob("*.rq")))}
