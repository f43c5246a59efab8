"""SHACL validation: the inputs (:mod:`.inputs`), the engines (:mod:`.shacl` runs pySHACL, the reference, or :mod:`.fast`),
their common outcome (:mod:`.outcome`) and the child process a build validates in (:mod:`.process`).

The modules depend in one direction: ``outcome`` and ``inputs`` on nothing here, the engines on them, ``process`` on the engines.
"""

from .inputs import load_graph, load_model, load_shapes
from .outcome import ValidationOutcome, ValidationResult, format_report
from .shacl import AUTO_FAST_FROM_BYTES, ENGINES, choose_engine, validate_graph

__all__ = ["AUTO_FAST_FROM_BYTES", "ENGINES", "choose_engine", "ValidationOutcome", "ValidationResult", "format_report", "load_graph", "load_model", "load_shapes", "validate_graph"]
