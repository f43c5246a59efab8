"""Merging the records of one import that describe the same place (the rules of docs/census.md).

Two records are the same place when their names have the same key (accents, case, punctuation,
a leading article and the commune's name at the end ignored) and they lie in the same commune
(or both have none) and either are at most :data:`NEAR_M` metres apart or give the same street
address. A reviewed table (the profile's ``same-place``) adds pairs the rule cannot see
(two names for one place), each with its reason. Records of one place are merged into its
*primary* record: the best geocoded one, then the first in the file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .issues import ImportFailure
from .records import Place, distance_m

#: Two records with the same name key in the same commune this close (metres) are one place.
NEAR_M = 100.0


@dataclass(frozen=True)
class Merge:
    """One record folded into another, and why."""

    primary: Place
    other: Place
    reason: str

    def __str__(self) -> str:
        return (f"merged record {self.other.record} ({self.other.name!r}) into record {self.primary.record} "
                f"({self.primary.name!r}, {self.primary.where}): {self.reason}")


def same_place_reason(a: Place, b: Place) -> str | None:
    """Return why the rule judges ``a`` and ``b`` one place, or None when it does not."""
    if not (a.keys & b.keys) or a.commune_code != b.commune_code:
        return None
    distance = distance_m(a, b)
    if distance is not None and distance <= NEAR_M:
        return f"same name key {sorted(a.keys & b.keys)[0]!r}, same commune ({a.where}), {distance:.0f} m apart"
    if a.street and a.street == b.street:
        return f"same name key {sorted(a.keys & b.keys)[0]!r}, same commune ({a.where}), same street address"
    return None


def read_same_place_table(path: Path | None) -> list[tuple[str, str, str]]:
    """Read the reviewed table of records that are one place: (record, same-as record, reason) rows."""
    if path is None:
        return []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ImportFailure(f"{path}: cannot read the same-place table ({error.strerror})") from None
    missing = {"record", "same_as", "reason"} - set(rows[0] if rows else {"record", "same_as", "reason"})
    if missing:
        raise ImportFailure(f"{path}: the same-place table lacks the column(s) {', '.join(sorted(missing))}")
    return [(r["record"].strip(), r["same_as"].strip(), r["reason"].strip()) for r in rows]


def _rank(place: Place) -> tuple:
    return (-(place.precision if place.precision is not None else -1.0), place.order, place.record or "")


def merge_records(places: list[Place], reviewed: list[tuple[str, str, str]]) -> tuple[list[list[Place]], list[Merge]]:
    """Group the places that are one; return the groups (primary first) and the merges with their reasons."""
    parent = {p.record: p.record for p in places}
    by_record = {p.record: p for p in places}
    reasons: dict[tuple[str, str], str] = {}

    def find(record: str) -> str:
        while parent[record] != record:
            parent[record] = parent[parent[record]]
            record = parent[record]
        return record

    def union(a: str, b: str, reason: str) -> None:
        reasons.setdefault((a, b), reason)
        parent[find(a)] = find(b)

    by_key: dict[tuple[str, str | None], list[Place]] = {}
    for place in places:
        for key in place.keys:
            by_key.setdefault((key, place.commune_code), []).append(place)
    for group in by_key.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.record != b.record and (reason := same_place_reason(a, b)):
                    union(a.record, b.record, reason)
    for record, same_as, reason in reviewed:
        if record in by_record and same_as in by_record:
            distance = distance_m(by_record[record], by_record[same_as])
            where = f", {distance:.0f} m apart" if distance is not None else ""
            union(record, same_as, f"reviewed table: {reason}{where}")

    groups: dict[str, list[Place]] = {}
    for place in places:
        groups.setdefault(find(place.record), []).append(place)
    result, merges = [], []
    for members in groups.values():
        members.sort(key=_rank)
        result.append(members)
        primary = members[0]
        for other in members[1:]:
            reason = next((r for (a, b), r in reasons.items() if other.record in (a, b) and
                           any(m.record in (a, b) for m in members if m is not other)), "same place")
            merges.append(Merge(primary, other, reason))
    result.sort(key=lambda members: (members[0].order, members[0].record))
    return result, merges
