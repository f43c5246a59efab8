"""An index of descriptions with blocking, so a description is compared with a few likely candidates, not all.

Blocks, computed once when the index is built:

* every distinctive word of every name, and its first and last four letters
  (a typo in a word still meets one of them), and every name's compact key;
* the commune (INSEE codes with arrondissements, and commune names);
* a grid cell of about 5 km (a description's own cell and the eight around it).

A query's candidates are the descriptions sharing a name block with it (words
that occur in many descriptions, such as a city's name, are left out when a
rarer one exists), plus, among those in its commune and around its point,
the few whose compact name is closest by edit distance. Only the candidates
whose names are at least :data:`NAME_FLOOR` alike are compared in full
(:func:`~.evidence.compare`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from .decision import Decision, Scored, Settings, decide, rank, weigh
from .evidence import Description, compare, name_score
from .geo import cell, neighbour_cells
from .kinds import KindHierarchy

CELL_DEGREES = 0.05
#: A word found in more descriptions than this share of the index (and at least 30) is too common to block on.
COMMON_SHARE = 0.02
#: How many of a commune's (or a cell's) places are kept by the edit-distance pre-selection.
NEAREST_NAMES = 8
#: Candidates whose names are less alike than this are not compared further (they could never be proposed usefully).
NAME_FLOOR = 0.5
#: Most candidates taken from the name blocks, those sharing most blocks first.
MAX_NAME_CANDIDATES = 60


def _name_blocks(description: Description) -> set[str]:
    blocks = {f"k:{key}" for key in description.keys}
    for tokens in description.tokens:
        for word in tokens:
            blocks.add(f"w:{word}")
            if len(word) >= 6:
                blocks.add(f"p:{word[:4]}")
                blocks.add(f"s:{word[-4:]}")
    return blocks


def _place_blocks(description: Description) -> set[str]:
    blocks = {f"c:{code}" for code in description.communes} | {f"n:{name}" for name in description.commune_keys}
    if description.point:
        row, col = cell(description.point, CELL_DEGREES)
        blocks.add(f"g:{row}:{col}")
    return blocks


class Index:
    """Descriptions to match against, with their blocks; read-only once built (safe to share between threads)."""

    def __init__(self, descriptions: Iterable[Description], kinds: KindHierarchy):
        self.kinds = kinds
        self.descriptions: list[Description] = list(descriptions)
        self.by_id = {d.id: d for d in self.descriptions}
        self._blocks: dict[str, list[int]] = {}
        self._compact = [min(d.keys, key=len) if d.keys else "" for d in self.descriptions]
        for position, description in enumerate(self.descriptions):
            for block in _name_blocks(description) | _place_blocks(description):
                self._blocks.setdefault(block, []).append(position)
        self._common = max(30, int(COMMON_SHARE * len(self.descriptions)))

    def __len__(self) -> int:
        return len(self.descriptions)

    def candidates(self, query: Description) -> list[Description]:
        """Return the descriptions worth comparing with ``query`` (see the module docstring)."""
        hits: Counter[int] = Counter()
        name_blocks = [b for b in _name_blocks(query) if b in self._blocks]
        rare = [b for b in name_blocks if len(self._blocks[b]) <= self._common]
        for block in rare or name_blocks:
            hits.update(self._blocks[block])
        chosen = {position for position, _ in hits.most_common(MAX_NAME_CANDIDATES)}
        near: set[int] = set()
        for block in [f"c:{c}" for c in query.communes] + [f"n:{n}" for n in query.commune_keys]:
            near.update(self._blocks.get(block, ()))
        if query.point:
            for row, col in neighbour_cells(query.point, CELL_DEGREES):
                near.update(self._blocks.get(f"g:{row}:{col}", ()))
        near -= chosen
        if near and query.keys:
            wanted = min(query.keys, key=len)
            pool = {position: self._compact[position] for position in near}
            for _, _, position in process.extract(wanted, pool, scorer=fuzz.ratio, limit=NEAREST_NAMES):
                chosen.add(position)
        return [self.descriptions[p] for p in sorted(chosen)]

    def score(self, query: Description, settings: Settings, exclude: frozenset[str] = frozenset()) -> list[Scored]:
        """Return every candidate of ``query`` with its score, unsorted (``exclude``: ids never proposed)."""
        scored = []
        for candidate in self.candidates(query):
            if candidate.id in exclude or candidate.id == query.id:
                continue
            name = name_score(query, candidate) if query.names else 0.0
            if name < NAME_FLOOR and query.names:
                continue
            evidence = compare(query, candidate, self.kinds, name)
            scored.append(Scored(candidate, weigh(evidence, settings), evidence))
        return scored

    def match(self, query: Description, settings: Settings, exclude: frozenset[str] = frozenset()) -> Decision:
        """Return the decision for ``query``: its best candidate taken, candidates to review, or no match."""
        return decide(query, rank(self.score(query, settings, exclude), settings), settings)
