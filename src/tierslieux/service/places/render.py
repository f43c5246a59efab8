"""A page of places written as GeoJSON (RFC 7946), CSV, JSON-LD or JSON; the format chosen by ``format=`` or Accept.

Every format carries the same records (:mod:`.query`). GeoJSON puts the
coordinates in the geometry, longitude first, and a place without coordinates
is a feature whose geometry is null (RFC 7946, section 3.2); the page's
counts are foreign members (``numberMatched``, ``numberReturned``). CSV
joins a multi-valued column's values with `` | `` and uses codes for kinds and
labels for the other labelled values. JSON-LD states each place with the
ontology's terms, so that any RDF tool reads it back.
"""

from __future__ import annotations

import csv
import io
import json

from flask import Request

from ...formats import PLACE_FORMATS, Format, by_media_type, find
from ...namespaces import ID_BASE, VOCAB_BASE

#: In order of preference for a client that accepts anything (the registry's tables of places).
FORMATS = PLACE_FORMATS


class UnknownFormat(ValueError):
    """The request asks for a format the API cannot produce (406, or 400 for a bad ``format=``)."""


def negotiate(request: Request) -> Format:
    """The format asked for by ``format=`` (first) or by Accept; JSON when anything will do."""
    asked = request.args.get("format")
    if asked:
        found = find(FORMATS, asked)
        if found is None:
            raise UnknownFormat(f"format={asked!r}: use one of {', '.join(f.param for f in FORMATS)}")
        return found
    if not request.accept_mimetypes:
        return FORMATS[0]
    best = request.accept_mimetypes.best_match([f.media_type for f in FORMATS])
    if best is None:
        raise UnknownFormat(
            f"cannot produce any type of Accept: {request.headers.get('Accept')}; available: {', '.join(f.media_type for f in FORMATS)}"
        )
    return by_media_type(FORMATS, best)


def geojson(records: list[dict], *, total: int | None = None, links: list[dict] | None = None) -> dict:
    """The records as an RFC 7946 FeatureCollection (or, for one record with ``total`` None, a Feature)."""
    features = []
    for record in records:
        lat, lon = record.get("latitude"), record.get("longitude")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        properties = {k: v for k, v in record.items() if k not in ("id", "latitude", "longitude")}
        features.append({"type": "Feature", "id": record["id"], "geometry": geometry, "properties": properties})
    if total is None and len(features) == 1:
        return features[0]
    collection: dict = {"type": "FeatureCollection", "features": features, "numberMatched": total, "numberReturned": len(features)}
    if links:
        collection["links"] = links
    return collection


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return value["label"]
    if isinstance(value, list):
        return " | ".join(_cell(v) for v in value)
    return str(value)


def to_csv(records: list[dict]) -> str:
    """One row per record; the columns are the records' keys (kinds as codes, other labelled values as labels)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = list(records[0]) if records else ["id", "slug", "name", "latitude", "longitude"]
    writer.writerow(columns)
    for record in records:
        row = []
        for column in columns:
            value = record.get(column)
            if column == "kinds" and value is not None:
                row.append(" | ".join(item["code"] or item["label"] for item in value))
            else:
                row.append(_cell(value))
        writer.writerow(row)
    return out.getvalue()


JSONLD_CONTEXT = {
    "tl": "https://w3id.org/tiers-lieux/ontology#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "wgs84": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "name": "rdfs:label",
    "latitude": {"@id": "wgs84:lat", "@type": "xsd:decimal"},
    "longitude": {"@id": "wgs84:long", "@type": "xsd:decimal"},
    "kind": {"@id": "tl:placeKind", "@type": "@id"},
    "website": {"@id": "tl:website", "@type": "@id"},
    "locality": {"@id": "tl:locality", "@type": "@id"},
    "department": {"@id": "tl:department", "@type": "@id"},
    "region": {"@id": "tl:region", "@type": "@id"},
    "partOfNetwork": {"@id": "tl:partOfNetwork", "@type": "@id"},
    "statesValue": {"@id": "tl:statesValue", "@type": "@id"},
    "status": {"@id": "tl:status", "@type": "@id"},
    "wikidataItem": {"@id": "tl:wikidataItem", "@type": "@id"},
    "identifier": "dct:identifier",
}
_JSONLD_LINKS = {
    "kinds": ("kind", VOCAB_BASE + "place-kind/"),
    "commune": ("locality", ID_BASE),
    "department": ("department", ID_BASE + "department/"),
    "region": ("region", ID_BASE + "region/"),
    "networks": ("partOfNetwork", ID_BASE),
    "values": ("statesValue", VOCAB_BASE),
    "status": ("status", VOCAB_BASE + "life-cycle/"),
}


def jsonld_node(record: dict) -> dict:
    """One place as a JSON-LD node with the ontology's terms (codes turned back into IRIs)."""
    node: dict = {"@id": record["id"], "@type": "tl:ThirdPlace"}
    if record.get("name"):
        node["name"] = record["name"]
    for key in ("latitude", "longitude"):
        if record.get(key) is not None:
            node[key] = str(record[key])
    if record.get("website"):
        node["website"] = record["website"]
    if record.get("wikidata"):
        node["wikidataItem"] = record["wikidata"]
    if record.get("identifiers"):
        node["identifier"] = record["identifiers"]
    for key, (term, base) in _JSONLD_LINKS.items():
        value = record.get(key)
        items = value if isinstance(value, list) else [value] if value else []
        iris = [base + item["code"] for item in items if item.get("code")]
        if iris:
            node[term] = iris if len(iris) > 1 else iris[0]
    return node


def jsonld(records: list[dict]) -> dict:
    """The records as a JSON-LD document with an embedded context."""
    return {"@context": JSONLD_CONTEXT, "@graph": [jsonld_node(r) for r in records]}


def body(fmt: Format, records: list[dict], *, total: int | None, offset: int = 0, limit: int | None = None, links: list[dict] | None = None) -> str:
    """The answer's text in ``fmt``; ``total`` None means one place rather than a page."""
    if fmt.key == "csv":
        return to_csv(records)
    if fmt.key == "geojson":
        document = geojson(records, total=total, links=links)
    elif fmt.key == "jsonld":
        document = jsonld(records)
        if total is None and len(records) == 1:
            node = document["@graph"][0]
            document = {"@context": JSONLD_CONTEXT, **node}
    elif total is None and len(records) == 1:
        document = records[0]
    else:
        document = {"total": total, "offset": offset, "limit": limit, "returned": len(records), "links": links or [], "places": records}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"

