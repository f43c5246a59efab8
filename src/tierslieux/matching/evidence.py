"""What two descriptions of a place have in common, and where they disagree.

A :class:`Description` is what one source says about a place (our graph, an
import's record, a Wikidata item, a row of a spreadsheet); :func:`compare`
returns the :class:`Evidence` for "these two are the same place": name,
distance, commune (with arrondissements, commune labels and postcodes),
website (with contradiction), kinds (through the kind hierarchy) and life
cycle. It does not weigh anything: :mod:`.decision` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .geo import commune_codes, commune_label_key, distance_km
from .kinds import RELATED, UNRELATED, KindHierarchy
from .names import (
    compact_key,
    keys_similarity,
    name_tokens,
    similarity_of_tokens,
    website_keys,
    words,
)


def _without_town(tokens: list[str], towns: list[list[str]]) -> tuple[str, ...]:
    """Drop the commune's name from the end of a name's words (``ICI Montreuil`` in Montreuil → ``ici``)."""
    for town in towns:
        if town and len(tokens) > len(town) and tokens[-len(town):] == town:
            return tuple(tokens[: -len(town)])
    return tuple(tokens)


@dataclass(frozen=True)
class Description:
    """One source's description of a place, with its comparable forms computed once."""

    id: str
    names: tuple[str, ...]
    kinds: frozenset[str] = frozenset()
    point: tuple[float, float] | None = None  # (latitude, longitude)
    insee: frozenset[str] = frozenset()  # INSEE codes, as the source gives them
    commune_names: tuple[str, ...] = ()
    postcodes: frozenset[str] = frozenset()
    websites: tuple[str, ...] = ()
    closed: bool = False
    tokens: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)
    keys: frozenset[str] = field(init=False, repr=False, compare=False)
    communes: frozenset[str] = field(init=False, repr=False, compare=False)
    commune_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    website_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = tuple(dict.fromkeys(n.strip() for n in self.names if n and n.strip()))
        object.__setattr__(self, "names", names)
        towns = [words(c) for c in self.commune_names if c]
        object.__setattr__(self, "tokens", tuple(dict.fromkeys(_without_town(name_tokens(n), towns) for n in names)))
        town = self.commune_names[0] if self.commune_names else None
        keys = {compact_key(n) for n in names} | {compact_key(n, town) for n in names}
        object.__setattr__(self, "keys", frozenset(k for k in keys if k))
        object.__setattr__(self, "communes", frozenset().union(*(commune_codes(c) for c in self.insee)))
        labels = {commune_label_key(c) for c in self.commune_names}
        object.__setattr__(self, "commune_keys", frozenset(k for k in labels if k))
        object.__setattr__(self, "website_keys", website_keys(self.websites))

    @property
    def name(self) -> str:
        """The preferred name (the first)."""
        return self.names[0] if self.names else self.id


@dataclass(frozen=True)
class Evidence:
    """The parts of a comparison, kept for explanations, review queues and reconciliation features."""

    name: float
    distance_km: float | None
    commune: float | None  # 1 same commune, 0.8 same postcode only, 0 another commune, None unknown
    commune_how: str  # "code", "label", "postcode", "other", "unknown", "nowhere" (a side says nothing of where it is)
    website: float | None  # 1 same site, 0.5 same host, 0 no evidence, -1 contradiction, None unknown
    kinds: str | None  # same, related, unrelated, None unknown
    dissolved: bool  # the candidate is closed while ours is not
    closed_here: bool  # ours is closed while the candidate is not

    @property
    def contradicted(self) -> bool:
        """Whether some evidence says the two are different places (another official website)."""
        return self.website is not None and self.website < 0

    def summary(self) -> str:
        """Return a short English account (``name 1.00; 0.05 km; same commune; same website``)."""
        parts = [f"name {self.name:.2f}"]
        parts.append("no coordinates" if self.distance_km is None else f"{self.distance_km:.2f} km")
        parts.append({"code": "same commune", "label": "same commune name", "postcode": "same postcode",
                      "other": "other commune", "nowhere": "no location on one side"}.get(self.commune_how, "commune unknown"))
        parts.append({None: "website unknown", 1.0: "same website", 0.5: "same website host",
                      -1.0: "another website (contradiction)", 0.0: "websites not comparable"}.get(self.website, "other website"))
        if self.kinds == UNRELATED:
            parts.append("not of the expected class")
        elif self.kinds == RELATED:
            parts.append("of a related class")
        if self.dissolved:
            parts.append("dissolved")
        if self.closed_here:
            parts.append("closed here, open there")
        return "; ".join(parts)


def _nowhere(description: Description) -> bool:
    return not (description.communes or description.commune_keys or description.postcodes or description.point)


def _commune(ours: Description, theirs: Description) -> tuple[float | None, str]:
    if ours.communes and theirs.communes:
        return (1.0, "code") if ours.communes & theirs.communes else (0.0, "other")
    if ours.commune_keys and theirs.commune_keys:
        return (1.0, "label") if ours.commune_keys & theirs.commune_keys else (0.0, "other")
    if ours.postcodes and theirs.postcodes:
        return (0.8, "postcode") if ours.postcodes & theirs.postcodes else (0.0, "other")
    if _nowhere(ours) or _nowhere(theirs):
        return None, "nowhere"
    return None, "unknown"


def name_score(ours: Description, theirs: Description) -> float:
    """Return the best similarity between any name of ``ours`` and any name of ``theirs``."""
    if ours.keys & theirs.keys:
        return 1.0
    return max((similarity_of_tokens(list(a), list(b)) for a in ours.tokens for b in theirs.tokens), default=0.0)


def compare(ours: Description, theirs: Description, kinds: KindHierarchy, name: float | None = None) -> Evidence:
    """Return the evidence that ``ours`` and ``theirs`` describe the same place (``name``: their name score, if known)."""
    distance = None
    if ours.point and theirs.point:
        distance = distance_km(ours.point, theirs.point)
    commune, how = _commune(ours, theirs)
    return Evidence(
        name=round(name_score(ours, theirs) if name is None else name, 4),
        distance_km=None if distance is None else round(distance, 3),
        commune=commune,
        commune_how=how,
        website=keys_similarity(ours.website_keys, theirs.website_keys),
        kinds=kinds.relation(ours.kinds, theirs.kinds),
        dissolved=theirs.closed and not ours.closed,
        closed_here=ours.closed and not theirs.closed,
    )
