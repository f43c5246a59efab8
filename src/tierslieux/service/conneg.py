"""Content negotiation for the linked-data pages: which representation of a resource a request asks for.

In order of precedence: a file extension on the path (``/id/place/x.ttl``),
then a ``format`` parameter (``?format=turtle``), then the ``Accept`` header.
No ``Accept`` header, or ``*/*``, gets the HTML page. An ``Accept`` header
that names only types we cannot produce gets 406 Not Acceptable.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from flask import request
from werkzeug.exceptions import NotAcceptable, NotFound

from ..formats import HTML, RDF_BY_KEY, Format, find
from ..namespaces import ID_BASE, PREFIXES

#: What a linked-data page is served in: HTML, and the RDF syntaxes of the format registry that carry one graph
#: (the dataset syntaxes are for the dumps).
Representation = Format
RDF_REPRESENTATIONS: tuple[Format, ...] = tuple(RDF_BY_KEY[key] for key in ("ttl", "jsonld", "nt", "rdf"))
REPRESENTATIONS: tuple[Format, ...] = (HTML, *RDF_REPRESENTATIONS)
BY_KEY = {r.key: r for r in REPRESENTATIONS}
EXTENSIONS = tuple(BY_KEY)
#: Media types understood in Accept, HTML first: the choice when the client has no preference.
ACCEPTED_TYPES = {media: r.key for r in REPRESENTATIONS for media in (r.media_type, *r.media_aliases)}

#: a kind of resource under …/id/ that can name its own prefix
_KIND = re.compile(r"[a-z][a-z-]*")


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
        found = find(REPRESENTATIONS, requested)
        if found is None:
            raise NotFound(f"unknown format {requested!r}; use one of: {', '.join(BY_KEY)}")
        return found
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
    if representation.prefixed:
        kwargs["prefixes"] = used_prefixes(ordered)
    return ox.serialize(ordered, format=representation.engine, **kwargs)


def used_prefixes(triples) -> dict[str, str]:
    """Return the prefixes that some IRI of ``triples`` starts with (a short, readable prefix table).

    The project's prefixes, plus one per kind of resource under ``…/id/`` that has no prefix of its own
    (``address:``, ``geometry:``…), so that no local name needs an escaped ``/`` (``tlid:address\\/x``).
    """
    iris = {term.value for t in triples for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    used = {prefix: namespace for prefix, namespace in PREFIXES.items() if any(iri.startswith(namespace) for iri in iris)}
    for iri in sorted(iris):
        kind, slash, local = iri.removeprefix(ID_BASE).partition("/") if iri.startswith(ID_BASE) else ("", "", "")
        namespace = f"{ID_BASE}{kind}/"
        if slash and local and "/" not in local and _KIND.fullmatch(kind) and namespace not in used.values():
            used[kind if kind not in PREFIXES else f"{kind}-id"] = namespace
    return used
