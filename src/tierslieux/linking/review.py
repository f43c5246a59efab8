"""The review queue: a CSV a person edits (accept, reject, or another item), and applying its decisions.

One row per candidate; the ``decision`` column takes ``accept`` (this item is the
place), ``reject`` (it is not; never proposed again) or another item identifier
``Q…`` (this candidate is wrong, that item is the place). Rows left empty stay in
the queue. A file with any malformed decision is refused whole, with the line
and field of every problem, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import __version__
from .linkstore import (
    CHOSEN,
    CONFIRMED,
    LINKS_FILE,
    REJECTED_FILE,
    REVIEW_FILE,
    UNMATCHED_FILE,
    Link,
    Rejection,
    Unmatched,
    read_csv,
    read_links,
    read_rejections,
    read_unmatched,
    write_csv,
    write_links,
    write_rejections,
    write_unmatched,
)
from .matches import Decision
from .wikidata import QID

REVIEW_HEADER = (
    "place",
    "place_name",
    "commune",
    "rank",
    "qid",
    "item_label",
    "item_description",
    "score",
    "evidence",
    "decision",
    "reviewer",
    "note",
)
ACCEPT_WORD, REJECT_WORD = "accept", "reject"
REVIEW_TOOL = "tierslieux link review"


class ReviewError(ValueError):
    """A review file whose decisions cannot be applied; ``problems`` lists each, with file, line and field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def queue_rows(decisions: list[Decision]) -> list[dict[str, str]]:
    """Return the review-queue rows of the decisions that need a person, one per candidate."""
    rows = []
    for decision in decisions:
        for rank, scored in enumerate(decision.candidates, start=1):
            rows.append(
                {
                    "place": decision.place.iri,
                    "place_name": decision.place.name,
                    "commune": decision.place.commune or decision.place.insee or "",
                    "rank": str(rank),
                    "qid": scored.item.qid,
                    "item_label": scored.item.display_label,
                    "item_description": scored.item.description_fr or "",
                    "score": f"{scored.score:.4f}",
                    "evidence": scored.evidence.summary(),
                    "decision": "",
                    "reviewer": "",
                    "note": "",
                }
            )
    return rows


def read_queue(path: Path) -> list[dict[str, str]]:
    """Read the review queue (empty when there is none)."""
    return read_csv(path, ("place", "qid", "decision")).rows if Path(path).exists() else []


def write_queue(path: Path, rows: list[dict[str, str]]) -> None:
    """Write the review queue, sorted by place and rank."""
    ordered = sorted(rows, key=lambda r: (r["place"], int(r.get("rank") or 0), r["qid"]))
    write_csv(path, REVIEW_HEADER, ordered)


@dataclass
class ReviewOutcome:
    """What applying a review file changed."""

    confirmed: int = 0
    chosen: int = 0
    rejected: int = 0
    replaced: int = 0
    left_in_queue: int = 0
    unmatched: int = 0


@dataclass(frozen=True)
class _Choice:
    place: str
    qid: str
    how: str
    line: int
    score: float | None
    reviewer: str
    note: str


def _parse(
    path: Path, rows: list[dict[str, str]], lines: list[int], today: str
) -> tuple[list[_Choice], list[Rejection], list[str]]:
    choices: list[_Choice] = []
    rejections: list[Rejection] = []
    problems: list[str] = []
    for row, line in zip(rows, lines, strict=True):
        raw = row.get("decision", "")
        decision = raw.strip()
        if not decision:
            continue
        where = f"{path}:{line}"
        place, candidate = row.get("place", ""), row.get("qid", "")
        if not place:
            problems.append(f"{where}: field 'place' is empty")
            continue
        if not QID.match(candidate):
            problems.append(f"{where}: field 'qid' is {candidate!r}, not a Wikidata item identifier (Q…)")
            continue
        reviewer, note = row.get("reviewer", ""), row.get("note", "")
        lowered = decision.lower()
        if lowered == ACCEPT_WORD:
            score = row.get("score", "")
            try:
                value = float(score) if score else None
            except ValueError:
                problems.append(f"{where}: field 'score' is {score!r}, not a number")
                continue
            choices.append(_Choice(place, candidate, CONFIRMED, line, value, reviewer, note))
        elif lowered == REJECT_WORD:
            rejections.append(Rejection(place, candidate, today, reviewer, note))
        elif QID.match(decision.upper()) and decision[0] in "Qq":
            other = decision.upper()
            if other == candidate:
                choices.append(_Choice(place, candidate, CONFIRMED, line, None, reviewer, note))
            else:
                choices.append(_Choice(place, other, CHOSEN, line, None, reviewer, note))
                rejections.append(Rejection(place, candidate, today, reviewer, note or f"{other} chosen instead"))
        else:
            problems.append(
                f"{where}: field 'decision' is {raw!r}; expected 'accept', 'reject' or another item identifier (Q…)"
            )
    by_place: dict[str, list[_Choice]] = {}
    for choice in choices:
        by_place.setdefault(choice.place, []).append(choice)
    for place, its in by_place.items():
        targets = {c.qid for c in its}
        if len(targets) > 1:
            where = ", ".join(f"{path}:{c.line}" for c in its)
            problems.append(f"{where}: {place} is given several items ({', '.join(sorted(targets))}); keep one")
    for rejection in rejections:
        if rejection.qid in {c.qid for c in by_place.get(rejection.place, [])}:
            problems.append(f"{path}: {rejection.place}: {rejection.qid} is both accepted and rejected")
    return choices, rejections, problems


def apply_review(
    path: Path,
    links_dir: Path,
    *,
    exists: Callable[[str], bool] | None = None,
    today: date | None = None,
) -> ReviewOutcome:
    """Apply the decisions of the review file ``path`` to the files of ``links_dir``.

    ``exists`` checks that an item a person typed in exists on the endpoint (None
    skips the check). Raises :class:`ReviewError` listing every problem; then
    nothing is written.
    """
    path, links_dir = Path(path), Path(links_dir)
    today = today or date.today()
    try:
        table = read_csv(path, ("place", "qid", "decision"))
    except ValueError as error:
        raise ReviewError([str(error)]) from None
    choices, rejections, problems = _parse(path, table.rows, table.lines, today.isoformat())
    if exists is not None:
        for choice in choices:
            if choice.how == CHOSEN and not exists(choice.qid):
                problems.append(f"{path}:{choice.line}: item {choice.qid} does not exist on the endpoint (or is not an item)")
    if problems:
        raise ReviewError(problems)

    outcome = ReviewOutcome()
    links = read_links(links_dir / LINKS_FILE)
    chosen_places = {c.place for c in choices}
    outcome.replaced = sum(1 for k in links if k.place in chosen_places)
    links = [k for k in links if k.place not in chosen_places]
    for choice in {c.place: c for c in choices}.values():
        links.append(
            Link(
                place=choice.place,
                qid=choice.qid,
                how=choice.how,
                created=today,
                tool=REVIEW_TOOL,
                tool_version=__version__,
                score=choice.score,
                reviewer=choice.reviewer or None,
                comment=choice.note or None,
            )
        )
        if choice.how == CONFIRMED:
            outcome.confirmed += 1
        else:
            outcome.chosen += 1
    all_rejections = read_rejections(links_dir / REJECTED_FILE) + rejections
    outcome.rejected = len(rejections)

    queue_path = links_dir / REVIEW_FILE
    queue = read_queue(queue_path) if queue_path.resolve() != path.resolve() else table.rows
    rejected_pairs = {(r.place, r.qid) for r in rejections}
    remaining = [
        {**row, "decision": ""}
        for row in queue
        if row["place"] not in chosen_places and (row["place"], row["qid"]) not in rejected_pairs and not row.get("decision")
    ]
    outcome.left_in_queue = len(remaining)
    still_queued = {row["place"] for row in remaining}
    decided_places = {r.place for r in rejections} - chosen_places - still_queued
    unmatched = [u for u in read_unmatched(links_dir / UNMATCHED_FILE) if u.place not in chosen_places]
    unmatched += [Unmatched(p, today.isoformat(), "", "every candidate rejected in review") for p in sorted(decided_places)]
    outcome.unmatched = len(decided_places)

    write_links(links_dir / LINKS_FILE, links)
    write_rejections(links_dir / REJECTED_FILE, all_rejections)
    write_queue(queue_path, remaining)
    write_unmatched(links_dir / UNMATCHED_FILE, unmatched)
    return outcome
