"""Graph patterns that read a place's *published* value of a single-valued property: the resolved view.

The store keeps every source's statements in its own named graph, and the SPARQL default graph is
their union, so a place two sources disagree about has two latitudes, two addresses or two websites
there. The build chooses one per single-valued group and writes it to ``graph/resolved``
(docs/merging.md); a group no two sources dispute has nothing there, its one value being the union's.
A query that shows one value per place (the places API, the explorer, nearby places, the named
queries) therefore reads ``graph/resolved`` when the place's group is disputed, and the union
otherwise: :func:`published` writes that pattern, so that the rule is written once.
"""

from __future__ import annotations

from ..merge_model import GROUP_OF, GROUPS, RESOLVED_GRAPH


def published(subject: str, predicate: str, obj: str) -> str:
    """A group graph pattern binding ``obj`` to the published value(s) of ``subject``'s ``predicate`` (a full IRI).

    ``subject`` and ``obj`` are SPARQL variables or terms (``?place``, ``?lat``). A predicate in no
    single-valued group (docs/merging.md) is read from the union as it is.
    """
    group = GROUP_OF.get(str(predicate))
    triple = f"{subject} <{predicate}> {obj}"
    if group is None:
        return f"{{ {triple} }}"
    any_of_group = "|".join(f"<{p}>" for p in GROUPS[group])
    return (f"{{ {{ GRAPH <{RESOLVED_GRAPH}> {{ {triple} }} }} UNION "
            f"{{ {triple} FILTER NOT EXISTS {{ GRAPH <{RESOLVED_GRAPH}> {{ {subject} {any_of_group} ?resolved_{_name(obj)} }} }} }} }}")


def _name(term: str) -> str:
    return "".join(c for c in term if c.isalnum()) or "value"
