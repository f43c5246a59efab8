"""Our places, read from the repository's Turtle (census and curated data), in the form the linker compares."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SDO, SKOS

from ..matching.geo import parse_wkt_point
from ..namespaces import GEO, ID_BASE, LIFE_CYCLE, PLACE_KIND, TL, WGS84
from ..paths import DATA_DIR, turtle_files
from ..rdfio import parse_file

#: The folders of data/ the linker reads places from.
PLACE_FOLDERS = ("census", "curated")
_KIND_PREFIX = str(PLACE_KIND._NS)


@dataclass(frozen=True)
class Place:
    """One of our places, with what the scorer compares."""

    iri: str
    labels: tuple[str, ...]
    kinds: tuple[str, ...] = ()
    coordinates: tuple[float, float] | None = None  # (latitude, longitude)
    insee: str | None = None
    commune: str | None = None
    websites: tuple[str, ...] = ()
    closed: bool = False
    founding: Literal | None = None
    sources: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """The place's French name (its first label)."""
        return self.labels[0]


def default_place_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Return the Turtle files the places are read from: ``data/census/*.ttl`` and ``data/curated/*.ttl``."""
    return [p for folder in PLACE_FOLDERS for p in turtle_files(data_dir / folder)]


def load_graph(files: list[Path]) -> Graph:
    """Parse ``files`` into one graph (errors name the file, line and column)."""
    graph = Graph()
    for path in files:
        parse_file(path, graph)
    return graph


def _labels(graph: Graph, node) -> tuple[str, ...]:
    labels = list(graph.objects(node, RDFS.label))
    french = [str(x) for x in labels if isinstance(x, Literal) and x.language == "fr"]
    others = [str(x) for x in labels if isinstance(x, Literal) and x.language != "fr"]
    return tuple(dict.fromkeys(french + others))


def _decimal(value) -> float | None:
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _coordinates(graph: Graph, place) -> tuple[float, float] | None:
    lat, lon = graph.value(place, WGS84.lat), graph.value(place, WGS84.long)
    if lat is not None and lon is not None:
        lat_f, lon_f = _decimal(lat), _decimal(lon)
        if lat_f is not None and lon_f is not None:
            return lat_f, lon_f
    for geometry in graph.objects(place, GEO.hasGeometry):
        for wkt in graph.objects(geometry, GEO.asWKT):
            point = parse_wkt_point(str(wkt))
            if point:
                return point
    return None


def _commune(graph: Graph, place) -> tuple[str | None, str | None]:
    for locality in graph.objects(place, TL.locality):
        code = graph.value(locality, TL.inseeCode)
        labels = _labels(graph, locality)
        if code is not None or labels:
            return (str(code) if code is not None else None), (labels[0] if labels else None)
    code = graph.value(place, TL.inseeCode)
    return (str(code) if code is not None else None), None


def read_place(graph: Graph, node: URIRef) -> Place | None:
    """Return the :class:`Place` described at ``node``, or None when it has no name to compare."""
    labels = _labels(graph, node)
    if not labels:
        return None
    kinds = tuple(
        sorted(str(k)[len(_KIND_PREFIX) :] for k in graph.objects(node, TL.placeKind) if str(k).startswith(_KIND_PREFIX))
    )
    insee, commune = _commune(graph, node)
    websites = tuple(sorted(str(w) for w in graph.objects(node, TL.website)))
    closed = (node, TL.status, LIFE_CYCLE["ferme"]) in graph or graph.value(node, TL.closingDate) is not None
    founding = graph.value(node, TL.foundingDate)
    sources = tuple(sorted({str(s) for p in (PROV.wasDerivedFrom, DCTERMS.source) for s in graph.objects(node, p)}))
    return Place(
        iri=str(node),
        labels=labels,
        kinds=kinds,
        coordinates=_coordinates(graph, node),
        insee=insee,
        commune=commune,
        websites=websites,
        closed=closed,
        founding=founding if isinstance(founding, Literal) else None,
        sources=sources,
    )


def read_places(graph: Graph) -> list[Place]:
    """Return every ``tl:ThirdPlace`` of ``graph`` that has a name, sorted by IRI."""
    nodes = sorted({s for s in graph.subjects(RDF.type, TL.ThirdPlace) if isinstance(s, URIRef)}, key=str)
    return [p for p in (read_place(graph, n) for n in nodes) if p is not None]


def kind_label(graph: Graph, kind: str) -> str | None:
    """Return the French preferred label of a place kind when the graph holds the vocabulary, else None."""
    for label in graph.objects(PLACE_KIND[kind], SKOS.prefLabel):
        if isinstance(label, Literal) and label.language == "fr":
            return str(label)
    return None


#: Properties that may give the web address of a source dataset or document, in order of preference.
_PAGE_PROPERTIES = (DCAT.landingPage, FOAF.page, FOAF.homepage, SDO.url, DCTERMS.source, PROV.wasDerivedFrom)


def reference_url(graph: Graph, source: str, _seen: frozenset[str] = frozenset()) -> str | None:
    """Return a public web address (http/https, not one of ours) for a source of a place, or None.

    A row of a dataset (``…#row-12`` or a resource ``dct:isPartOf`` its dataset) is
    followed to the dataset; the dataset's landing page is preferred.
    """
    if source.startswith(("http://", "https://")) and not source.startswith(ID_BASE):
        return source
    if source in _seen:
        return None
    node = URIRef(source)
    seen = _seen | {source}
    for prop in _PAGE_PROPERTIES:
        for value in sorted(graph.objects(node, prop), key=str):
            if isinstance(value, URIRef):
                found = reference_url(graph, str(value), seen)
                if found:
                    return found
    for parent in sorted(graph.objects(node, DCTERMS.isPartOf), key=str):
        found = reference_url(graph, str(parent), seen)
        if found:
            return found
    if "#" in source:
        return reference_url(graph, source.split("#", 1)[0], seen)
    return None
