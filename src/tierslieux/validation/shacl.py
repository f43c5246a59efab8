"""SHACL validation of a graph: the inputs (data, shapes, model) and the engine that judges them."""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import Graph

from ..namespaces import bind_prefixes
from .inputs import load_model, load_shapes
from .outcome import ValidationOutcome, results_from_report

#: the SHACL engines: pySHACL (the reference) and the ``shacl`` package's (:mod:`tierslieux.validation.fast`)
ENGINES = ("pyshacl", "fast")
#: ``auto`` validates sources of this many bytes or more with the fast engine (about 150,000 triples of Turtle)
AUTO_FAST_FROM_BYTES = 8_000_000


def choose_engine(engine: str, paths: list[Path]) -> str:
    """Return the SHACL engine to run for ``engine`` (validating the files of ``paths``).

    ``auto`` is pySHACL, the reference, for sources under :data:`AUTO_FAST_FROM_BYTES`,
    and the fast engine above.
    """
    if engine != "auto":
        return engine
    size = sum(path.stat().st_size for path in paths)
    return "pyshacl" if size < AUTO_FAST_FROM_BYTES else "fast"


def validate_graph(data: Graph, *, shapes: Graph | None = None, model: Graph | None = None, engine: str = "pyshacl") -> ValidationOutcome:
    """Validate ``data`` against the shapes, with the ontology and vocabularies mixed in.

    ``model`` defaults to the repository's ontology and vocabularies; pass an
    empty graph when ``data`` already holds them. Warnings and Infos do not
    break conformance; only Violations do. ``engine="fast"`` runs the ``shacl``
    engine (Rust) instead of pySHACL (:mod:`tierslieux.validation.fast`: the same
    results, much faster on big graphs).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; known: {', '.join(ENGINES)}")
    shapes = shapes if shapes is not None else load_shapes()
    model = model if model is not None else load_model()
    if engine == "fast":
        from .fast import validate_fast

        return validate_fast(data, shapes=shapes, model=model)
    if len(model):
        # pySHACL's ont_graph only "inoculates" class axioms; the shapes also need the
        # concepts and schemes themselves, so the model joins the data graph in full.
        combined = Graph()
        for graph in (data, model):
            for triple in graph:
                combined.add(triple)
        data = combined
    conforms, report, _ = pyshacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        advanced=True,
    )
    bind_prefixes(report)
    return ValidationOutcome(conforms=bool(conforms), report=report, results=results_from_report(report))


