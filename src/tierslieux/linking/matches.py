"""Our places against Wikidata items, through the matcher (:mod:`tierslieux.matching`).

A place and an item become :class:`~tierslieux.matching.Description` s: the
item's kinds are the kinds whose Wikidata classes (or uses) it has, so the
ontology's kind hierarchy decides how well its class fits (a hackerspace item
for a fab lab is of a related kind, penalised less than an unrelated one). An
item of none of our classes is of an unrelated kind. Weights and thresholds
are the matcher's ``[link]`` settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from ..matching import (
    MATCH,
    NO_MATCH,
    REVIEW,
    Description,
    Evidence,
    Settings,
    compare,
    weigh,
)
from ..matching import decide as decide_described
from ..matching import rank as rank_scored
from ..matching.decision import Scored
from ..matching.geo import distance_km
from ..matching.kinds import KindHierarchy, load_kind_hierarchy
from .candidates import Item
from .classes import KindClasses
from .places import Place

ACCEPT = MATCH
#: The kind given to an item of none of the classes our kinds map to: unrelated to every kind.
OTHER_KIND = "(not a kind of ours)"

__all__ = ["ACCEPT", "NO_MATCH", "REVIEW", "Candidate", "Decision", "decide", "rank", "score_item"]


@lru_cache(maxsize=1)
def kind_hierarchy() -> KindHierarchy:
    """The ontology's kind hierarchy (read once; it is immutable)."""
    return load_kind_hierarchy()


@dataclass(frozen=True)
class Candidate:
    """One candidate item for one place, with its score and evidence."""

    item: Item
    score: float
    evidence: Evidence


@dataclass(frozen=True)
class Decision:
    """What to do with one place: accept its best candidate, ask a person, or record that nothing fits."""

    place: Place
    status: str
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The best candidate, if any."""
        return self.candidates[0] if self.candidates else None


def describe_place(place: Place) -> Description:
    """Return our place as the matcher compares it."""
    return Description(
        id=place.iri,
        names=place.labels,
        kinds=frozenset(place.kinds),
        point=place.coordinates,
        insee=frozenset({place.insee}) if place.insee else frozenset(),
        commune_names=(place.commune,) if place.commune else (),
        websites=place.websites,
        closed=place.closed,
    )


def describe_item(item: Item, kind_classes: KindClasses) -> Description:
    """Return a Wikidata item as the matcher compares it (its kinds from its classes and uses)."""
    kinds = kind_classes.kinds_of(item.classes, item.practices) or {OTHER_KIND}
    names = ([item.label_fr] if item.label_fr else []) + sorted(item.labels)
    return Description(
        id=item.qid,
        names=tuple(names),
        kinds=frozenset(kinds),
        point=item.coordinates[0] if item.coordinates else None,
        insee=frozenset(item.insee_codes),
        commune_names=tuple(sorted(item.commune_labels)),
        websites=tuple(sorted(item.websites)),
        closed=item.dissolved,
    )


def _candidate(ours: Description, item: Item, kind_classes: KindClasses, settings: Settings) -> Scored:
    theirs = describe_item(item, kind_classes)
    evidence = compare(ours, theirs, kind_hierarchy())
    if len(item.coordinates) > 1 and ours.point:
        # An item with several points (several sites, or imprecise data) is as near as its nearest point.
        nearest = min(distance_km(ours.point, point) for point in item.coordinates)
        evidence = replace(evidence, distance_km=round(nearest, 3))
    return Scored(theirs, weigh(evidence, settings), evidence)


def score_item(place: Place, item: Item, kind_classes: KindClasses, settings: Settings) -> Candidate:
    """Score one item as a candidate for one place."""
    scored = _candidate(describe_place(place), item, kind_classes, settings)
    return Candidate(item, scored.score, scored.evidence)


def rank(place: Place, items: list[Item], kind_classes: KindClasses, settings: Settings,
         rejected: frozenset[str] = frozenset()) -> list[Candidate]:
    """Return the place's candidates, best first: those of an unrelated kind only when nothing else fits."""
    ours = describe_place(place)
    by_qid = {item.qid: item for item in items if item.qid not in rejected}
    scored = [_candidate(ours, item, kind_classes, settings) for item in by_qid.values()]
    return [Candidate(by_qid[s.candidate.id], s.score, s.evidence) for s in rank_scored(scored, settings)]


def decide(place: Place, ranked: list[Candidate], settings: Settings) -> Decision:
    """Decide from ranked candidates with the matcher's rule: accept the best, send to review, or no match."""
    ours = describe_place(place)
    by_qid = {c.item.qid: c for c in ranked}
    scored = [Scored(Description(c.item.qid, (c.item.display_label,)), c.score, c.evidence) for c in ranked]
    decision = decide_described(ours, scored, settings)
    return Decision(place, decision.status, tuple(by_qid[s.candidate.id] for s in decision.candidates))
