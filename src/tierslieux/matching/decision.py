"""Weighing evidence into a score, and deciding: match, send to review, or no match.

score = w_name·name + w_distance·closeness + w_commune·commune + w_website·website

* closeness = 1 / (1 + (d / d½)²) for the distance d (0 without coordinates);
* commune and website count when positive; when one side says nothing of
  where it is (no commune, postcode or coordinates), the commune evidence is
  ``nowhere_commune`` (0 unless a use decides such a place agrees with any); an official website that differs
  (a contradiction) subtracts ``contradiction_penalty`` instead;
* a candidate of an unrelated kind is multiplied by ``wrong_class_factor``, of
  a related kind by ``related_factor``;
* a candidate closed (dissolved) while ours is open, or the reverse, loses
  ``dissolved_penalty``.

A match is decided automatically only when the best candidate scores at least
``accept`` (inclusive: a score equal to the threshold is accepted), leads the
runner-up by ``margin`` (a runner-up counts when its name similarity reaches
``min_name``), has a name similarity of at least ``min_name``, is not of an unrelated kind, is not closed on one side
only, and (with ``contradiction_blocks``) no website contradicts it. Other candidates scoring at least ``review``
go to a person, best first. Each use (importer, linker, reconciliation) has
its own :class:`Settings` in ``data/matching.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .evidence import Description, Evidence
from .kinds import RELATED, UNRELATED

MATCH, REVIEW, NO_MATCH = "accept", "review", "no-match"


@dataclass(frozen=True)
class Settings:
    """Weights and thresholds of one use of the matcher (see the module docstring)."""

    name: float = 0.40
    distance: float = 0.25
    commune: float = 0.15
    website: float = 0.20
    half_distance_km: float = 0.5
    related_factor: float = 0.9
    wrong_class_factor: float = 0.7
    dissolved_penalty: float = 0.25
    contradiction_penalty: float = 0.2
    accept: float = 0.75
    margin: float = 0.15
    review: float = 0.45
    review_candidates: int = 3
    min_name: float = 0.0
    contradiction_blocks: bool = True
    nowhere_commune: float = 0.0


@dataclass(frozen=True)
class Scored:
    """One candidate for one description, with its score and the evidence behind it."""

    candidate: Description
    score: float
    evidence: Evidence

    def explanation(self) -> str:
        """Return the score and its evidence in words (``0.92: name 1.00; 0.05 km; same commune; …``)."""
        return f"{self.score:.2f}: {self.evidence.summary()}"


@dataclass(frozen=True)
class Decision:
    """What to do with one description: take its best candidate, ask a person, or record that nothing fits."""

    query: Description
    status: str
    candidates: tuple[Scored, ...]

    @property
    def best(self) -> Scored | None:
        """The best candidate, if any."""
        return self.candidates[0] if self.candidates else None


def closeness(distance_km: float | None, settings: Settings) -> float:
    """Return the distance evidence in [0, 1]: 1 at the same point, ½ at ``half_distance_km``, 0 when unknown."""
    return 0.0 if distance_km is None else 1.0 / (1.0 + (distance_km / settings.half_distance_km) ** 2)


def weigh(evidence: Evidence, settings: Settings) -> float:
    """Return the score of ``evidence`` under ``settings`` (rounded to 4 decimals, never below 0)."""
    value = (
        settings.name * evidence.name
        + settings.distance * closeness(evidence.distance_km, settings)
        + settings.commune * (settings.nowhere_commune if evidence.commune_how == "nowhere" else max(evidence.commune or 0.0, 0.0))
        + settings.website * max(evidence.website or 0.0, 0.0)
    )
    if evidence.contradicted:
        value -= settings.contradiction_penalty
    if evidence.kinds == UNRELATED:
        value *= settings.wrong_class_factor
    elif evidence.kinds == RELATED:
        value *= settings.related_factor
    if evidence.dissolved or evidence.closed_here:
        value -= settings.dissolved_penalty
    return round(max(0.0, value), 4)


def rank(scored: list[Scored], settings: Settings) -> list[Scored]:
    """Return candidates best first; those of an unrelated kind only when no other one reaches the review threshold."""
    fitting = [s for s in scored if s.evidence.kinds != UNRELATED and s.score >= settings.review]
    pool = [s for s in scored if s.evidence.kinds != UNRELATED] if fitting else scored
    return sorted(pool, key=lambda s: (-s.score, s.candidate.id))


def can_accept(best: Scored, runner_up: float, settings: Settings) -> bool:
    """Whether ``best`` may be taken without a person (threshold inclusive; see the module docstring)."""
    evidence = best.evidence
    return (
        best.score >= settings.accept
        and evidence.name >= settings.min_name
        and round(best.score - runner_up, 4) >= settings.margin
        and evidence.kinds != UNRELATED
        and not (evidence.dissolved or evidence.closed_here)
        and not (evidence.contradicted and settings.contradiction_blocks)
    )


def decide(query: Description, ranked: list[Scored], settings: Settings) -> Decision:
    """Decide from ranked candidates: take the best, send the plausible ones to review, or no match."""
    plausible = [s for s in ranked if s.score >= settings.review]
    if not plausible:
        return Decision(query, NO_MATCH, ())
    # A runner-up whose name could never be taken (below min_name) does not make the best one doubtful.
    runner_up = max((s.score for s in ranked[1:] if s.evidence.name >= settings.min_name), default=0.0)
    if can_accept(plausible[0], runner_up, settings):
        return Decision(query, MATCH, (plausible[0],))
    return Decision(query, REVIEW, tuple(plausible[: settings.review_candidates]))
