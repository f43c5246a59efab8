"""What the service says about itself: the SPARQL Service Description and the VoID description of the dataset.

Statistics are computed with SPARQL through the :class:`~tierslieux.stores.base.Store`
interface (so they hold for any store behind it) once per store, and cached
until the store changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..formats import RDF_FORMATS, RESULT_FORMATS, Format
from ..namespaces import ID_BASE, ONTOLOGY_IRI, VOCAB_BASE, resource_iri
from ..stores.base import Store

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
DATASET_IRI = str(resource_iri("dataset", "tiers-lieux"))
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
WIKIDATA_ITEM = ONTOLOGY_IRI + "#wikidataItem"
SOURCE_DOCUMENT = ONTOLOGY_IRI + "#SourceDocument"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"


@dataclass
class Statistics:
    """Counts describing the dataset, computed once per store."""

    triples: int
    graphs: dict[str, int]
    classes: dict[str, int]
    properties: dict[str, int]
    distinct_subjects: int
    distinct_objects: int
    wikidata_links: int
    licenses: list[str] = field(default_factory=list)
    graph_licenses: dict[str, list[str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


def _rows(store: Store, sparql: str) -> list[list[ox.NamedNode | ox.Literal | ox.BlankNode | None]]:
    outcome = store.query(sparql)
    return [[row[v] for v in outcome.variables] for row in outcome.rows]


def _int(term: ox.Literal | None) -> int:
    return int(term.value) if term is not None else 0


def compute_statistics(store: Store) -> Statistics:
    """Count triples per graph, entities per class, triples per property, Wikidata links, licences and sources.

    Counts over the whole dataset are of distinct triples: a triple stated in
    two graphs (two sources saying the same thing) counts once, as in the
    merged graph of the dumps; per-graph counts are the graphs' own sizes.
    """
    graphs = {g.value: _int(n) for g, n in _rows(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    (triples,), = _rows(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    classes = {c.value: _int(n) for c, n in _rows(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c")}
    properties = {
        p.value: _int(n) for p, n in _rows(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } GROUP BY ?p")
    }
    (subjects, objects), = _rows(store, "SELECT (COUNT(DISTINCT ?s) AS ?s_) (COUNT(DISTINCT ?o) AS ?o_) WHERE { ?s ?p ?o }")
    (links,), = _rows(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?item WHERE {{ ?s <{WIKIDATA_ITEM}> ?item }} }}")
    graph_licenses: dict[str, list[str]] = {}
    for g, licence in _rows(store, f"SELECT DISTINCT ?g ?l WHERE {{ GRAPH ?g {{ ?x <{DCT}license> ?l }} FILTER(isIRI(?l)) }} ORDER BY ?g ?l"):
        graph_licenses.setdefault(g.value, []).append(licence.value)
    # Sources are the documents and datasets the data says it comes from (not the census rows each record cites).
    sources = [
        s.value
        for (s,) in _rows(
            store,
            f"SELECT DISTINCT ?s WHERE {{ ?s a ?kind VALUES ?kind {{ <{SOURCE_DOCUMENT}> <{DCAT_DATASET}> }} FILTER(?s != <{DATASET_IRI}>) }} ORDER BY ?s",
        )
    ]
    return Statistics(
        triples=_int(triples),
        graphs=dict(sorted(graphs.items())),
        classes=dict(sorted(classes.items())),
        properties=dict(sorted(properties.items())),
        distinct_subjects=_int(subjects),
        distinct_objects=_int(objects),
        wikidata_links=_int(links),
        licenses=sorted({lic for lics in graph_licenses.values() for lic in lics}),
        graph_licenses=graph_licenses,
        sources=sources,
    )


def format_iri(fmt: Format) -> str:
    """The W3C Unique URI for the format (http://www.w3.org/ns/formats/…)."""
    # pyoxigraph names JSON-LD with an https ".../formats/data/" IRI that is not the registered one.
    return fmt.engine.iri.replace("https://www.w3.org/ns/formats/data/", "http://www.w3.org/ns/formats/")


class _Triples:
    """A small builder of pyoxigraph triples."""

    def __init__(self) -> None:
        self._triples: list[ox.Triple] = []

    @property
    def triples(self) -> list[ox.Triple]:
        """The triples grouped by subject (IRIs first), so Turtle writes one block per subject."""
        order: dict = {}
        for triple in self._triples:
            order.setdefault(triple.subject, (isinstance(triple.subject, ox.BlankNode), len(order)))
        return sorted(self._triples, key=lambda t: order[t.subject])

    def add(self, subject: ox.NamedNode | ox.BlankNode, predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal | str | int) -> None:
        if isinstance(obj, bool) or not isinstance(obj, (int, str)):
            term = obj
        elif isinstance(obj, int):
            term = ox.Literal(str(obj), datatype=XSD_INTEGER)
        else:
            term = ox.NamedNode(obj)
        self._triples.append(ox.Triple(subject, RDF_TYPE if predicate == "a" else ox.NamedNode(predicate), term))


def service_description(endpoint: str, stats: Statistics, *, update_enabled: bool, federated: bool) -> list[ox.Triple]:
    """Describe the endpoint (SPARQL 1.1 Service Description): languages, formats, features, dataset and graphs."""
    out = _Triples()
    service = ox.NamedNode(endpoint)
    out.add(service, "a", SD + "Service")
    out.add(service, SD + "endpoint", endpoint)
    out.add(service, SD + "supportedLanguage", SD + "SPARQL11Query")
    if update_enabled:
        out.add(service, SD + "supportedLanguage", SD + "SPARQL11Update")
    for fmt in RESULT_FORMATS + RDF_FORMATS:
        out.add(service, SD + "resultFormat", format_iri(fmt))
    out.add(service, SD + "feature", SD + "UnionDefaultGraph")
    if federated:
        out.add(service, SD + "feature", SD + "BasicFederatedQuery")
    out.add(service, SD + "defaultEntailmentRegime", "http://www.w3.org/ns/entailment/Simple")
    dataset = ox.NamedNode(DATASET_IRI)
    out.add(service, SD + "defaultDataset", dataset)
    out.add(dataset, "a", SD + "Dataset")
    default_graph = ox.BlankNode()
    out.add(dataset, SD + "defaultGraph", default_graph)
    out.add(default_graph, "a", SD + "Graph")
    out.add(default_graph, DCT + "description", ox.Literal("The union of all named graphs (distinct triples counted).", language="en"))
    out.add(default_graph, VOID + "triples", stats.triples)
    for name, count in stats.graphs.items():
        named = ox.BlankNode()
        graph = ox.BlankNode()
        out.add(dataset, SD + "namedGraph", named)
        out.add(named, "a", SD + "NamedGraph")
        out.add(named, SD + "name", name)
        out.add(named, SD + "graph", graph)
        out.add(graph, "a", SD + "Graph")
        out.add(graph, VOID + "triples", count)
    return out.triples


def void_description(endpoint: str, stats: Statistics, dump_urls: list[str]) -> list[ox.Triple]:
    """Describe the dataset in VoID: statistics, class and property partitions, graphs, Wikidata links, licences, sources."""
    out = _Triples()
    dataset = ox.NamedNode(DATASET_IRI)
    out.add(dataset, "a", VOID + "Dataset")
    out.add(dataset, DCT + "title", ox.Literal("Le graphe de connaissances des tiers-lieux", language="fr"))
    out.add(dataset, DCT + "title", ox.Literal("The tiers-lieux knowledge graph", language="en"))
    out.add(dataset, VOID + "sparqlEndpoint", endpoint)
    out.add(dataset, VOID + "uriSpace", ox.Literal(ID_BASE))
    out.add(dataset, VOID + "vocabulary", ONTOLOGY_IRI + "#")
    out.add(dataset, VOID + "vocabulary", VOCAB_BASE)
    for url in dump_urls:
        out.add(dataset, VOID + "dataDump", url)
    out.add(dataset, VOID + "triples", stats.triples)
    out.add(dataset, VOID + "classes", len(stats.classes))
    out.add(dataset, VOID + "properties", len(stats.properties))
    out.add(dataset, VOID + "distinctSubjects", stats.distinct_subjects)
    out.add(dataset, VOID + "distinctObjects", stats.distinct_objects)
    for licence in stats.licenses:
        out.add(dataset, DCT + "license", licence)
    for source in stats.sources:
        out.add(dataset, DCT + "source", source)
    for class_iri, entities in stats.classes.items():
        partition = ox.BlankNode()
        out.add(dataset, VOID + "classPartition", partition)
        out.add(partition, VOID + "class", class_iri)
        out.add(partition, VOID + "entities", entities)
    for property_iri, triples in stats.properties.items():
        partition = ox.BlankNode()
        out.add(dataset, VOID + "propertyPartition", partition)
        out.add(partition, VOID + "property", property_iri)
        out.add(partition, VOID + "triples", triples)
    for name, count in stats.graphs.items():
        subset = ox.NamedNode(name)
        out.add(dataset, VOID + "subset", subset)
        out.add(subset, "a", VOID + "Dataset")
        out.add(subset, SD + "name", name)
        out.add(subset, VOID + "triples", count)
        for licence in stats.graph_licenses.get(name, []):
            out.add(subset, DCT + "license", licence)
    linkset = ox.BlankNode()
    wikidata = ox.NamedNode("http://www.wikidata.org/")
    out.add(dataset, VOID + "subset", linkset)
    out.add(linkset, "a", VOID + "Linkset")
    out.add(linkset, VOID + "subjectsTarget", dataset)
    out.add(linkset, VOID + "objectsTarget", wikidata)
    out.add(linkset, VOID + "linkPredicate", WIKIDATA_ITEM)
    out.add(linkset, VOID + "triples", stats.wikidata_links)
    out.add(wikidata, "a", VOID + "Dataset")
    out.add(wikidata, VOID + "uriSpace", ox.Literal(WIKIDATA_ENTITY))
    return out.triples
