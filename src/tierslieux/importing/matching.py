"""Matching imported places with the places already in the graph, so that each real place has one IRI.

Rule: an existing place and an imported one are the same when one of the imported place's name
keys equals the existing place's, and they are in the same spot: at most 100 m apart, or in the
same commune (same INSEE code; an existing place without any locality agrees with any commune;
an imported place without a commune, such as a SpaceAPI one, must be near). A rule that finds exactly one imported place decides; when it
finds several, or for cases a person has reviewed, the override table (the profile's
``match-overrides``: columns ``place``, ``record``, ``reason``; an empty record means "no
match") decides. Every existing place gets a line in the report, matched or not.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..namespaces import ID_BASE
from .dedup import NEAR_M
from .issues import ImportFailure
from .records import Place, distance_m

MATCHED_RULE = "matched (rule)"
MATCHED_OVERRIDE = "matched (reviewed override)"
NOT_MATCHED_OVERRIDE = "not matched (reviewed override)"
AMBIGUOUS = "not matched (ambiguous)"
NO_MATCH = "not matched (no candidate)"


@dataclass
class Match:
    """What became of one existing place: the imported place it is (if any), the status and why."""

    existing: Place
    group: list[Place] | None
    status: str
    reason: str

    def row(self) -> list[str]:
        """The report's row: place, label, status, records, commune, reason."""
        records = " ".join(p.record for p in self.group) if self.group else ""
        commune = self.group[0].where if self.group else ""
        return [str(self.existing.node), self.existing.name, self.status, records, commune, self.reason]


REPORT_HEADER = ["place", "label", "status", "records", "commune", "reason"]


def read_overrides(path: Path | None) -> dict[str, tuple[str, str]]:
    """Read the reviewed override table: existing place IRI → (record or "", reason)."""
    if path is None or not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    overrides = {}
    for line, row in enumerate(rows, start=2):
        place = (row.get("place") or "").strip()
        if not place:
            raise ImportFailure(f"{path}:{line}: the override has no place")
        iri = place if place.startswith("http") else f"{ID_BASE}place/{place}"
        overrides[iri] = ((row.get("record") or "").strip(), (row.get("reason") or "").strip())
    return overrides


def _agree(existing: Place, imported: Place) -> bool:
    """Tell whether two places with the same name key are in the same spot: same commune, or near."""
    distance = distance_m(existing, imported)
    if distance is not None and distance <= NEAR_M:
        return True
    if existing.abroad or imported.commune_code is None:
        return False
    return existing.commune_code is None or existing.commune_code == imported.commune_code


def _candidates(existing: Place, groups: list[list[Place]]) -> list[list[Place]]:
    found = []
    for group in groups:
        keys = set().union(*(p.keys for p in group))
        if existing.keys & keys and _agree(existing, group[0]):
            found.append(group)
    return found


def match_existing(groups: list[list[Place]], existing: list[Place],
                   overrides: dict[str, tuple[str, str]], source: str) -> list[Match]:
    """Decide, for each existing place, which imported place (group of records) it is, if any."""
    by_record = {p.record: g for g in groups for p in g}
    taken: dict[int, Place] = {}
    matches = []
    for place in existing:
        iri = str(place.node)
        if iri in overrides:
            record, reason = overrides[iri]
            if not record:
                matches.append(Match(place, None, NOT_MATCHED_OVERRIDE, reason))
                continue
            if record not in by_record:
                matches.append(Match(place, None, NOT_MATCHED_OVERRIDE,
                                     f"the reviewed override names record {record!r}, which is not in {source} (or was rejected)"))
                continue
            matches.append(Match(place, by_record[record], MATCHED_OVERRIDE, reason))
            continue
        candidates = _candidates(place, groups)
        where = (f"in {place.commune_name}" if place.commune_code else
                 f"in {place.commune_name}, a locality without INSEE code (not a French commune)" if place.abroad else
                 "(no commune in the graph)")
        if len(candidates) == 1:
            matches.append(Match(place, candidates[0], MATCHED_RULE, f"same name key {place.key!r} {where}"))
        elif candidates:
            records = ", ".join(f"{g[0].record} ({g[0].where})" for g in candidates)
            matches.append(Match(place, None, AMBIGUOUS, f"{len(candidates)} records with name key {place.key!r} {where}: {records}"))
        else:
            matches.append(Match(place, None, NO_MATCH, f"no record with name key {place.key!r} {where}"))
    for match in matches:
        if match.group is not None:
            other = taken.get(id(match.group))
            if other is not None:
                raise ImportFailure(f"{match.existing.node} and {other.node} both match record {match.group[0].record}; "
                                    "decide in the override table")
            taken[id(match.group)] = match.existing
    return matches


def report_csv(matches: list[Match]) -> str:
    """Return the match report as CSV text, one row per existing place, sorted by IRI."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    for match in sorted(matches, key=lambda m: str(m.existing.node)):
        writer.writerow(match.row())
    return out.getvalue()
