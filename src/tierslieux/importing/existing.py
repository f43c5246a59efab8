"""The places already in data/: which files an import is matched against, read once, with the source of each place.

An import matches its records against every place already in ``data/`` (``match-against: all``,
the default: census, curated data and every earlier import) or against the folders its profile
names (:func:`match_files`). The files are read into one graph, the union the matcher compares
against; each file's named graph (``tlg:census/cget-2019``, the name the build gives it) is kept
for every resource it describes, so that a report can say where a place comes from. The likely
duplicates report of the whole data folder reads ``data/`` the same way (:func:`read_data_folder`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from ..build.sources import graph_for
from ..namespaces import short_name
from ..paths import turtle_files
from ..rdfio import RDFSyntaxError, parse_file
from .issues import ImportFailure
from .mapping import Mapping

#: what ``match-against`` means when a profile says nothing: every place already in data/ (census, curated data
#: and every earlier import under networks/), so that two imports of overlapping exports give one place per real place
MATCH_AGAINST_ALL = "all"


@dataclass
class Existing:
    """The union of some source files, and for each resource the sources (named graphs) that describe it."""

    graph: Graph = field(default_factory=Graph)
    sources: dict[URIRef, list[str]] = field(default_factory=dict)

    def sources_of(self, node: URIRef) -> str:
        """Return the sources describing ``node``, separated by spaces (``tlg:census/cget-2019 tlg:curated/seed-000``)."""
        return " ".join(self.sources.get(node, []))


def source_name(path: Path, data_dir: Path) -> str:
    """Return the named graph a file of ``data_dir`` is built into (``tlg:census/cget-2019``), or the file's path
    when it lies outside ``data_dir`` (an import written with ``--out``)."""
    try:
        return short_name(graph_for(path, data_dir=data_dir))
    except ValueError:
        return str(path)


def match_files(mapping: Mapping, data_dir: Path, output: Path) -> list[Path]:
    """Return the Turtle files an import is matched against: the profile's ``match-against`` folders of data/
    (``all``, the default, means every file of data/), never the import's own output."""
    folders = mapping.profile.get("match-against", MATCH_AGAINST_ALL)
    roots = [data_dir] if folders == MATCH_AGAINST_ALL else [data_dir / str(folder) for folder in folders]
    files = sorted({path for root in roots for path in turtle_files(root)})
    return [path for path in files if path.resolve() != output.resolve()]


def read_files(files: list[Path], data_dir: Path) -> Existing:
    """Read ``files`` (Turtle, under ``data_dir``) into one graph, noting which file describes which resource.

    The union is read again only when a file changed (its path, size or modification time): imports run one after
    another in one process (several networks' exports, the tests) read data/ once. The result is shared between
    those calls, so callers only read it. Raises :class:`ImportFailure` naming the file, line and column of a syntax
    error.
    """
    return _read_unchanged(tuple(_file_key(path) for path in files), Path(data_dir))


def _file_key(path: Path) -> tuple[Path, int, int]:
    """What says a file changed: its path, size and modification time (nanoseconds)."""
    stat = Path(path).stat()
    return Path(path), stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=1)
def _read_unchanged(keys: tuple[tuple[Path, int, int], ...], data_dir: Path) -> Existing:
    files = [path for path, _, _ in keys]
    sources: dict[URIRef, list[str]] = {}
    parts = []
    for path in files:
        try:
            part = parse_file(path)
        except RDFSyntaxError as error:
            raise ImportFailure(f"cannot read the graph to match against: {error}") from None
        name = source_name(path, data_dir)
        for subject in set(part.subjects()):
            if isinstance(subject, URIRef):
                sources.setdefault(subject, []).append(name)
        parts.append(part)
    if not parts:
        return Existing(Graph(), sources)
    # Copying triples costs as much as parsing them: the largest file (the census) becomes the union, the others join it.
    union = max(parts, key=len)
    for part in parts:
        if part is not union:
            union += part
    return Existing(union, sources)


def load_existing(mapping: Mapping, data_dir: Path, output: Path) -> Existing:
    """Read the places an import matches against (see :func:`match_files`)."""
    return read_files(match_files(mapping, data_dir, output), data_dir)


def read_data_folder(data_dir: Path) -> Existing:
    """Read every Turtle file of ``data_dir``: every place already in data/, as ``match-against: all`` sees them."""
    return read_files(turtle_files(data_dir), data_dir)
