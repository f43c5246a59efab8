"""What an export holds: the whole graph, one named graph, or the places only."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from ..build.builder import dataset_union, load_dataset
from ..build.sources import all_source_files
from ..namespaces import GEO, TL, bind_prefixes, graph_iri
from ..paths import DATA_DIR, ONTOLOGY_DIR

#: Links from a place to resources that describe it alone and travel with it in a places-only export.
OWN_RESOURCES = (TL.address, GEO.hasGeometry, TL.socialAccount)


def load(graph: str | None = None, *, data_dir: Path = DATA_DIR, ontology_dir: Path = ONTOLOGY_DIR) -> Dataset:
    """Load the graph's sources into named graphs; with ``graph`` (``census/cget-2019``), that named graph only."""
    files = all_source_files(data_dir=data_dir, ontology_dir=ontology_dir)
    if graph is not None:
        wanted = graph_iri(graph)
        files = [f for f in files if f.graph == wanted]
        if not files:
            known = sorted({str(f.graph).removeprefix(str(graph_iri(""))) for f in all_source_files(data_dir=data_dir, ontology_dir=ontology_dir)})
            raise KeyError(f"no named graph {graph!r}; known: {', '.join(known)}")
    return load_dataset(files)


def places(dataset: Dataset) -> Graph:
    """Return the places of ``dataset`` (every tl:ThirdPlace) with all their triples and those of their own resources."""
    union = dataset_union(dataset)
    out = bind_prefixes(Graph())
    for place in set(union.subjects(RDF.type, TL.ThirdPlace)):
        for triple in union.triples((place, None, None)):
            out.add(triple)
        for link in OWN_RESOURCES:
            for resource in union.objects(place, link):
                if isinstance(resource, URIRef):
                    for triple in union.triples((resource, None, None)):
                        out.add(triple)
    return out
