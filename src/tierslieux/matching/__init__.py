"""One matcher for three jobs: does this description name the same place as that one?

Used by the importer (an import's records against the places already in
``data/``), the Wikidata linker (our places against Wikidata items) and the
reconciliation service (a spreadsheet's rows against the published graph).
Each use has its own weights and thresholds (``data/matching.toml``); the
notion of evidence and the decision rule are the same everywhere.

* :mod:`.names` — name and website normalisation and similarity;
* :mod:`.geo` — distances, communes with their arrondissements, commune names;
* :mod:`.kinds` — how related two kinds of place are (the ontology's hierarchy);
* :mod:`.evidence` — :class:`Description` and :func:`compare`;
* :mod:`.decision` — the score, its explanation and the decision rule;
* :mod:`.index` — blocking, so large files match in seconds;
* :mod:`.config` — the settings of each use.
"""

from .config import load_settings
from .decision import (
    MATCH,
    NO_MATCH,
    REVIEW,
    Decision,
    Scored,
    Settings,
    decide,
    rank,
    weigh,
)
from .evidence import Description, Evidence, compare
from .index import Index
from .kinds import KindHierarchy, load_kind_hierarchy

__all__ = [
    "MATCH", "NO_MATCH", "REVIEW", "Decision", "Description", "Evidence", "Index", "KindHierarchy", "Scored",
    "Settings", "compare", "decide", "load_kind_hierarchy", "load_settings", "rank", "weigh",
]
