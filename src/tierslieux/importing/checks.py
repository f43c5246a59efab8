"""Checking each record before the mapping runs: every problem is reported with its row and field.

A record is rejected when it cannot be decoded, has no identifier or a repeated one, or when a
required field is missing or refused by its cleaning function. Other problems are Warnings: the
value is left out and the record imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import cleaning, geo_fr
from .cleaning import blank, collecting_notes, stop_collecting
from .functions import FUNCTION_BASE, function
from .issues import ERROR, REJECTED, WARNING, CleaningIssue, IssueLog
from .mapping import Call, Mapping
from .plausibility import in_france, personal_data, position_issue, without_personal_data
from .sources import Record, Table
from .text import words

_REFERENCE = re.compile(r"\$\(([^)]+)\)")


def _argument(value: str, record: Record) -> str | None:
    """Return a parameter's value for one record: a reference's value, a filled template, or a constant."""
    refs = _REFERENCE.findall(value)
    if not refs:
        return value
    if len(refs) == 1 and value == f"$({refs[0]})":
        found = record.get(refs[0])
        return None if found is None else str(found)
    return _REFERENCE.sub(lambda m: "" if record.get(m.group(1)) is None else str(record.get(m.group(1))), value)


def _run(call: Call, record: Record) -> tuple[object, list[str], CleaningIssue | None]:
    fn = function(call.function)
    kwargs = {param.removeprefix(FUNCTION_BASE): _argument(value, record) for param, value in call.arguments}
    notes, token = collecting_notes()
    try:
        return fn.call(**kwargs), notes, None
    except CleaningIssue as issue:
        return None, notes, issue
    finally:
        stop_collecting(token)


def _distinct(warnings: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop a warning that repeats an earlier one about a field it shares (two calls reading LAT say it once)."""
    kept: list[tuple[str, str]] = []
    for fields, message in warnings:
        names = set(fields.split(", "))
        if not any(m == message and names & set(f.split(", ")) for f, m in kept):
            kept.append((fields, message))
    return kept


def missing_columns(table: Table, mapping: Mapping, log: IssueLog) -> bool:
    """Report the fields the mapping reads that the file lacks; return True when a required one is missing."""
    if table.kind != "csv":
        return False
    fatal = False
    for ref in sorted(mapping.references - set(table.columns)):
        if ref in mapping.required or ref == mapping.record_id:
            log.add(ERROR, "required column missing from the file: every record is rejected", fields=ref)
            fatal = True
        else:
            log.add(WARNING, "column missing from the file: no record has this field", fields=ref)
    return fatal


def _set(record: Record, reference: str, value: object) -> None:
    """Set a field of a record, a dotted reference walking into nested JSON objects."""
    if reference in record.values or "." not in reference:
        record.values[reference] = value
        return
    node = record.values
    parts = reference.split(".")
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node[parts[-1]] = value


def _called(mapping: Mapping, record: Record, name: str) -> tuple[Call, dict[str, str | None]] | None:
    """Return the mapping's first call of the cleaning function ``name`` and its arguments for this record."""
    for call in mapping.calls:
        if call.function == FUNCTION_BASE + name:
            return call, {param.removeprefix(FUNCTION_BASE): _argument(value, record) for param, value in call.arguments}
    return None


def _check_across_fields(record: Record, mapping: Mapping, required: set[str], reasons: list, warnings: list) -> None:
    """Refuse personal data in any field the mapping reads, and positions that do not fit their department."""
    for reference in sorted(mapping.references | {mapping.record_id}):
        if any(reference == p or reference.startswith(p + ".") for p in mapping.never_import):
            continue
        value = record.get(reference)
        kind = personal_data(value)
        if kind is None:
            continue
        if reference == mapping.record_id:
            reasons.append((reference, f"holds {kind} (personal data, never imported): the identifier cannot be kept"))
        else:
            warnings.append((reference, f"holds {kind} (personal data, never imported); removed from the value"))
            _set(record, reference, without_personal_data(value))
    latitude, longitude = _called(mapping, record, "latitude"), _called(mapping, record, "longitude")
    commune = _called(mapping, record, "communeCode") or _called(mapping, record, "inseeCommuneIri")
    if not latitude or not longitude or not commune:
        return
    try:
        lat, lon = cleaning.latitude(latitude[1].get("value")), cleaning.longitude(longitude[1].get("value"))
    except CleaningIssue:
        return  # already reported by the functions themselves
    arguments = commune[1]
    department = geo_fr.department_code(arguments.get("value"), arguments.get("postcode")) or arguments.get("department")
    found = position_issue(lat, lon, department)
    if found is not None:
        message, refused = found
        fields = ", ".join(dict.fromkeys(latitude[0].references + longitude[0].references))
        (reasons if refused else warnings).append((fields, message))


def _outside_country(record: Record, mapping: Mapping) -> tuple[str, str] | None:
    """Return (field, reason) when the profile's ``country`` filter keeps the record out, else None.

    ``country: {field: F, keep: [FR, France]}`` keeps the records whose field F is one of the
    values (compared without case or accents); ``country: {within: france}`` keeps the records
    whose point (the mapping's ``tlfn:latitude``/``tlfn:longitude`` fields) lies in metropolitan
    France or an overseas department (:mod:`.plausibility`'s areas).
    """
    rule = mapping.profile.get("country")
    if not rule:
        return None
    if "field" in rule:
        value = record.get(str(rule["field"]))
        keep = {words(str(v)) for v in rule.get("keep", [])}
        if words(str(value or "")) not in keep:
            return str(rule["field"]), f"country {value!r} is not one the import keeps ({', '.join(map(str, rule.get('keep', [])))})"
        return None
    latitude, longitude = _called(mapping, record, "latitude"), _called(mapping, record, "longitude")
    if latitude and longitude:
        try:
            lat, lon = float(cleaning.latitude(latitude[1].get("value"))), float(cleaning.longitude(longitude[1].get("value")))
        except CleaningIssue:
            return None  # reported by the functions
        if not in_france(lat, lon):
            fields = ", ".join(dict.fromkeys(latitude[0].references + longitude[0].references))
            return fields, f"the point ({lat}, {lon}) is outside France, which the import keeps (country: within: france)"
    return None


def check_records(table: Table, mapping: Mapping, log: IssueLog, records: Iterable[Record] | None = None) -> list[Record]:
    """Check every record; log what is wrong with each and return the accepted ones, in file order."""
    if missing_columns(table, mapping, log):
        return []
    required = set(mapping.required) | {mapping.record_id}
    seen: dict[str, str] = {}
    accepted = []
    for record in records if records is not None else table.records:
        ident = record.get(mapping.record_id)
        ident = None if blank(ident) else str(ident).strip()
        reasons: list[tuple[str, str]] = []
        warnings: list[tuple[str, str]] = []
        for name in record.undecodable:
            reasons.append((name, "bytes that are not valid text in the file's encoding (UTF-8 unless --encoding says otherwise)"))
        if "__extra__" in record.values:
            warnings.append(("", f"{len(record.values['__extra__'])} value(s) beyond the last column ignored"))
        outside = _outside_country(record, mapping)
        if outside is not None:
            reasons.append(outside)
        if ident is None:
            reasons.append((mapping.record_id, "no record identifier"))
        elif ident in seen:
            reasons.append((mapping.record_id, f"identifier {ident!r} already used by {seen[ident]}"))
        for name in sorted(required - {mapping.record_id}):
            if blank(record.get(name)) and name not in record.undecodable:
                reasons.append((name, "missing value (required)"))
        if not reasons:
            for call in mapping.calls:
                if not call.function.startswith(FUNCTION_BASE):
                    continue
                result, notes, issue = _run(call, record)
                fields = ", ".join(dict.fromkeys(call.references))
                refs_required = [r for r in call.references if r in required]
                if issue is not None:
                    if issue.reject and refs_required:
                        reasons.append((fields, issue.message))
                    else:
                        warnings.append((fields, issue.message if "left out" in issue.message else issue.message + "; left out"))
                elif result in (None, []) and refs_required:
                    reasons.append((fields, "empty after cleaning (required)"))
                warnings.extend((fields, n) for n in notes)
            _check_across_fields(record, mapping, required, reasons, warnings)
        if reasons:
            for fields, message in reasons:
                log.add(REJECTED, message, row=record.position, record=ident, fields=fields or None)
            continue
        for fields, message in _distinct(warnings):
            log.add(WARNING, message, row=record.position, record=ident, fields=fields or None)
        seen[ident] = record.position
        accepted.append(record)
    return accepted
