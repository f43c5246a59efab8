"""The merge model's shared facts (docs/merging.md): the single-valued groups and the graph of resolved values.

The build chooses one value per place for each group (``build/resolve.py``), and the service's
readers show that value (``queries/published.py``). Both read these definitions from here, a module
light enough for the service's workers, which must not load the builder.
"""

from __future__ import annotations

from .namespaces import GEO, TL, WGS84, graph_iri

#: the named graph of the preferred values
RESOLVED_GRAPH = graph_iri("resolved")
#: single-valued groups: the properties of one group are always taken from the same source
GROUPS: dict[str, tuple[str, ...]] = {
    "location": (str(WGS84.lat), str(WGS84.long), str(GEO.hasGeometry), str(TL.geocodingPrecision)),
    "address": (str(TL.address),),
    "founding date": (str(TL.foundingDate),),
    "website": (str(TL.website),),
    "life-cycle status": (str(TL.status),),
    "in metropolis": (str(TL.inMetropolis),),
}
#: the group of each single-valued property
GROUP_OF = {predicate: group for group, predicates in GROUPS.items() for predicate in predicates}
