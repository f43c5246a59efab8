"""One import, from an input file and a mapping file to a graph, a report and the counts.

Steps: read the input; check each record (messages name the file, the row and the field);
run the mapping (:mod:`.engine`); merge the records of one place; match the places already in the
graph; give every resource its final IRI; add networks, departments, regions and the dataset's
description. Nothing is written when the import fails (or, with ``strict``, rejects a record).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID
from tqdm import tqdm

from ..namespaces import ID_BASE, PROV, TL, resource_iri
from ..paths import DATA_DIR
from ..rdfio import RDFSyntaxError, canonical_turtle, parse_file, write_atomically
from .assemble import Rewriter, assign_iris
from .checks import check_records
from .dedup import Merge, merge_records, read_same_place_table
from .divisions import add_divisions
from .engine import run_mapping
from .existing import load_existing, source_name
from .issues import REJECTED, ImportFailure, IssueLog
from .likely_duplicates import LikelyDuplicate, Sourced, find_likely_duplicates, sourced
from .likely_duplicates import report_csv as duplicates_csv
from .mapping import Mapping, load_mapping
from .matching import Match, match_existing, read_overrides, report_csv
from .networks import Network, find_networks
from .records import existing_places, record_places
from .sources import read_table
from .text import slugify


@dataclass
class ImportResult:
    """What one import produced and found."""

    mapping: Mapping
    graph: Graph
    log: IssueLog
    read: int
    imported: int
    merged: int
    rejected: int
    merges: list[Merge] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    #: this import's places that bear the name of another place already in data/ and were kept apart from it
    duplicates: list[LikelyDuplicate] = field(default_factory=list)

    def counts_line(self) -> str:
        """The closing line: read = imported + merged + rejected."""
        return (f"{self.read} records read = {self.imported} places imported + {self.merged} merged into another "
                f"+ {self.rejected} rejected")


def _dataset(mapping: Mapping) -> tuple[Graph, URIRef | None]:
    path = mapping.relative("dataset")
    if path is None:
        return Graph(), None
    try:
        graph = parse_file(path)
    except RDFSyntaxError as error:
        raise ImportFailure(f"the dataset description cannot be read: {error}") from None
    datasets = sorted(graph.subjects(RDF.type, VOID.Dataset), key=str)
    return graph, (datasets[0] if datasets else None)


def _add_networks(graph: Graph, networks: list[Network], dataset: URIRef | None, existing: Graph) -> None:
    for network in networks:
        iri = resource_iri("community", slugify(network.name))
        if (iri, None, None) in existing and (iri, RDF.type, TL.Network) not in existing:
            iri = resource_iri("community", slugify(network.name) + "-network")
        graph.add((iri, RDF.type, TL.Network))
        graph.add((iri, RDF.type, TL.Community))
        graph.add((iri, RDFS.label, Literal(network.name, lang="fr")))
        graph.add((iri, RDFS.label, Literal(network.name, lang="en")))
        if dataset is not None:
            graph.add((iri, PROV.wasDerivedFrom, dataset))
            graph.add((iri, DCTERMS.source, dataset))
        for member in network.members:
            graph.add((member, TL.partOfNetwork, iri))


def _derive_shared(graph: Graph, dataset: URIRef) -> None:
    """Give every resource the import describes without a source (communes, departments, regions,
    métropoles) ``prov:wasDerivedFrom`` the dataset; a place's own parts take the place's provenance."""
    own_parts = tuple(str(resource_iri(kind, "")) for kind in ("address", "geometry", "account"))
    for subject in set(graph.subjects()):
        if (isinstance(subject, URIRef) and str(subject).startswith(ID_BASE) and not str(subject).startswith(own_parts)
                and (subject, DCTERMS.source, None) not in graph and (subject, PROV.wasDerivedFrom, None) not in graph):
            graph.add((subject, PROV.wasDerivedFrom, dataset))


def run_import(mapping_path: Path, input_path: Path, *, data_dir: Path = DATA_DIR, encoding: str = "utf-8",
               strict: bool = False, progress: bool = False) -> ImportResult:
    """Run one import and return its result (nothing is written: see :func:`write_result`)."""
    mapping = load_mapping(mapping_path)
    input_path = Path(input_path)
    table = read_table(input_path, mapping, encoding)
    log = IssueLog(input_path)
    show = progress or sys.stderr.isatty()
    records = tqdm(table.records, desc="checking records", unit="record", disable=not show, file=sys.stderr, leave=False)
    accepted = check_records(table, mapping, log, records)
    rejected = len(table.records) - len(accepted)
    if strict and rejected:
        raise ImportFailure(f"--strict: {rejected} record(s) rejected; nothing written")
    raw = run_mapping(mapping, table, accepted)
    output = data_dir / str(mapping.profile["output"])
    found = load_existing(mapping, data_dir, output)
    existing = found.graph
    already = existing_places(existing)
    order = {str(r.get(mapping.record_id)).strip(): i for i, r in enumerate(accepted)}
    places = record_places(raw, order)
    groups, merges = merge_records(places, read_same_place_table(mapping.relative("same-place")))
    matches = match_existing(groups, already, read_overrides(mapping.relative("match-overrides")),
                             str(input_path), progress=lambda places: tqdm(
                                 places, desc="matching existing places", unit="place", disable=not show,
                                 file=sys.stderr, leave=False))
    matched = {id(m.group): m.existing for m in matches if m.group is not None}
    taken = {str(s).rsplit("/", 1)[-1] for s in existing.subjects() if str(s).startswith(str(resource_iri("place", "")))}
    finals = assign_iris(groups, matched, taken, mapping.name)
    rewriter = Rewriter(raw, {s for s in existing.subjects() if isinstance(s, URIRef)}, mapping.name)
    for group in tqdm(groups, desc="assembling places", unit="place", disable=not show, file=sys.stderr, leave=False):
        rewriter.add_group(group, finals[id(group)])
    graph = rewriter.finish()
    dataset_graph, dataset = _dataset(mapping)
    networks = []
    if mapping.profile.get("networks"):
        networks = find_networks([(g[0], finals[id(g)].iri) for g in groups])
        _add_networks(graph, networks, dataset, existing)
    add_divisions(graph, log)
    graph += dataset_graph
    if dataset is not None:
        graph.add((dataset, VOID.entities, Literal(len(groups))))
        _derive_shared(graph, dataset)
    own = source_name(output, data_dir)
    duplicates = find_likely_duplicates([Sourced(p, own) for p in existing_places(graph)], sourced(found, already))
    return ImportResult(mapping, graph, log, len(table.records), len(groups), len(merges), rejected, merges, matches,
                        networks, duplicates)


def _places_in(path: Path) -> int:
    """Return how many third places the Turtle file ``path`` describes (0 when it cannot be read)."""
    try:
        return len(set(parse_file(path).subjects(RDF.type, TL.ThirdPlace)))
    except RDFSyntaxError:
        return 0


def check_replacement(result: ImportResult, target: Path, force: bool = False) -> None:
    """Refuse an import that would write nothing useful, or replace a better output (raises :class:`ImportFailure`).

    Every record rejected: always refused (the previous output stays). Fewer places than the file
    ``target`` already describes: refused unless ``force``, since a truncated or wrong export would
    otherwise silently remove places from the graph.
    """
    if result.read and not result.imported:
        raise ImportFailure(f"every record of {result.log.path} was rejected ({result.rejected} of {result.read}); "
                            f"nothing written, {target} left as it was: see the rejections above")
    new = len(set(result.graph.subjects(RDF.type, TL.ThirdPlace)))
    old = _places_in(target) if target.is_file() else 0
    if new < old and not force:
        raise ImportFailure(f"{target} describes {old} places and this import {new}: not replaced, since a worse "
                            f"output would remove places from the graph; check the input, or pass --force to replace it")


def duplicates_path(report: Path) -> Path:
    """Return where the likely duplicates report goes: beside the match report ``report``, named after it
    (``census/curated-matches.csv`` → ``census/curated-likely-duplicates.csv``)."""
    return report.with_name(report.stem.removesuffix("-matches") + "-likely-duplicates.csv")


def write_result(result: ImportResult, data_dir: Path = DATA_DIR, output: Path | None = None, force: bool = False) -> list[Path]:
    """Write the import's Turtle (canonical), its match report and, beside it, its likely duplicates report
    (:func:`duplicates_path`); return the files written.

    Raises :class:`ImportFailure` (nothing written) when :func:`check_replacement` refuses the import.
    """
    target = output or data_dir / str(result.mapping.profile["output"])
    check_replacement(result, target, force)
    written = [target]
    write_atomically(target, canonical_turtle(result.graph))
    report = result.mapping.profile.get("matches-report")
    if output is not None:
        report_path = target.with_name(target.stem + "-matches.csv")
    elif report:
        report_path = data_dir / str(report)
    else:
        return written
    write_atomically(report_path, report_csv(result.matches))
    write_atomically(duplicates_path(report_path), duplicates_csv(result.duplicates))
    return [*written, report_path, duplicates_path(report_path)]


__all__ = ["ImportResult", "REJECTED", "run_import", "write_result"]
