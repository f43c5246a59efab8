"""The provisional resources a mapping produces, read back from its graph.

A mapping names the resources of a record ``urn:tierslieux:record:{id}`` (the place),
``urn:tierslieux:record:{id}:{kind}`` or ``…:{kind}/{qualifier}`` (a resource of that place only:
geometry, address, account/twitter) and ``…:shared/{kind}`` (a resource places share: commune,
metropolis). This module reads what the importer needs to merge, match and name them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from ..matching.geo import distance_km
from ..matching.names import compact_key, website_host
from ..namespaces import TL, WGS84
from .text import words

PREFIX = "urn:tierslieux:record:"


def record_of(node: object) -> tuple[str, str | None] | None:
    """Return (record id, part) of a provisional IRI (part None for the place itself), or None."""
    text = str(node)
    if not isinstance(node, URIRef) or not text.startswith(PREFIX):
        return None
    rest = text[len(PREFIX):]
    ident, _, part = rest.partition(":")
    return unquote(ident), (part or None)


def french_label(graph: Graph, node: URIRef) -> str | None:
    """Return a resource's French label (or any label), the smallest when there are several."""
    labels = sorted(str(o) for o in graph.objects(node, RDFS.label) if isinstance(o, Literal) and o.language == "fr")
    labels = labels or sorted(str(o) for o in graph.objects(node, RDFS.label))
    return labels[0] if labels else None


def _float(graph: Graph, node: URIRef, predicate: URIRef) -> float | None:
    value = graph.value(node, predicate)
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


def distance_m(a: Place, b: Place) -> float | None:
    """Return the distance in metres between two places (None when one has no position)."""
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return None
    return 1000.0 * distance_km((a.lat, a.lon), (b.lat, b.lon))


def website_domain(url: str | None) -> str | None:
    """Return a website's host without ``www.`` (``http://www.la-cordee.net/x`` → ``la-cordee.net``)."""
    return (website_host(url) or None) if url else None


@dataclass
class Place:
    """A place as a record (or an existing resource) describes it: what merging and matching compare."""

    node: URIRef
    record: str | None
    order: int
    name: str
    commune_code: str | None = None
    commune_name: str | None = None
    postcode: str | None = None
    street: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: float | None = None
    website: str | None = None
    names: list[str] = field(default_factory=list)
    #: In a locality that has no INSEE code: not a French commune.
    abroad: bool = False

    @property
    def key(self) -> str:
        """The name key, the commune's name at its end dropped (see :func:`tierslieux.matching.names.compact_key`)."""
        return compact_key(self.name, self.commune_name)

    @property
    def keys(self) -> set[str]:
        """The name keys of every name the place bears, with and without the commune's name at the end."""
        names = self.names or [self.name]
        return {compact_key(n, self.commune_name) for n in names} | {compact_key(n) for n in names}

    @property
    def where(self) -> str:
        """The commune's name (or "commune unknown")."""
        return self.commune_name or "commune unknown"


def _commune(graph: Graph, place: URIRef) -> tuple[str | None, str | None, bool]:
    for locality in sorted(graph.objects(place, TL.locality), key=str):
        code = graph.value(locality, TL.inseeCode)
        return (str(code) if code is not None else None), french_label(graph, locality), code is None
    return None, None, False


def _address(graph: Graph, place: URIRef) -> tuple[str | None, str | None]:
    for address in sorted(graph.objects(place, TL.address), key=str):
        street = graph.value(address, TL.streetAddress)
        postcode = graph.value(address, TL.postalCode)
        return (words(str(street)) if street else None), (str(postcode) if postcode else None)
    return None, None


def describe(graph: Graph, node: URIRef, record: str | None, order: int) -> Place | None:
    """Read what merging and matching need about one place of ``graph``; None when it has no name."""
    name = french_label(graph, node)
    if name is None:
        return None
    code, commune, abroad = _commune(graph, node)
    street, postcode = _address(graph, node)
    website = graph.value(node, TL.website)
    names = sorted({str(o) for o in graph.objects(node, RDFS.label)})
    return Place(node, record, order, name, code, commune, postcode, street,
                 _float(graph, node, WGS84.lat), _float(graph, node, WGS84.long),
                 _float(graph, node, TL.geocodingPrecision), str(website) if website else None, names, abroad)


def record_places(graph: Graph, order: dict[str, int]) -> list[Place]:
    """Return the places of a mapping's output (``urn:tierslieux:record:{id}`` typed tl:ThirdPlace), in file order."""
    found = []
    for node in set(graph.subjects(RDF.type, TL.ThirdPlace)):
        parsed = record_of(node)
        if parsed and parsed[1] is None:
            place = describe(graph, node, parsed[0], order.get(parsed[0], 0))
            if place is not None:
                found.append(place)
    return sorted(found, key=lambda p: (p.order, p.record or ""))


def existing_places(graph: Graph) -> list[Place]:
    """Return the places already in the graph (every tl:ThirdPlace or subclass instance with a label)."""
    classes = {TL.ThirdPlace} | set(graph.subjects(RDFS.subClassOf, TL.ThirdPlace))
    nodes = {s for cls in classes for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef)}
    found = [describe(graph, node, None, 0) for node in sorted(nodes, key=str)]
    return [p for p in found if p is not None]
