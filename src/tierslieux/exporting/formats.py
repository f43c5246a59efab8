"""The export formats: each a function from the selected data to text."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph

from ..build.builder import dataset_union
from ..formats import RDF_BY_KEY
from ..namespaces import bind_prefixes
from ..rdfio import canonical_turtle
from .tables import to_csv, to_geojson

CONTEXT_FILE = Path(__file__).with_name("context.jsonld")
#: Where the JSON-LD context is published (w3id redirects there; the export also embeds it).
CONTEXT_IRI = "https://w3id.org/tiers-lieux/context.jsonld"


def context() -> dict:
    """Return the compact JSON-LD context: short names for the properties of places."""
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def _sorted_lines(text: str) -> str:
    return "".join(sorted(line + "\n" for line in text.splitlines() if line.strip()))


def _jsonld(graph: Graph) -> str:
    return graph.serialize(format="json-ld", context=context(), auto_compact=True, indent=1, sort_keys=True)


@dataclass(frozen=True)
class ExportFormat:
    """An export format: its name, file suffix and whether it keeps the named graphs."""

    name: str
    suffix: str
    write: Callable[[Dataset, Graph], str]
    quads: bool = False
    table: bool = False  # one record per place, read from the whole graph (communes, regions, networks' names)


def _rdf(key: str, write: Callable[[Dataset, Graph], str]) -> ExportFormat:
    """An RDF export named and suffixed as the format registry says."""
    fmt = RDF_BY_KEY[key]
    return ExportFormat(fmt.param, fmt.suffix, write, quads=fmt.dataset)


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    _rdf("ttl", lambda ds, g: canonical_turtle(g)),
    _rdf("nt", lambda ds, g: _sorted_lines(g.serialize(format="nt"))),
    _rdf("nq", lambda ds, g: _sorted_lines(ds.serialize(format="nquads"))),
    _rdf("trig", lambda ds, g: bind_prefixes(ds).serialize(format="trig")),
    _rdf("jsonld", lambda ds, g: _jsonld(g)),
    _rdf("rdf", lambda ds, g: g.serialize(format="xml")),
    ExportFormat("geojson", ".geojson", lambda ds, g: to_geojson(g), table=True),
    ExportFormat("csv", ".csv", lambda ds, g: to_csv(g), table=True),
)}


def export(dataset: Dataset, fmt: str, places_graph: Graph | None = None) -> str:
    """Return ``dataset`` (or, when given, ``places_graph``) in the format ``fmt``."""
    chosen = FORMATS[fmt]
    if chosen.table:
        # a table has places only anyway; their communes, departments, regions and networks are named outside
        # the places-only selection, which once left those columns empty with --places
        return chosen.write(dataset, dataset_union(dataset))
    graph = places_graph if places_graph is not None else dataset_union(dataset)
    if places_graph is not None and chosen.quads:
        only = Dataset()
        bind_prefixes(only)
        for s, p, o, g in dataset.quads((None, None, None, None)):
            if (s, p, o) in places_graph:
                only.graph(g).add((s, p, o))
        dataset = only
    return chosen.write(dataset, graph)
