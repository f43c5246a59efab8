"""The dump files of a release, written by Oxigraph itself from an in-memory copy of the dataset.

The sources are parsed into an in-memory Oxigraph store, one named graph per
source file. Blank nodes get canonical labels (RDFC-1.0 over the quads that
mention a blank node), so that two builds of the same sources write
byte-identical dumps: Oxigraph gives every parsed blank node a random label,
and its in-memory store returns quads in the order they were added. The
dataset formats (TriG, N-Quads) are dumped as they are; the triple formats
(Turtle, N-Triples, JSON-LD, RDF/XML) hold the union of the named graphs, a
triple stated by several sources once. No quad passes through Python except
those with a blank node, which are relabelled.

Order of the dumps: source files in their stable order, each file's triples in
the order written (the sources are canonical Turtle, sorted by subject), then
the triples with a blank node, sorted. A triple of the union comes where its
first source puts it.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import Executor, Future, wait
from pathlib import Path

import pyoxigraph as ox

from ..formats import RDF_FORMATS
from ..namespaces import PREFIXES
from ..rdfio import RDFSyntaxError
from ..release import DUMP_BASENAME
from .sources import SourceFile

#: dump file suffix -> (pyoxigraph format, whether the file holds the whole dataset with its named graphs):
#: every RDF format of the registry, the dataset formats first
DUMP_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    f.key: (f.engine, f.dataset) for f in sorted(RDF_FORMATS, key=lambda f: not f.dataset)
}
#: formats written with the project's prefixes (the others have none, or none kept)
PREFIXED_FORMATS = tuple(f.engine for f in RDF_FORMATS if f.prefixed)

_BLANK_QUADS = "WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?s) || isBlank(?o)) }"
_OXIGRAPH_POSITION = re.compile(r"^Parser error at line \d+ (?:column \d+|between columns \d+ and \d+): ")


def oxigraph_syntax_error(path: Path, error: SyntaxError) -> RDFSyntaxError:
    """Return Oxigraph's ``SyntaxError`` about ``path`` as an :class:`RDFSyntaxError` with its line and column."""
    reason = _OXIGRAPH_POSITION.sub("", error.msg or str(error))
    return RDFSyntaxError(path, error.lineno, error.offset, reason)


def load_sources(files: list[SourceFile], store: ox.Store | None = None) -> ox.Store:
    """Parse every source file into its named graph of ``store`` (a new in-memory store when None).

    Files are read one after the other (``load``, not the parallel ``bulk_load``), which
    keeps the in-memory store's order of quads, and so the dumps, the same from build to
    build. Raises :class:`RDFSyntaxError` naming the file, line and column.
    """
    store = store if store is not None else ox.Store()
    for source in files:
        try:
            store.load(path=str(source.path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(source.graph))
        except SyntaxError as error:
            raise oxigraph_syntax_error(source.path, error) from None
        except OSError as error:
            raise RDFSyntaxError(source.path, None, None, f"cannot read the file ({error.strerror or error})") from None
    return store


def _nquad_key(quad: ox.Quad) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} {quad.graph_name}"


def canonicalize_blank_nodes(store: ox.Store) -> int:
    """Give the blank nodes of ``store`` their RDFC-1.0 canonical labels; return how many quads were relabelled.

    Only the quads that mention a blank node are read into Python; they are
    replaced by their canonical form, added in sorted order.
    """
    blank = ox.Dataset(ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in store.query(f"SELECT ?s ?p ?o ?g {_BLANK_QUADS}"))
    if not len(blank):
        return 0
    blank.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    store.update(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} {_BLANK_QUADS}")
    store.extend(sorted(blank, key=_nquad_key))
    return len(blank)


def graph_sizes(store: ox.Store) -> dict[str, int]:
    """Return the number of triples of each named graph of ``store``, by graph IRI, sorted."""
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return dict(sorted((row["g"].value, int(row["n"].value)) for row in rows))


def file_info(path: Path) -> dict:
    """Return the size and SHA-256 of a file, as the manifest lists them."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def write_dumps(store: ox.Store, dumps_dir: Path, executor: Executor | None = None,
                superseded: list[ox.Triple] = ()) -> dict[str, dict]:
    """Write every dump of :data:`DUMP_FORMATS` from the in-memory ``store`` into ``dumps_dir``; return their sizes and checksums.

    ``store`` holds the dataset in named graphs and an empty default graph; the
    union of its named graphs is added to its default graph, from which the
    triple formats are written (so ``store`` is changed: it is meant to be dropped after).
    With an ``executor``, the dumps of each kind are written side by side (Oxigraph
    releases the GIL while it writes); every one is finished before this returns or raises.
    The ``superseded`` triples (values the resolution policy did not choose,
    :mod:`.resolve`) stay in the dataset formats, in their source graphs, and are
    left out of the triple formats, which hold the resolved view.
    """
    dumps_dir.mkdir(parents=True)
    infos: dict[str, dict] = {}
    # The dataset formats first, while the default graph is empty.
    infos.update(_dump_all(store, dumps_dir, [s for s, (_, whole) in DUMP_FORMATS.items() if whole], executor))
    # A set: the default graph holds each triple once, whatever the number of sources stating it.
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    for triple in superseded:
        store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
    infos.update(_dump_all(store, dumps_dir, [s for s, (_, whole) in DUMP_FORMATS.items() if not whole], executor))
    return {f"{DUMP_BASENAME}.{suffix}": infos[suffix] for suffix in DUMP_FORMATS}


def _dump_all(store: ox.Store, dumps_dir: Path, suffixes: list[str], executor: Executor | None) -> dict[str, dict]:
    if executor is None:
        return {suffix: _dump(store, dumps_dir, suffix) for suffix in suffixes}
    futures: dict[str, Future] = {suffix: executor.submit(_dump, store, dumps_dir, suffix) for suffix in suffixes}
    wait(futures.values())  # all of them, so that none is still writing when a failure is raised
    return {suffix: future.result() for suffix, future in futures.items()}


def _dump(store: ox.Store, dumps_dir: Path, suffix: str) -> dict:
    rdf_format, whole_dataset = DUMP_FORMATS[suffix]
    path = dumps_dir / f"{DUMP_BASENAME}.{suffix}"
    graph = {} if whole_dataset else {"from_graph": ox.DefaultGraph()}
    store.dump(str(path), rdf_format, **graph, **_prefixes(rdf_format))
    return file_info(path)


def _prefixes(rdf_format: ox.RdfFormat) -> dict:
    return {"prefixes": dict(PREFIXES)} if rdf_format in PREFIXED_FORMATS else {}
