"""Content negotiation for the linked-data pages: which representation of a resource a request asks for.

In order of precedence: a file extension on the path (``/id/place/x.ttl``),
then a ``format`` parameter (``?format=turtle``), then the ``Accept`` header.
No ``Accept`` header, or ``*/*``, gets the HTML page. An ``Accept`` header
that names only types we cannot produce gets 406 Not Acceptable.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import request
from werkzeug.exceptions import NotAcceptable, NotFound

from ..namespaces import PREFIXES


@dataclass(frozen=True)
class Representation:
    """One representation a resource is served in."""

    key: str  # also the file extension
    media_type: str
    name: str
    rdf_format: ox.RdfFormat | None = None  # None for HTML

    @property
    def content_type(self) -> str:
        """The Content-Type header value (with a charset for textual types)."""
        if self.media_type.startswith("text/") or self.media_type in ("application/n-triples",):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


HTML = Representation("html", "text/html", "HTML")
RDF_REPRESENTATIONS = (
    Representation("ttl", "text/turtle", "Turtle", ox.RdfFormat.TURTLE),
    Representation("jsonld", "application/ld+json", "JSON-LD", ox.RdfFormat.JSON_LD),
    Representation("nt", "application/n-triples", "N-Triples", ox.RdfFormat.N_TRIPLES),
    Representation("rdf", "application/rdf+xml", "RDF/XML", ox.RdfFormat.RDF_XML),
)
BY_KEY = {r.key: r for r in (HTML, *RDF_REPRESENTATIONS)}
#: Other names accepted by ``?format=``.
FORMAT_ALIASES = {
    "turtle": "ttl",
    "json-ld": "jsonld",
    "json": "jsonld",
    "ntriples": "nt",
    "n-triples": "nt",
    "rdfxml": "rdf",
    "rdf+xml": "rdf",
    "xml": "rdf",
    "htm": "html",
}
#: Media types understood in Accept, in order of preference when the client has none.
ACCEPTED_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdf",
}
EXTENSIONS = tuple(r.key for r in RDF_REPRESENTATIONS) + ("html",)


def split_extension(name: str) -> tuple[str, str | None]:
    """Split ``la-coroutine.ttl`` into ``("la-coroutine", "ttl")``; a name with no known extension is returned whole."""
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension in EXTENSIONS:
        return stem, extension
    return name, None


def negotiate(extension: str | None = None) -> Representation:
    """Return the representation the current request asks for (see the module docstring); 406 or 404 otherwise."""
    if extension:
        return BY_KEY[extension]
    requested = request.args.get("format")
    if requested:
        key = FORMAT_ALIASES.get(requested.lower(), requested.lower())
        if key not in BY_KEY:
            raise NotFound(f"unknown format {requested!r}; use one of: {', '.join(BY_KEY)}")
        return BY_KEY[key]
    if not request.accept_mimetypes:
        return HTML
    best = request.accept_mimetypes.best_match(list(ACCEPTED_TYPES))
    if best is None:
        raise NotAcceptable(
            f"cannot produce any of the types in Accept: {request.headers.get('Accept')}; "
            f"available: {', '.join(sorted(set(ACCEPTED_TYPES)))}"
        )
    return BY_KEY[ACCEPTED_TYPES[best]]


def serialize(triples, representation: Representation) -> bytes:
    """Serialize ``triples`` (sorted, for stable output) in an RDF representation, with the project's prefixes."""
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    kwargs = {}
    if representation.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        kwargs["prefixes"] = used_prefixes(ordered)
    return ox.serialize(ordered, format=representation.rdf_format, **kwargs)


def used_prefixes(triples) -> dict[str, str]:
    """Return the project's prefixes that some IRI of ``triples`` starts with (a short, readable prefix table)."""
    iris = {term.value for t in triples for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    return {prefix: namespace for prefix, namespace in PREFIXES.items() if any(iri.startswith(namespace) for iri in iris)}
