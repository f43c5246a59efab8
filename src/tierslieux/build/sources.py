"""The sources of the graph: which Turtle files are loaded, and into which named graph each goes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from ..namespaces import graph_iri
from ..paths import DATA_DIR, ONTOLOGY_DIR, VOCABULARY_DIR, turtle_files


@dataclass(frozen=True)
class SourceFile:
    """One Turtle file and the named graph it is loaded into."""

    path: Path
    graph: URIRef


def graph_for(path: Path, *, data_dir: Path = DATA_DIR, ontology_dir: Path = ONTOLOGY_DIR) -> URIRef:
    """Return the named graph of a source file.

    ``ontology/vocabularies/*.ttl`` go to ``graph/vocabularies``, the rest of
    ``ontology/`` to ``graph/ontology``, and ``data/{path}.ttl`` to ``graph/{path}``.
    """
    path = path.resolve()
    vocabulary_dir = (ontology_dir / VOCABULARY_DIR.name).resolve()
    if path.is_relative_to(vocabulary_dir):
        return graph_iri("vocabularies")
    if path.is_relative_to(ontology_dir.resolve()):
        return graph_iri("ontology")
    if path.is_relative_to(data_dir.resolve()):
        return graph_iri(path.relative_to(data_dir.resolve()).with_suffix("").as_posix())
    raise ValueError(f"{path}: not under {ontology_dir} or {data_dir}, so it belongs to no named graph")


def all_source_files(*, data_dir: Path = DATA_DIR, ontology_dir: Path = ONTOLOGY_DIR) -> list[SourceFile]:
    """Return every source file of the graph (ontology, vocabularies, data) with its named graph, in a stable order."""
    files = turtle_files(ontology_dir) + turtle_files(data_dir)
    return [SourceFile(p, graph_for(p, data_dir=data_dir, ontology_dir=ontology_dir)) for p in files]


def sources_digest(files: list[SourceFile], extra: bytes = b"") -> str:
    """Return a SHA-256 over the files' graphs and contents (plus ``extra``), to tell whether a build is current."""
    digest = hashlib.sha256(extra)
    for source in files:
        digest.update(str(source.graph).encode() + b"\0" + source.path.read_bytes() + b"\0")
    return digest.hexdigest()
