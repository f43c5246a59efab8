"""Running the ``shacl`` engine (Rust, from PyPI) on one N-Triples or Turtle file, and reading its report as an rdflib graph.

The engine validates one data file (``Shapes.validate_file``), parsed by Rust:
rdflib never sees a big graph. Several files (sources, or data and model) are
merged first into one N-Triples file by pyoxigraph, each file's blank nodes
renamed so that two files' ``_:b0`` stay two nodes. The engine gives blank
nodes labels of its own (``_:0_bN`` for the data, ``_:1_bN`` for the shapes)
that do not follow the file's: a blank node of the report is not the data's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from ...rdfio import rdflib_term

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: the suffixes the engine reads itself (it takes the syntax from the extension)
ENGINE_SUFFIXES = frozenset({".ttl", ".nt", ".nq", ".trig", ".rdf"})


class FastValidationError(RuntimeError):
    """The SHACL engine failed: a file it could not parse (the message names file and line), or an error inside the engine."""


def write_graph(graph: Graph, path: Path, *, append: bool = False) -> None:
    """Write ``graph`` as N-Triples to ``path`` (after what it holds, with ``append``), blank node labels kept."""
    with path.open("ab" if append else "wb") as handle:
        graph.serialize(destination=handle, format="nt", encoding="utf-8")


def merge_files(paths: Sequence[Path], target: Path) -> None:
    """Write the triples of every file of ``paths`` (any syntax pyoxigraph reads, by suffix) into one N-Triples file.

    Named graphs are merged into one graph, as validation sees them. Raises
    :class:`FastValidationError` naming the file, line and column of a syntax error.
    """
    import pyoxigraph as ox

    with target.open("wb") as out:
        for path in paths:
            try:
                quads = ox.parse(path=str(path), without_named_graphs=False, rename_blank_nodes=True)
                ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), out, ox.RdfFormat.N_TRIPLES)
            except SyntaxError as error:
                raise FastValidationError(f"{path}: line {error.lineno}, column {error.offset}: {error.msg}; fix the file and validate again") from None
            except ValueError as error:  # an unknown suffix
                raise FastValidationError(f"{path}: {error}") from None


def compile_shapes(shapes_file: Path):
    """Return the engine's compiled shapes of the N-Triples file ``shapes_file``."""
    import shacl

    try:
        return shacl.Shapes.from_file(str(shapes_file))
    except ValueError as error:
        raise FastValidationError(f"the shapes could not be compiled: {error}") from None


def run(shapes_file: Path, data_file: Path) -> Graph:
    """Validate ``data_file`` against ``shapes_file`` (warnings allowed) and return the engine's SHACL report graph."""
    shapes = compile_shapes(shapes_file)
    try:
        report = shapes.validate_file(str(data_file), allow_warnings=True)
    except OSError as error:
        raise FileNotFoundError(f"no such data file: {data_file} ({error})") from None
    except ValueError as error:  # "parse error: file:///…: Parser error between line L column C and …"
        raise FastValidationError(f"the SHACL engine failed: {error}") from None
    return report_graph(report.serialize("ntriples"))


def _as_written(term):
    """The rdflib term of a pyoxigraph term, a typed literal kept as written (rdflib would make "none"^^xsd:boolean a valid false)."""
    import pyoxigraph as ox

    if isinstance(term, ox.Literal) and not term.language and term.datatype.value != XSD_STRING:
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    return rdflib_term(term)


def report_graph(ntriples: str) -> Graph:
    """Return the report graph of the engine's N-Triples, read by pyoxigraph so that values stay as the data wrote them."""
    import pyoxigraph as ox

    graph = Graph()
    for triple in ox.parse(ntriples, ox.RdfFormat.N_TRIPLES):
        graph.add((_as_written(triple.subject), _as_written(triple.predicate), _as_written(triple.object)))
    return graph
