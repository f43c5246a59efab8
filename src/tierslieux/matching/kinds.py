"""How related two kinds of place are, from the ontology's place-kind vocabulary (``skos:broader``, ``skos:related``).

* **same**: the same kind, or one is a narrower kind of the other (a fab lab is
  an ``espace-du-faire``; every kind is a ``tiers-lieu``);
* **related**: kinds with a common parent other than the root (fab lab and
  hackerspace are both ``espace-du-faire``), or linked by ``skos:related``;
* **unrelated**: anything else (a coworking space and a shared garden).

The vocabulary is read once per :class:`KindHierarchy`; callers keep the object.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from ..namespaces import PLACE_KIND
from ..paths import VOCABULARY_DIR

SAME, RELATED, UNRELATED = "same", "related", "unrelated"
_PREFIX = str(PLACE_KIND._NS)
ROOT_KIND = "tiers-lieu"


def _slug(node) -> str | None:
    text = str(node)
    return text[len(_PREFIX):] if isinstance(node, URIRef) and text.startswith(_PREFIX) else None


@dataclass(frozen=True)
class KindHierarchy:
    """The kinds' broader kinds (transitively) and their related kinds."""

    ancestors: dict[str, frozenset[str]] = field(default_factory=dict)
    related: dict[str, frozenset[str]] = field(default_factory=dict)

    def relation(self, ours: Iterable[str], theirs: Iterable[str]) -> str | None:
        """Return how the kinds of two places relate (:data:`SAME`, :data:`RELATED`, :data:`UNRELATED`), None if a side has none."""
        a, b = set(ours), set(theirs)
        if not a or not b:
            return None
        best = UNRELATED
        for x in a:
            for y in b:
                up_x, up_y = self.ancestors.get(x, frozenset()) | {x}, self.ancestors.get(y, frozenset()) | {y}
                if x in up_y or y in up_x:
                    return SAME
                if (up_x & up_y) - {ROOT_KIND} or y in self.related.get(x, ()) or x in self.related.get(y, ()):
                    best = RELATED
        return best


def load_kind_hierarchy(path: Path = VOCABULARY_DIR / "place-kind.ttl") -> KindHierarchy:
    """Read the place-kind vocabulary at ``path`` into a :class:`KindHierarchy`."""
    graph = Graph().parse(path, format="turtle")
    parents: dict[str, set[str]] = {}
    related: dict[str, set[str]] = {}
    for child, parent in graph.subject_objects(SKOS.broader):
        if (c := _slug(child)) and (p := _slug(parent)):
            parents.setdefault(c, set()).add(p)
    for a, b in graph.subject_objects(SKOS.related):
        if (x := _slug(a)) and (y := _slug(b)):
            related.setdefault(x, set()).add(y)
            related.setdefault(y, set()).add(x)

    def up(kind: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found: set[str] = set()
        for parent in parents.get(kind, ()):
            if parent not in seen:
                found |= {parent} | up(parent, seen | {kind})
        return found

    kinds = set(parents) | {p for ps in parents.values() for p in ps} | set(related)
    return KindHierarchy(
        ancestors={k: frozenset(up(k)) for k in kinds},
        related={k: frozenset(v) for k, v in related.items()},
    )
