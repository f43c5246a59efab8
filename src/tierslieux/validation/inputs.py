"""What a validation reads: data files, the shapes and the model (ontology and vocabularies), parsed with rdflib."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from ..namespaces import bind_prefixes
from ..paths import ONTOLOGY_DIR, SHAPES_DIR, turtle_files
from ..rdfio import parse_file


def load_graph(paths: list[Path]) -> Graph:
    """Parse every file of ``paths`` into one graph (raises RDFSyntaxError naming the file, line and column)."""
    graph = bind_prefixes(Graph())
    for path in paths:
        parse_file(path, graph)
    return graph


def load_shapes(shapes_dir: Path = SHAPES_DIR) -> Graph:
    """Return the SHACL shapes of ``shapes/``, all modules together."""
    return load_graph(turtle_files(shapes_dir))


def load_model(ontology_dir: Path = ONTOLOGY_DIR) -> Graph:
    """Return the ontology and its vocabularies, which the shapes need to check that concepts are in their scheme."""
    return load_graph(turtle_files(ontology_dir))
