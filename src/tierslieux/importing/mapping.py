"""A mapping file: a YARRRML mapping (run by :mod:`.engine`) plus a ``tierslieux:`` block, the import profile.

The profile says what the importer needs beyond the mapping itself: the record identifier,
the required fields, the columns never to read (personal data), where the output goes and
the dataset it comes from. ``docs/mappings.md`` documents every key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .functions import FUNCTION_BASE, function
from .issues import ImportFailure

_REFERENCE = re.compile(r"\$\(([^)]+)\)")
#: ``record-id: "#row"``: a record is identified by its number in the file (1 for the first record)
ROW_NUMBER = "#row"
#: the field the importer adds to every record when ``record-id`` is ``#row`` or a list of fields: the mapping's
#: subject template reads it as ``$(tierslieux_record)``
RECORD_KEY = "tierslieux_record"


@dataclass(frozen=True)
class Call:
    """One use of a cleaning function in the mapping: its IRI and each parameter's value or template."""

    function: str
    arguments: tuple[tuple[str, str], ...]

    @property
    def references(self) -> list[str]:
        """The source fields this call reads, in the order of its parameters."""
        return [ref for _, value in self.arguments for ref in _REFERENCE.findall(value)]


@dataclass
class Mapping:
    """A loaded mapping file."""

    path: Path
    document: dict[str, Any]
    profile: dict[str, Any]
    prefixes: dict[str, str]
    references: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The mapping's short name (``cget-2019``)."""
        return str(self.profile["name"])

    @property
    def record_id(self) -> str:
        """The field that identifies a record: the profile's ``record-id`` field, or :data:`RECORD_KEY` when the
        identifier is made by the importer (``#row``, or a list of fields)."""
        value = self.profile["record-id"]
        return str(value) if isinstance(value, str) and value != ROW_NUMBER else RECORD_KEY

    @property
    def record_id_fields(self) -> list[str] | None:
        """The fields whose values, joined by `` | ``, identify a record; ``[]`` for the row number; None for one field."""
        value = self.profile["record-id"]
        if value == ROW_NUMBER:
            return []
        return [str(v) for v in value] if isinstance(value, list) else None

    @property
    def columns(self) -> list[str] | None:
        """For a CSV file without a header line, the names of its columns in order (the profile's ``columns``)."""
        value = self.profile.get("columns")
        return None if value is None else [str(v) for v in value]

    @property
    def required(self) -> list[str]:
        """The fields without which a record is rejected."""
        return [str(r) for r in self.profile.get("required", [])]

    @property
    def never_import(self) -> list[str]:
        """Columns holding personal data: never read, never passed to the mapping engine."""
        return [str(c) for c in self.profile.get("never-import", [])]

    def relative(self, key: str) -> Path | None:
        """Return the profile's file ``key`` resolved against the mapping's folder (None when absent)."""
        value = self.profile.get(key)
        return None if value is None else (self.path.parent / str(value)).resolve()

    def sources(self) -> list[list[Any]]:
        """Return every source of the mapping (``[path~format, iterator?]`` lists)."""
        found = []
        for triples_map in (self.document.get("mappings") or {}).values():
            srcs = triples_map.get("sources") or triples_map.get("source") or []
            if isinstance(srcs, (str, dict)):
                srcs = [srcs]
            for src in srcs:
                found.append(src if isinstance(src, list) else [src])
        return found

    def source_format(self) -> str:
        """Return the reference formulation of the mapping's sources: ``csv`` or ``jsonpath``."""
        formats = {str(s[0]).rsplit("~", 1)[-1] for s in self.sources()}
        if len(formats) != 1:
            raise ImportFailure(f"{self.path}: the mapping must read one kind of source, found {sorted(formats)}")
        return formats.pop()

    def iterator(self) -> str | None:
        """Return the JSONPath iterator of a JSON source (None for CSV)."""
        iterators = {str(s[1]) for s in self.sources() if len(s) > 1}
        return iterators.pop() if len(iterators) == 1 else None


def _expand(value: str, prefixes: dict[str, str]) -> str:
    if ":" in value and not value.startswith("http"):
        prefix, local = value.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + local
    return value


def _walk(node: Any, mapping: Mapping) -> None:
    if isinstance(node, dict):
        if "function" in node:
            iri = _expand(str(node["function"]), mapping.prefixes)
            arguments = []
            for parameter in node.get("parameters") or []:
                if isinstance(parameter, dict):
                    param, value = parameter.get("parameter"), parameter.get("value")
                else:
                    param, value = parameter[0], parameter[1]
                arguments.append((_expand(str(param), mapping.prefixes), str(value)))
            if iri.startswith(FUNCTION_BASE):
                fn = function(iri)
                known = {fn.param_iri(p) for p in fn.params}
                for param, _ in arguments:
                    if param not in known:
                        raise ImportFailure(f"{mapping.path}: function {fn.name} has no parameter {param!r}")
                given = {param for param, _ in arguments}
                missing = [p for p in fn.required if fn.param_iri(p) not in given]
                if missing:
                    raise ImportFailure(f"{mapping.path}: function {fn.name} needs the parameter(s) "
                                        f"{', '.join('tlfn:' + p for p in missing)}; add them to its parameters")
            mapping.calls.append(Call(iri, tuple(arguments)))
        for key, value in node.items():
            if key != "tierslieux":
                _walk(value, mapping)
    elif isinstance(node, list):
        for item in node:
            _walk(item, mapping)
    elif isinstance(node, str):
        mapping.references.update(_REFERENCE.findall(node))


def load_mapping(path: Path) -> Mapping:
    """Read a mapping file; an ImportFailure names the file and what is wrong with it."""
    path = Path(path)
    try:
        document = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        raise ImportFailure(f"{path}: cannot read the mapping: {error}") from None
    if not isinstance(document, dict) or "mappings" not in document:
        raise ImportFailure(f"{path}: not a YARRRML mapping (no 'mappings' key)")
    profile = document.get("tierslieux")
    if not isinstance(profile, dict):
        raise ImportFailure(f"{path}: no 'tierslieux:' block (the import profile; see docs/mappings.md)")
    for key in ("name", "record-id", "output"):
        if key not in profile:
            raise ImportFailure(f"{path}: the 'tierslieux:' block has no {key!r}")
    record_id = profile["record-id"]
    if not (isinstance(record_id, str) and record_id.strip()) and not (
            isinstance(record_id, list) and record_id and all(isinstance(v, str) for v in record_id)):
        raise ImportFailure(f"{path}: 'record-id' is a field name, a list of field names or {ROW_NUMBER!r}")
    columns = profile.get("columns")
    if columns is not None and not (isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns)
                                    and len(set(columns)) == len(columns)):
        raise ImportFailure(f"{path}: 'columns' lists the names of a headerless CSV's columns, each once")
    mapping = Mapping(path, document, profile, dict(document.get("prefixes") or {}))
    try:
        _walk(document.get("mappings"), mapping)
    except KeyError as error:
        raise ImportFailure(f"{path}: {error.args[0]}") from None
    personal = sorted(set(mapping.never_import) & mapping.references)
    if personal:
        raise ImportFailure(f"{path}: the mapping reads {', '.join(personal)}, listed under never-import (personal data)")
    mapping.source_format()
    return mapping
