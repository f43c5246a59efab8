"""Places as plain records, for GeoJSON and CSV: one dict per place with its main properties.

The columns (``COLUMNS``) are documented in ``docs/exports.md``; a multi-valued property is a
list (GeoJSON) or its values joined by `` | `` (CSV).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from ..namespaces import TL, WGS84

COLUMNS = ("id", "name", "kinds", "website", "street", "postcode", "commune", "insee", "department", "region",
           "latitude", "longitude", "networks", "identifiers", "sources")
_MULTI = {"kinds", "networks", "identifiers", "sources"}


def _label(graph: Graph, node) -> str | None:
    labels = sorted(str(o) for o in graph.objects(node, RDFS.label) if isinstance(o, Literal) and o.language == "fr")
    labels = labels or sorted(str(o) for o in graph.objects(node, RDFS.label))
    return labels[0] if labels else None


def _first(values) -> object:
    values = sorted(values, key=str)
    return values[0] if values else None


def place_record(graph: Graph, place: URIRef) -> dict:
    """Return one place's main properties (``COLUMNS``), read from ``graph`` (the union of the named graphs)."""
    address = _first(graph.objects(place, TL.address))
    commune = _first(graph.objects(place, TL.locality))
    department = _first(graph.objects(commune, TL.department)) if commune is not None else None
    department = department or _first(graph.objects(place, TL.department))
    region = _first(graph.objects(department, TL.region)) if department is not None else None
    lat, lon = _first(graph.objects(place, WGS84.lat)), _first(graph.objects(place, WGS84.long))
    website = _first(graph.objects(place, TL.website))
    return {
        "id": str(place),
        "name": _label(graph, place),
        "kinds": sorted(str(k).rsplit("/", 1)[-1] for k in graph.objects(place, TL.placeKind)),
        "website": str(website) if website is not None else None,
        "street": str(_first(graph.objects(address, TL.streetAddress)) or "") or None if address is not None else None,
        "postcode": str(_first(graph.objects(address, TL.postalCode)) or "") or None if address is not None else None,
        "commune": _label(graph, commune) if commune is not None else None,
        "insee": str(_first(graph.objects(commune, TL.inseeCode)) or "") or None if commune is not None else None,
        "department": _label(graph, department) if department is not None else None,
        "region": _label(graph, region) if region is not None else None,
        "latitude": float(Decimal(str(lat))) if lat is not None else None,
        "longitude": float(Decimal(str(lon))) if lon is not None else None,
        "networks": sorted(filter(None, (_label(graph, n) for n in graph.objects(place, TL.partOfNetwork)))),
        "identifiers": sorted(str(i) for i in graph.objects(place, DCTERMS.identifier)),
        "sources": sorted(str(s) for s in graph.objects(place, DCTERMS.source)),
    }


def place_records(graph: Graph) -> list[dict]:
    """Return every place of ``graph`` as a record, sorted by IRI."""
    return [place_record(graph, p) for p in sorted(set(graph.subjects(RDF.type, TL.ThirdPlace)), key=str)]


def to_geojson(graph: Graph) -> str:
    """Return the places with coordinates as an RFC 7946 FeatureCollection (the others are not features)."""
    features = []
    for record in place_records(graph):
        if record["latitude"] is None or record["longitude"] is None:
            continue
        properties = {k: v for k, v in record.items() if k not in ("id", "latitude", "longitude")}
        features.append({"type": "Feature", "id": record["id"],
                         "geometry": {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]},
                         "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1) + "\n"


def to_csv(graph: Graph) -> str:
    """Return one CSV row per place, with the columns of :data:`COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in place_records(graph):
        writer.writerow(["" if record[c] is None else " | ".join(record[c]) if c in _MULTI else record[c] for c in COLUMNS])
    return out.getvalue()
