"""Which search an endpoint supports: decided from configuration or its service description, never from a failed query.

Wikidata's own endpoint offers the MediaWiki API service (``wikibase:mwapi``,
EntitySearch). Another endpoint is asked for its SPARQL 1.1 service description
(a GET without a query); only when that description names the service is
EntitySearch used. An endpoint without it may well answer an EntitySearch query
with ``200`` and a cut-off body, so trying it and catching the failure would be
both slow and wrong.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

from ..formats import RDF_FORMATS, RDFLIB_NAMES, by_media_type
from .client import SparqlClient
from .config import ENTITY_SEARCH, LABEL_QUERY, SEARCH_MODES, LinkConfig
from .wikidata import MWAPI_SERVICE


def declares_entity_search(body: bytes, media_type: str) -> bool:
    """Return True when a service description (RDF) names the MediaWiki API service."""
    fmt = by_media_type(RDF_FORMATS, media_type)
    rdf_format = RDFLIB_NAMES[fmt.key] if fmt else None
    if rdf_format is None:
        return False
    graph = Graph()
    try:
        graph.parse(data=body, format=rdf_format)
    except Exception:  # noqa: BLE001 - an unreadable description declares nothing
        return False
    service = URIRef(MWAPI_SERVICE)
    return any(True for _ in graph.triples((None, None, service))) or any(True for _ in graph.triples((service, None, None)))


def choose_search(client: SparqlClient, config: LinkConfig, requested: str | None = None) -> tuple[str, str]:
    """Return (search mode, why): the requested one, the configured one, or what the service description declares."""
    if requested:
        if requested not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {requested!r}; known: {', '.join(SEARCH_MODES)}")
        return requested, "chosen on the command line"
    if client.endpoint in config.entity_search_endpoints:
        return ENTITY_SEARCH, "the endpoint is listed in [endpoint] entity_search of the configuration"
    description = client.service_description()
    if description is not None and declares_entity_search(*description):
        return ENTITY_SEARCH, "the endpoint's service description declares wikibase:mwapi"
    return LABEL_QUERY, "the endpoint does not declare wikibase:mwapi (no service description naming it)"
