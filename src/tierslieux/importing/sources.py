"""Reading an input file into records, with the position of each (CSV line, GeoJSON feature, JSON record).

Bytes that are not valid UTF-8 (or the encoding given) do not stop the reading: the record and
field they fall in are reported and that record is rejected. The records the checks accept go to
the mapping engine, which reads only the fields the mapping names (never the personal-data ones).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .issues import ImportFailure
from .mapping import RECORD_KEY, Mapping

_SURROGATE = re.compile(r"[\udc80-\udcff]")


@dataclass
class Record:
    """One record of the input: where it is, its values, and the fields whose bytes could not be decoded."""

    position: str
    values: dict[str, Any]
    undecodable: list[str] = field(default_factory=list)

    def get(self, reference: str) -> Any:
        """Return the value of a field; a dotted reference (``location.lat``) walks into nested JSON objects."""
        if reference in self.values:
            return self.values[reference]
        node: Any = self.values
        for part in re.split(r"\.|\[(\d+)\]", reference):
            if part is None or part == "":
                continue
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
            if node is None:
                return None
        return node


@dataclass
class Table:
    """The records of one input file and the fields (columns) it has."""

    path: Path
    kind: str  # "csv" (also used for flattened GeoJSON) or "json"
    records: list[Record]
    columns: list[str]


def _decode(path: Path, encoding: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFailure(f"{path}: cannot read the file ({error.strerror})") from None
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8") and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode(encoding, errors="surrogateescape")
    except LookupError:
        raise ImportFailure(f"unknown encoding {encoding!r}") from None


def _undecodable(values: dict[str, Any], prefix: str = "") -> list[str]:
    bad = []
    for key, value in values.items():
        if isinstance(value, str) and _SURROGATE.search(value):
            bad.append(prefix + key)
        elif isinstance(value, dict):
            bad.extend(_undecodable(value, f"{prefix}{key}."))
    return bad


def _refuse_merged_rows(path: Path, row: list[str], header: list[str], first: int, last: int) -> None:
    """Refuse a record spanning several lines when a field holds what looks like whole rows: an unbalanced quote.

    A quoted field may hold line breaks (an address on two lines), but one whose
    lines have as many commas as a row of the file has is almost surely rows that
    a quote left open swallowed: read leniently, they would become one place
    mixing several places' (and people's) data.
    """
    if last == first or len(header) < 3:
        return
    for index, cell in enumerate(row):
        lines = cell.split("\n")[1:]
        if any(line.count(",") >= len(header) - 2 for line in lines):
            name = header[index] if index < len(header) else f"column {index + 1}"
            raise ImportFailure(
                f"{path}, line {first}: the quote opening field {name!r} is not closed before line {last}, so lines "
                f"{first}-{last} would be read as one record; close the quote (a quote inside a field is written \"\")")


def _read_csv(path: Path, text: str, columns: list[str] | None = None) -> Table:
    """Read a CSV file; ``columns`` names the columns of a file without a header line (its first line is a record)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    if columns is None:
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFailure(f"{path}: the file is empty (no header line)") from None
        except csv.Error as error:
            raise ImportFailure(f"{path}, line 1: {error}") from None
        header = [h.strip() for h in header]
        start = 2
    else:
        header, start = list(columns), 1
    records = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise ImportFailure(f"{path}, line {start}: {error} (the record starting on line {start} ends on line "
                                f"{reader.line_num}: is a quote left open?)") from None
        if not any(cell.strip() for cell in row):
            start = reader.line_num + 1
            continue
        _refuse_merged_rows(path, row, header, start, reader.line_num)
        values = {name: (row[i] if i < len(row) else None) for i, name in enumerate(header)}
        record = Record(f"line {start}", values, _undecodable(values))
        if len(row) > len(header):
            record.values["__extra__"] = row[len(header):]
        records.append(record)
        start = reader.line_num + 1
    return Table(path, "csv", records, header)


def _read_geojson(path: Path, document: dict[str, Any], mapping: Mapping) -> Table:
    geo = mapping.profile.get("geojson") or {}
    lon_field, lat_field = geo.get("longitude"), geo.get("latitude")
    if not lon_field or not lat_field:
        raise ImportFailure(f"{mapping.path}: reading GeoJSON needs 'geojson: {{longitude: …, latitude: …}}' in the profile")
    records, columns = [], []
    for index, feature in enumerate(document.get("features") or [], start=1):
        properties = dict((feature or {}).get("properties") or {})
        geometry = (feature or {}).get("geometry") or {}
        coordinates = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        lon, lat = (coordinates[0], coordinates[1]) if isinstance(coordinates, list) and len(coordinates) >= 2 else (None, None)
        values = {k: (v if v is None or isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, list)) else
                      ("1" if v is True else "0" if v is False else str(v))) for k, v in properties.items()}
        values[lon_field], values[lat_field] = (None if lon is None else str(lon)), (None if lat is None else str(lat))
        for key in values:
            if key not in columns:
                columns.append(key)
        records.append(Record(f"feature {index}", values, _undecodable(values)))
    return Table(path, "csv", records, columns)


def _iterate(document: Any, iterator: str | None) -> list[Any]:
    path = (iterator or "$").strip()
    if not path.startswith("$"):
        raise ImportFailure(f"unsupported JSONPath iterator {iterator!r} (use $, $[*] or $.key[*])")
    node = document
    for part in re.findall(r"\.([^.\[]+)|\[(\*|\d+)\]", path[1:]):
        key, index = part
        if key:
            node = node.get(key) if isinstance(node, dict) else None
        elif index == "*":
            break
        else:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
    if node is None:
        return []
    return node if isinstance(node, list) else [node]


def read_table(path: Path, mapping: Mapping, encoding: str = "utf-8") -> Table:
    """Read ``path`` (CSV, GeoJSON or JSON) into records, as the mapping's source format requires."""
    path = Path(path)
    text = _decode(path, encoding)
    looks_json = path.suffix.lower() in (".json", ".geojson") or text.lstrip()[:1] in ("{", "[")
    if not looks_json:
        if mapping.source_format() != "csv":
            raise ImportFailure(f"{path}: the mapping {mapping.path.name} reads JSON, this file is not JSON")
        return _identified(_read_csv(path, text, mapping.columns), mapping)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailure(f"{path}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None
    if isinstance(document, dict) and document.get("type") == "FeatureCollection" and mapping.source_format() == "csv":
        return _identified(_read_geojson(path, document, mapping), mapping)
    if mapping.source_format() != "jsonpath":
        raise ImportFailure(f"{path}: the mapping {mapping.path.name} reads CSV (or GeoJSON), this file is other JSON")
    items = _iterate(document, mapping.iterator())
    records = []
    for index, item in enumerate(items, start=1):
        values = item if isinstance(item, dict) else {"value": item}
        records.append(Record(f"record {index}", values, _undecodable(values)))
    columns = sorted({k for r in records for k in r.values})
    return _identified(Table(path, "json", records, columns), mapping)


def _identified(table: Table, mapping: Mapping) -> Table:
    """Give every record the identifier the importer makes when ``record-id`` is ``#row`` or a list of fields.

    ``#row``: the record's number in the file (1 for the first), stable as long as the file's
    records keep their order. A list: the fields' values joined by `` | ``, a missing one left
    empty (a record none of whose fields has a value gets no identifier and is rejected).
    """
    fields = mapping.record_id_fields
    if fields is None:
        return table
    for number, record in enumerate(table.records, start=1):
        if not fields:
            record.values[RECORD_KEY] = str(number)
            continue
        parts = ["" if record.get(f) is None else str(record.get(f)).strip() for f in fields]
        record.values[RECORD_KEY] = " | ".join(parts) if any(parts) else None
    if RECORD_KEY not in table.columns:
        table.columns.append(RECORD_KEY)
    return table
