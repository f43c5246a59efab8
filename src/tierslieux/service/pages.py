"""Linked data: every IRI under ``https://w3id.org/tiers-lieux/`` answered by the service.

``/id/{kind}/{slug}``, ``/vocab/{scheme}``, ``/vocab/{scheme}/{concept}``,
``/ontology`` (and its modules ``/ontology/{module}``) and ``/graph/{name}``
each answer with an HTML page for people or RDF for machines, by content
negotiation (:mod:`.conneg`). The generic IRI answers 200 directly — no 303
redirect — with ``Content-Location`` naming the format-specific URL
(``/id/place/x.ttl``) and ``Vary: Accept``; ``docs/service.md`` explains the
choice. An IRI the graph does not know gets 404 with a page that suggests
look-alikes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request
from werkzeug.exceptions import NotFound

from ..namespaces import BASE, GRAPH_BASE, ID_BASE, ONTOLOGY_IRI, VOCAB_BASE
from ..stores.base import QueryTimeout
from . import conneg
from .errors import STORE_FAILURES, error_response
from .kept_answers import kept_per_release
from .nearby import nearby_places
from .ontology_docs import CONTENT_SECURITY_POLICY as ONTOLOGY_CSP
from .ontology_docs import LANGUAGES, OntologyMissing, ontology_html
from .resource_view import (
    INCOMING_LIMIT,
    describe_triples,
    iri_term,
    resource_exists,
    resource_page,
    select,
    short_name,
    similar_resources,
)
from .stores import current_store

PLACE_BASE = ID_BASE + "place/"

bp = Blueprint("pages", __name__)

#: The map's background tiles (``MAP_TILE_URL``; an empty string shows the marker on a plain background).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@bp.record_once
def _defaults(state) -> None:
    state.app.config.setdefault("MAP_TILE_URL", OSM_TILES)


def page_csp() -> str:
    """The Content-Security-Policy of the pages: scripts and styles from the service only, images also from the tile server."""
    tiles = urlsplit(current_app.config.get("MAP_TILE_URL") or "")
    tile_origin = f" {tiles.scheme}://{tiles.netloc}" if tiles.scheme in ("http", "https") and tiles.netloc else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:{tile_origin}; connect-src 'self'; base-uri 'none'; form-action 'self'"
    )


def _alternates(path: str) -> list[tuple[conneg.Representation, str]]:
    return [(r, f"{path}.{r.key}") for r in conneg.RDF_REPRESENTATIONS]


def _finish(response: Response, path: str, representation: conneg.Representation, extension: str | None) -> Response:
    """Add the negotiation headers (the ETag and conditional requests are :mod:`.kept_answers`'s)."""
    if extension is None:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"{path}.{representation.key}"
    response.headers["Link"] = ", ".join(f'<{href}>; rel="alternate"; type="{r.media_type}"' for r, href in _alternates(path))
    return response


def _rdf_response(triples, representation: conneg.Representation) -> Response:
    response = make_response(conneg.serialize(triples, representation))
    response.headers["Content-Type"] = representation.content_type
    return response


def _not_found(iri: str, representation: conneg.Representation, reason: str | None = None) -> Response:
    message = reason or f"The graph has nothing about <{iri}>."
    if representation.engine is not None:
        response = make_response(message + "\n", 404)
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
        return response
    suggestions = []
    if iri.startswith(BASE):
        try:
            suggestions = similar_resources(current_store(), iri)
        except (ValueError, QueryTimeout):
            suggestions = []
    response = make_response(render_template("not_found.html", iri=iri, message=message, suggestions=suggestions), 404)
    response.headers["Content-Security-Policy"] = page_csp()
    return response


def serve_resource(iri: str, extension: str | None) -> Response:
    """Answer for one resource IRI in the negotiated representation (404 when the graph does not know it)."""
    representation = conneg.negotiate(extension)
    path = "/" + iri[len(BASE) :]
    try:
        iri_term(iri)
    except ValueError:
        return _not_found(iri, representation, reason=f"{iri!r} is not a valid IRI.")
    store = current_store()
    if representation.engine is None:
        page = resource_page(store, iri)
        if page is None:
            return _not_found(iri, representation)
        nearby = nearby_places(store, iri, page.point, root=request.script_root) if page.point and iri.startswith(PLACE_BASE) else []
        html = render_template("resource.html", page=page, alternates=_alternates(path), incoming_limit=INCOMING_LIMIT, nearby=nearby)
        response = make_response(html)
        response.headers["Content-Security-Policy"] = page_csp()
    else:
        if not resource_exists(store, iri):
            return _not_found(iri, representation)
        response = _rdf_response(describe_triples(store, iri), representation)
    return _finish(response, path, representation, extension)


@bp.get("/id/<kind>/<path:name>")
@kept_per_release
def resource(kind: str, name: str) -> Response:
    """A resource: ``/id/place/la-coroutine`` (or ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``)."""
    slug, extension = conneg.split_extension(name)
    return serve_resource(f"{ID_BASE}{kind}/{slug}", extension)


@bp.get("/vocab/<name>")
@kept_per_release
def scheme(name: str) -> Response:
    """A SKOS concept scheme: its page lists its concepts (the resources ``skos:inScheme`` it)."""
    slug, extension = conneg.split_extension(name)
    return serve_resource(f"{VOCAB_BASE}{slug}", extension)


@bp.get("/vocab/<scheme_slug>/<name>")
@kept_per_release
def concept(scheme_slug: str, name: str) -> Response:
    """A SKOS concept: its page lists the resources that use it."""
    slug, extension = conneg.split_extension(name)
    return serve_resource(f"{VOCAB_BASE}{scheme_slug}/{slug}", extension)


@bp.get("/vocab/")
@bp.get("/vocab")
@kept_per_release
def vocabularies() -> Response:
    """The list of concept schemes, with their number of concepts."""
    rows = select(
        current_store(),
        "SELECT ?scheme (SAMPLE(?fr) AS ?label_fr) (SAMPLE(?en) AS ?label_en) (COUNT(DISTINCT ?c) AS ?concepts) WHERE { "
        "?scheme a skos:ConceptScheme . "
        "OPTIONAL { ?scheme skos:prefLabel|rdfs:label ?fr FILTER(LANG(?fr) = 'fr') } "
        "OPTIONAL { ?scheme skos:prefLabel|rdfs:label ?en FILTER(LANG(?en) = 'en') } "
        "OPTIONAL { ?c skos:inScheme ?scheme } } GROUP BY ?scheme ORDER BY ?scheme",
    )
    schemes = [
        {
            "iri": row["scheme"].value,
            "href": "/" + row["scheme"].value[len(BASE) :] if row["scheme"].value.startswith(BASE) else row["scheme"].value,
            "fr": row["label_fr"].value if "label_fr" in row else "",
            "en": row["label_en"].value if "label_en" in row else "",
            "concepts": int(row["concepts"].value),
        }
        for row in rows
    ]
    response = make_response(render_template("vocabularies.html", schemes=schemes))
    response.headers["Content-Security-Policy"] = page_csp()
    return response


def _ontology_language() -> str:
    requested = request.args.get("lang")
    if requested:
        if requested not in LANGUAGES:
            abort(404, description=f"no documentation in {requested!r}; available: {', '.join(LANGUAGES)}")
        return requested
    return request.accept_languages.best_match(LANGUAGES, default="en") if request.accept_languages else "en"


@bp.get("/ontology")
@bp.get("/ontology.<extension>")
@kept_per_release
def ontology(extension: str | None = None) -> Response:
    """The ontology: pyLODE documentation for people (``?lang=fr|en``), the whole ontology graph for machines."""
    if extension is not None and extension not in conneg.EXTENSIONS:
        abort(404, description=f"unknown format extension .{extension}; use one of: {', '.join(conneg.EXTENSIONS)}")
    representation = conneg.negotiate(extension)
    store = current_store()
    path = "/ontology"
    if representation.engine is None:
        language = _ontology_language()
        try:
            page = ontology_html(store, language)
        except OntologyMissing as error:
            return _not_found(ONTOLOGY_IRI, representation, reason=str(error))
        response = make_response(page)
        response.headers["Content-Security-Policy"] = ONTOLOGY_CSP
        response.headers["Content-Language"] = language
        response.vary.add("Accept-Language")
    else:
        outcome = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_BASE}ontology> {{ ?s ?p ?o }} }}")
        triples = set(outcome.triples)
        if not triples:
            return _not_found(ONTOLOGY_IRI, representation)
        response = _rdf_response(triples, representation)
    return _finish(response, path, representation, extension)


@bp.get("/ontology/<name>")
@kept_per_release
def ontology_module(name: str) -> Response:
    """One module of the ontology (``…/ontology/places``): its metadata, and the terms it defines as incoming links."""
    slug, extension = conneg.split_extension(name)
    return serve_resource(f"{ONTOLOGY_IRI}/{slug}", extension)


@bp.get("/graph/<path:name>")
@kept_per_release
def graph(name: str) -> Response:
    """A named graph: a summary page for people, all its triples for machines."""
    stem, extension = conneg.split_extension(name)
    iri = GRAPH_BASE + stem
    representation = conneg.negotiate(extension)
    store = current_store()
    if iri not in store.graphs():
        return _not_found(iri, representation, reason=f"There is no named graph <{iri}> in this release.")
    path = "/graph/" + stem
    if representation.engine is None:
        counts = select(
            store,
            f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH {iri_term(iri)} {{ ?s a ?class }} }} GROUP BY ?class ORDER BY DESC(?n) ?class",
        )
        total = select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {iri_term(iri)} {{ ?s ?p ?o }} }}")
        classes = [(row["class"].value, short_name(row["class"].value), int(row["n"].value)) for row in counts]
        response = make_response(
            render_template("graph.html", iri=iri, triples=int(total[0]["n"].value), classes=classes, alternates=_alternates(path))
        )
        response.headers["Content-Security-Policy"] = page_csp()
    else:
        outcome = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_term(iri)} {{ ?s ?p ?o }} }}")
        response = _rdf_response(outcome.triples, representation)
    return _finish(response, path, representation, extension)


def store_failure(error: Exception) -> Response:
    """A page whose queries could not be answered (time or memory limit, no usable store): the service's one mapping (errors.py)."""
    return error_response(error, "Reading this resource")


for _failure in STORE_FAILURES:
    bp.register_error_handler(_failure, store_failure)


#: Paths whose 404s other blueprints answer in their own way.
OTHER_OWNERS = ("/sparql", "/static/", "/queries", "/.well-known/")


@bp.app_errorhandler(NotFound)
def not_found_page(error: NotFound) -> Response | NotFound:
    """An unknown path asked for by a browser: a helpful page instead of the bare error."""
    if request.path.startswith(OTHER_OWNERS) or request.accept_mimetypes.best != "text/html":
        return error
    iri = BASE + request.path.lstrip("/")
    response = make_response(render_template("not_found.html", iri=iri, message=error.description, suggestions=[]), 404)
    response.headers["Content-Security-Policy"] = page_csp()
    return response
