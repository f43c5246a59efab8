"""Likely duplicates: places with the same name that the matching rules kept apart, listed for a reviewer.

The importer gives one IRI to one place when the rules can tell (``docs/merging.md``): records of
one file with the same name key in the same commune at most :data:`~.dedup.NEAR_M` (100 m) apart
are merged, and a record the matcher is sure of takes the IRI of the place already in ``data/``.
Two cases escape both: a place without a commune, whose commune cannot be compared, and namesakes
more than 100 m apart. They are either two places (a chain, a common name) or one place described
twice (a moved place, a bad geocode, a missing commune); only a person can tell, so they are listed.

**The rule.** A pair of *distinct* place IRIs is listed when the two places share a name key
(:attr:`.records.Place.keys`: the matcher's :func:`~tierslieux.matching.names.compact_key` of any of
their names, with or without the commune's name at the end) and

* at least one of them has **no commune** (no locality with an INSEE code: none given, or a locality
  abroad), whatever their distance; reason ``no commune on one side`` or ``no commune on either side``; or
* both have a commune and coordinates, and they are **more than 100 m apart**; reason
  ``more than 100 m apart, same commune`` or ``more than 100 m apart, communes differ`` (a city and
  its municipal arrondissements are one commune, :func:`~tierslieux.matching.geo.commune_codes`).

When a pair without a commune also has both points more than 100 m apart, the reason says both
(``no commune on one side; more than 100 m apart``). Not listed: namesakes that both have a commune
and are at most 100 m apart (in one commune the rules merge them), or of which one has no
coordinates (the matcher decides them on name and commune). Each pair is listed once; in the report
of the whole data folder its two places are ordered by IRI, in an import's report the imported place
comes first. Rows are sorted by name key, then the two IRIs.

Columns: ``key, place, label, commune, sources, other_place, other_label, other_commune, other_sources,
distance_m, reason``; ``commune`` is the INSEE code (empty without one), ``sources`` the named graphs
describing the place (``tlg:census/cget-2019``; an import's own places are named by the graph of its
profile's ``output``, ``tlg:networks/mediation-num``, even when ``--out`` writes them elsewhere),
``distance_m`` the distance rounded to the metre (empty when a side has no coordinates).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..matching.geo import commune_codes
from .dedup import NEAR_M
from .existing import Existing, read_data_folder
from .records import Place, distance_m, existing_places

HEADER = ["key", "place", "label", "commune", "sources", "other_place", "other_label", "other_commune",
          "other_sources", "distance_m", "reason"]
NO_COMMUNE_ONE = "no commune on one side"
NO_COMMUNE_EITHER = "no commune on either side"
FAR = f"more than {NEAR_M:.0f} m apart"
SAME_COMMUNE = "same commune"
OTHER_COMMUNE = "communes differ"


@dataclass(frozen=True)
class Sourced:
    """A place and the sources (named graphs, or a file) that describe it."""

    place: Place
    sources: str


@dataclass(frozen=True)
class LikelyDuplicate:
    """Two places with a name key in common that the rules kept apart, and why they may still be one."""

    key: str
    first: Sourced
    second: Sourced
    distance_m: float | None
    reason: str

    def row(self) -> list[str]:
        """The report's row (see :data:`HEADER`)."""
        a, b = self.first, self.second
        distance = "" if self.distance_m is None else str(round(self.distance_m))
        return [self.key, str(a.place.node), a.place.name, a.place.commune_code or "", a.sources,
                str(b.place.node), b.place.name, b.place.commune_code or "", b.sources, distance, self.reason]


def kept_apart(a: Place, b: Place) -> tuple[float | None, str] | None:
    """Return (distance in metres or None, reason) when namesakes ``a`` and ``b`` are listed by the rule, else None."""
    distance = distance_m(a, b)
    far = distance is not None and distance > NEAR_M
    missing = (not a.commune_code) + (not b.commune_code)
    if missing:
        reason = NO_COMMUNE_EITHER if missing == 2 else NO_COMMUNE_ONE
        return distance, f"{reason}; {FAR}" if far else reason
    if not far:
        return None
    same = commune_codes(a.commune_code) & commune_codes(b.commune_code)
    return distance, f"{FAR}, {SAME_COMMUNE if same else OTHER_COMMUNE}"


def _by_key(places: Iterable[Sourced]) -> dict[str, list[Sourced]]:
    found: dict[str, list[Sourced]] = {}
    for item in places:
        for key in item.place.keys:
            if key:
                found.setdefault(key, []).append(item)
    return found


def _pair(key: str, a: Sourced, b: Sourced) -> LikelyDuplicate | None:
    judged = kept_apart(a.place, b.place)
    return None if judged is None else LikelyDuplicate(key, a, b, *judged)


def find_likely_duplicates(places: list[Sourced], against: list[Sourced] | None = None) -> list[LikelyDuplicate]:
    """Return the likely duplicates among ``places`` (pairs ordered by IRI) or, with ``against``, between each of
    ``places`` (first) and each of ``against`` (second); sorted by name key, then the two IRIs."""
    ours = _by_key(places)
    theirs = _by_key(against) if against is not None else ours
    found: dict[tuple[str, str], LikelyDuplicate] = {}
    for key in sorted(ours.keys() & theirs.keys()):
        for a in ours[key]:
            for b in theirs[key]:
                first, second = str(a.place.node), str(b.place.node)
                if first == second or (against is None and first > second):
                    continue
                if (first, second) not in found and (pair := _pair(key, a, b)) is not None:
                    found[(first, second)] = pair
    return sorted(found.values(), key=lambda d: (d.key, str(d.first.place.node), str(d.second.place.node)))


def sourced(existing: Existing, places: list[Place]) -> list[Sourced]:
    """Return ``places`` (read from ``existing``) with the sources that describe each."""
    return [Sourced(place, existing.sources_of(place.node)) for place in places]


def data_folder_duplicates(data_dir: Path) -> list[LikelyDuplicate]:
    """Return the likely duplicates among every place of ``data_dir`` (census, curated data, every import).

    Raises :class:`~.issues.ImportFailure` naming the file and position of a Turtle syntax error.
    """
    existing = read_data_folder(data_dir)
    return find_likely_duplicates(sourced(existing, existing_places(existing.graph)))


def report_csv(duplicates: list[LikelyDuplicate]) -> str:
    """Return the likely duplicates report as CSV text (the conventions of the match report)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for duplicate in duplicates:
        writer.writerow(duplicate.row())
    return out.getvalue()
