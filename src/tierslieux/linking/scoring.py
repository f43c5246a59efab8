"""Scoring candidate items against one of our places, and deciding: accept, send to review, or no match.

score = w_name·name + w_distance·distance + w_commune·commune + w_website·website

* name: best similarity between our labels and the item's labels and aliases
  (case, accents, punctuation and stop words ignored);
* distance: 1 / (1 + (d / d½)²) for the distance d between our coordinates and
  the item's P625; 0 when either side has none;
* commune: 1 when the item is located (P131, transitively) in an entity whose
  INSEE code (P374) is our commune's; 0 otherwise;
* website: 1 for the same official website (P856) without scheme, ``www.`` or
  trailing slash, ½ for the same host only, 0 otherwise.

An item of none of the classes our place's kinds map to is kept only when no
item of those classes fits (scores at least the review threshold), and its
score is multiplied by the wrong-class factor; an item dissolved (P576) while our
place is not closed loses the dissolved penalty. A link is accepted
automatically only when the best candidate is of the right class, not
dissolved, scores at least the acceptance threshold and leads the runner-up by
the margin; other candidates above the review threshold go to a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from .candidates import Item, insee_equivalents
from .classes import KindClasses
from .config import Scoring
from .normalize import distance_km, name_similarity, website_similarity
from .places import Place

ACCEPT, REVIEW, NO_MATCH = "accept", "review", "no-match"


@dataclass(frozen=True)
class Evidence:
    """The parts of a score, kept for the review queue and the link's provenance."""

    name: float
    distance_km: float | None
    distance: float
    commune: float | None
    website: float | None
    in_class: bool
    dissolved: bool

    def summary(self) -> str:
        """Return a short English account of the evidence (``name 1.00; 0.05 km; same commune; …``)."""
        parts = [f"name {self.name:.2f}"]
        parts.append("no coordinates" if self.distance_km is None else f"{self.distance_km:.2f} km")
        parts.append({None: "commune unknown", 1.0: "same commune"}.get(self.commune, "other commune"))
        parts.append({None: "website unknown", 1.0: "same website", 0.5: "same website host"}.get(self.website, "other website"))
        if not self.in_class:
            parts.append("not of the expected class")
        if self.dissolved:
            parts.append("dissolved")
        return "; ".join(parts)


@dataclass(frozen=True)
class Scored:
    """One candidate item for one place, with its score."""

    item: Item
    score: float
    evidence: Evidence


@dataclass(frozen=True)
class Decision:
    """What to do with one place: accept its best candidate, ask a person, or record that nothing fits."""

    place: Place
    status: str
    candidates: tuple[Scored, ...]

    @property
    def best(self) -> Scored | None:
        """The best candidate, if any."""
        return self.candidates[0] if self.candidates else None


def score_item(place: Place, item: Item, kind_classes: KindClasses, scoring: Scoring) -> Scored:
    """Score one item as a candidate for one place (see the module docstring)."""
    name = max((name_similarity(ours, theirs) for ours in place.labels for theirs in item.labels), default=0.0)
    distance = None
    if place.coordinates and item.coordinates:
        distance = min(distance_km(place.coordinates, point) for point in item.coordinates)
    closeness = 0.0 if distance is None else 1.0 / (1.0 + (distance / scoring.half_distance_km) ** 2)
    commune = None
    if place.insee and item.insee_codes:
        commune = 1.0 if insee_equivalents(place.insee) & item.insee_codes else 0.0
    website = website_similarity(list(place.websites), sorted(item.websites))
    classes, practices = kind_classes.targets(place.kinds)
    in_class = bool(item.classes & classes or item.practices & practices)
    dissolved = item.dissolved and not place.closed
    value = (
        scoring.name * name
        + scoring.distance * closeness
        + scoring.commune * (commune or 0.0)
        + scoring.website * (website or 0.0)
    )
    if not in_class:
        value *= scoring.wrong_class_factor
    if dissolved:
        value -= scoring.dissolved_penalty
    evidence = Evidence(
        name=round(name, 4),
        distance_km=None if distance is None else round(distance, 3),
        distance=round(closeness, 4),
        commune=commune,
        website=website,
        in_class=in_class,
        dissolved=dissolved,
    )
    return Scored(item=item, score=round(max(0.0, value), 4), evidence=evidence)


def rank(
    place: Place, items: list[Item], kind_classes: KindClasses, scoring: Scoring, rejected: frozenset[str] = frozenset()
) -> list[Scored]:
    """Return the place's candidates, best first: those of the right class, or all when none of those fits."""
    scored = [score_item(place, item, kind_classes, scoring) for item in items if item.qid not in rejected]
    fitting = [s for s in scored if s.evidence.in_class and s.score >= scoring.review]
    pool = [s for s in scored if s.evidence.in_class] if fitting else scored
    return sorted(pool, key=lambda s: (-s.score, int(s.item.qid[1:])))


def decide(place: Place, ranked: list[Scored], scoring: Scoring) -> Decision:
    """Decide from ranked candidates: accept the best, send the plausible ones to review, or no match."""
    plausible = [s for s in ranked if s.score >= scoring.review]
    if not plausible:
        return Decision(place, NO_MATCH, ())
    best = plausible[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    if (
        best.score >= scoring.accept
        and best.score - runner_up >= scoring.margin
        and best.evidence.in_class
        and not best.evidence.dissolved
    ):
        return Decision(place, ACCEPT, (best,))
    return Decision(place, REVIEW, tuple(plausible[: scoring.review_candidates]))
