"""The OpenAPI 3.0 description of the places API, built from the same definitions the API uses (facets, formats, limits)."""

from __future__ import annotations

from .filters import FACETS, MAX_TEXT
from .query import DEFAULT_LIMIT, FIELD_SETS, LANGUAGES, MAX_LIMIT
from .render import FORMATS


def _parameters() -> list[dict]:
    parameters = [
        {
            "name": facet.name,
            "in": "query",
            "description": f"{facet.label_en}: keep places with any of these codes (the end of the value's IRI after {facet.base}); "
            "repeat the parameter or separate codes with commas.",
            "schema": {"type": "array", "items": {"type": "string"}},
            "style": "form",
            "explode": True,
        }
        for facet in FACETS
    ]
    parameters += [
        {"name": "q", "in": "query", "description": "Text found in a name, an alternative name or the commune's name (case ignored).",
         "schema": {"type": "string", "maxLength": MAX_TEXT}},
        {"name": "bbox", "in": "query", "description": "west,south,east,north in WGS84 degrees: keep places inside.",
         "schema": {"type": "string", "example": "2.2,48.8,2.5,48.9"}},
    ]
    return parameters


_LANG = {"name": "lang", "in": "query", "description": "Language of labels.", "schema": {"type": "string", "enum": list(LANGUAGES), "default": "fr"}}
_FORMAT = {"name": "format", "in": "query", "description": "Answer format (overrides Accept).",
           "schema": {"type": "string", "enum": [f.param for f in FORMATS]}}

_LABELLED = {"type": "object", "properties": {"code": {"type": "string", "nullable": True}, "label": {"type": "string"}}}
PLACE_SCHEMA = {
    "type": "object",
    "required": ["id", "slug", "name"],
    "properties": {
        "id": {"type": "string", "format": "uri"},
        "slug": {"type": "string", "nullable": True},
        "name": {"type": "string", "nullable": True},
        "latitude": {"type": "number", "nullable": True},
        "longitude": {"type": "number", "nullable": True},
        "kinds": {"type": "array", "items": _LABELLED},
        "website": {"type": "string", "nullable": True},
        "street": {"type": "string", "nullable": True},
        "postcode": {"type": "string", "nullable": True},
        "commune": {**_LABELLED, "nullable": True},
        "insee": {"type": "string", "nullable": True},
        "department": {**_LABELLED, "nullable": True},
        "region": {**_LABELLED, "nullable": True},
        "networks": {"type": "array", "items": _LABELLED},
        "values": {"type": "array", "items": _LABELLED},
        "status": {"type": "array", "items": _LABELLED},
        "wikidata": {"type": "string", "nullable": True},
        "identifiers": {"type": "array", "items": {"type": "string"}},
        "sources": {"type": "array", "items": {"type": "string"}},
    },
}


def _content(json_schema: dict) -> dict:
    return {
        "application/json": {"schema": json_schema},
        "application/geo+json": {"schema": {"type": "object", "description": "An RFC 7946 FeatureCollection (a Feature for one place)."}},
        "application/ld+json": {"schema": {"type": "object", "description": "JSON-LD with the ontology's terms."}},
        "text/csv": {"schema": {"type": "string"}},
    }


_ERROR = {"description": "A parameter cannot be used; the message names it.",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def openapi_document(server_url: str) -> dict:
    """The OpenAPI 3.0.3 document of the places API served at ``server_url``."""
    page_schema = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "offset": {"type": "integer"},
            "limit": {"type": "integer"},
            "returned": {"type": "integer"},
            "links": {"type": "array", "items": {"type": "object", "properties": {"rel": {"type": "string"}, "href": {"type": "string"}}}},
            "places": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tiers-lieux places API",
            "version": "1",
            "description": "The third places of the tiers-lieux knowledge graph, filtered, paged, as JSON, GeoJSON, JSON-LD or CSV. "
            "Answers come from the graph's current release; each has an ETag.",
            "license": {"name": "Open Licence 2.0 (data)", "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence"},
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/places": {
                "get": {
                    "operationId": "listPlaces",
                    "summary": "Places kept by the filters, one page at a time, sorted by name.",
                    "parameters": [
                        *_parameters(),
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
                        {"name": "fields", "in": "query", "description": "all, or map (name and coordinates only: one query, for a map).",
                         "schema": {"type": "string", "enum": list(FIELD_SETS), "default": "all"}},
                        _LANG,
                        _FORMAT,
                    ],
                    "responses": {
                        "200": {"description": "A page of places.", "content": _content({"$ref": "#/components/schemas/Page"})},
                        "304": {"description": "Not modified (If-None-Match matched the ETag)."},
                        "400": _ERROR,
                        "406": _ERROR,
                    },
                }
            },
            "/api/places/facets": {
                "get": {
                    "operationId": "placeFacets",
                    "summary": "For each facet, its values and how many places kept by the filters have each.",
                    "parameters": [*_parameters(), _LANG],
                    "responses": {
                        "200": {"description": "The facet counts.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Facets"}}}},
                        "304": {"description": "Not modified."},
                        "400": _ERROR,
                    },
                }
            },
            "/api/places/{slug}": {
                "get": {
                    "operationId": "getPlace",
                    "summary": "One place, by the end of its IRI (…/id/place/{slug}).",
                    "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}, _LANG, _FORMAT],
                    "responses": {
                        "200": {"description": "The place.", "content": _content({"$ref": "#/components/schemas/Place"})},
                        "304": {"description": "Not modified."},
                        "404": _ERROR,
                        "406": _ERROR,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Place": PLACE_SCHEMA,
                "Page": page_schema,
                "Facets": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer"},
                        "facets": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string"},
                                    "label": {"type": "string"},
                                    "values": {"type": "array", "items": {"type": "object", "properties": {
                                        "code": {"type": "string"}, "iri": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"}}}},
                                },
                            },
                        },
                    },
                },
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
            }
        },
    }
