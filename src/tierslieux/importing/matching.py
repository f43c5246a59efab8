"""Matching imported places with the places already in the graph, so that each real place has one IRI.

The decision is the matcher's (:mod:`tierslieux.matching`, settings ``[import]`` of
``data/matching.toml``): names (any name of the place, accents, articles, spacing and
generic words ignored), distance, commune (INSEE code with its arrondissements, commune
name, or postcode), website. The imported records are indexed once with blocking, so a
file of tens of thousands of records matches in seconds. A match the matcher is sure of
decides; a doubtful one is reported for review with its candidates and is not merged; a
record that is the sure match of several places goes to review too. Reviewed cases go
to the override table (the profile's ``match-overrides``: columns ``place``, ``record``,
``reason``; an empty record means "no match"), which decides before the matcher. Every
existing place gets a line in the report, matched or not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..matching import (
    MATCH,
    REVIEW,
    Description,
    Index,
    Settings,
    load_kind_hierarchy,
    load_settings,
)
from ..namespaces import ID_BASE
from .issues import ImportFailure
from .records import Place

MATCHED_RULE = "matched (rule)"
MATCHED_OVERRIDE = "matched (reviewed override)"
NOT_MATCHED_OVERRIDE = "not matched (reviewed override)"
TO_REVIEW = "not matched (to review)"
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


def describe(place: Place, ident: str, names: list[str] | None = None) -> Description:
    """Return an imported or existing place as the matcher compares it."""
    return Description(
        id=ident,
        names=tuple(names or place.names or [place.name]),
        point=(place.lat, place.lon) if place.lat is not None and place.lon is not None else None,
        insee=frozenset({place.commune_code}) if place.commune_code else frozenset(),
        commune_names=(place.commune_name,) if place.commune_name else (),
        postcodes=frozenset({place.postcode}) if place.postcode else frozenset(),
        websites=(place.website,) if place.website else (),
    )


def group_index(groups: list[list[Place]]) -> tuple[Index, dict[str, list[Place]]]:
    """Index the imported places (one description per group of records, every record's names) for matching."""
    by_id: dict[str, list[Place]] = {}
    descriptions = []
    for group in groups:
        ident = group[0].record or str(group[0].node)
        by_id[ident] = group
        names = [n for p in group for n in (p.names or [p.name])]
        descriptions.append(describe(group[0], ident, names))
    return Index(descriptions, load_kind_hierarchy()), by_id


def _where(place: Place) -> str:
    if place.commune_code:
        return f"in {place.commune_name}"
    if place.abroad:
        return f"in {place.commune_name}, a locality without INSEE code (not a French commune)"
    return f"in {place.commune_name} (no INSEE code)" if place.commune_name else "(no commune in the graph)"


def match_existing(groups: list[list[Place]], existing: list[Place], overrides: dict[str, tuple[str, str]],
                   source: str, settings: Settings | None = None,
                   progress: Callable[[Iterable[Place]], Iterable[Place]] = lambda places: places) -> list[Match]:
    """Decide, for each existing place, which imported place (group of records) it is, if any."""
    settings = settings or load_settings("import")
    index, by_id = group_index(groups)
    by_record = {p.record: g for g in groups for p in g}
    matches = []
    for place in progress(existing):
        iri = str(place.node)
        if iri in overrides:
            record, reason = overrides[iri]
            if not record:
                matches.append(Match(place, None, NOT_MATCHED_OVERRIDE, reason))
            elif record not in by_record:
                matches.append(Match(place, None, NOT_MATCHED_OVERRIDE,
                                     f"the reviewed override names record {record!r}, which is not in {source} (or was rejected)"))
            else:
                matches.append(Match(place, by_record[record], MATCHED_OVERRIDE, reason))
            continue
        decision = index.match(describe(place, iri), settings)
        where = _where(place)
        if decision.status == MATCH:
            best = decision.best
            matches.append(Match(place, by_id[best.candidate.id], MATCHED_RULE,
                                 f"record {best.candidate.id} ({best.candidate.name!r}) {where}: {best.explanation()}"))
        elif decision.status == REVIEW:
            listed = "; ".join(f"record {s.candidate.id} ({s.candidate.name!r}) {s.explanation()}" for s in decision.candidates)
            matches.append(Match(place, None, TO_REVIEW, f"{len(decision.candidates)} possible record(s) {where}: {listed}"))
        else:
            matches.append(Match(place, None, NO_MATCH, f"no record with a similar name {where} or nearby"))
    return _demote_shared(matches)


def _demote_shared(matches: list[Match]) -> list[Match]:
    """Send to review the places whose rule match is a record another place also matches."""
    claims: dict[int, list[Match]] = {}
    for match in matches:
        if match.group is not None:
            claims.setdefault(id(match.group), []).append(match)
    for claimed in claims.values():
        if len(claimed) < 2:
            continue
        if sum(1 for m in claimed if m.status == MATCHED_OVERRIDE) > 1:
            raise ImportFailure(f"{claimed[0].existing.node} and {claimed[1].existing.node} both match record "
                                f"{claimed[0].group[0].record} in the override table; keep one")
        places = ", ".join(str(m.existing.node) for m in claimed)
        for match in claimed:
            if match.status == MATCHED_RULE:
                match.status, match.reason = TO_REVIEW, f"record {match.group[0].record} is the match of several places ({places})"
                match.group = None
    return matches


def report_csv(matches: list[Match]) -> str:
    """Return the match report as CSV text, one row per existing place, sorted by IRI."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    for match in sorted(matches, key=lambda m: str(m.existing.node)):
        writer.writerow(match.row())
    return out.getvalue()
