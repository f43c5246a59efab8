"""The one registry of the formats the project reads and writes: RDF syntaxes and SPARQL result formats.

Every table of formats is derived from here: the build's dumps
(:mod:`tierslieux.build.dumps`), the SPARQL endpoint's and the named queries'
content negotiation (:mod:`tierslieux.service.results`), the linked-data
pages (:mod:`tierslieux.service.conneg`), the dumps page
(:mod:`tierslieux.service.dumps`), ``tierslieux export`` and ``tierslieux
query``. A format is found by its key (also its file suffix), by a name a
``format=`` parameter or an option may use, or by its media type.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    """One format: its key (the file suffix, without the dot), its canonical media type, names and aliases."""

    key: str
    #: the name a ``format=`` parameter or an option shows first (``turtle``, ``json``…)
    param: str
    media_type: str
    label: str
    #: pyoxigraph's format; None for HTML, which templates write
    engine: ox.RdfFormat | ox.QueryResultsFormat | None
    #: other names a ``format=`` parameter or an option may use (the key is always one)
    names: tuple[str, ...] = ()
    #: other media types that mean this format in an Accept header
    media_aliases: tuple[str, ...] = ()
    #: an RDF format that keeps named graphs (TriG, N-Quads)
    dataset: bool = False

    @property
    def suffix(self) -> str:
        """The file suffix, with its dot (``.ttl``)."""
        return "." + self.key

    @property
    def content_type(self) -> str:
        """The Content-Type header value: textual types carry their charset."""
        if self.media_type.startswith("text/") or self.media_type == "application/n-triples":
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def prefixed(self) -> bool:
        """Whether the format declares prefixes once at the top (Turtle, TriG, RDF/XML)."""
        return self.engine in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)

    def answers_to(self, name: str) -> bool:
        """Whether ``name`` (a ``format=`` value, case-insensitive, or a media type) designates this format."""
        wanted = name.strip().lower()
        return wanted in (self.key, self.param) or wanted in self.names or wanted == self.media_type or wanted in self.media_aliases


#: RDF syntaxes, in order of preference for a graph (the first is the default).
RDF_FORMATS: tuple[Format, ...] = (
    Format("ttl", "turtle", "text/turtle", "Turtle", ox.RdfFormat.TURTLE, (), ("application/x-turtle",)),
    Format("nt", "ntriples", "application/n-triples", "N-Triples", ox.RdfFormat.N_TRIPLES, ("n-triples",)),
    Format("jsonld", "jsonld", "application/ld+json", "JSON-LD", ox.RdfFormat.JSON_LD, ("json-ld", "json"), ("application/json",)),
    Format("rdf", "rdfxml", "application/rdf+xml", "RDF/XML", ox.RdfFormat.RDF_XML, ("rdf+xml", "rdf-xml", "xml"), ("application/xml", "text/xml")),
    Format("trig", "trig", "application/trig", "TriG", ox.RdfFormat.TRIG, dataset=True),
    Format("nq", "nquads", "application/n-quads", "N-Quads", ox.RdfFormat.N_QUADS, ("n-quads",), dataset=True),
)

#: SPARQL results of SELECT and ASK, in order of preference (the first is the default).
RESULT_FORMATS: tuple[Format, ...] = (
    Format("srj", "json", "application/sparql-results+json", "SPARQL JSON", ox.QueryResultsFormat.JSON, (), ("application/json",)),
    Format("srx", "xml", "application/sparql-results+xml", "SPARQL XML", ox.QueryResultsFormat.XML, (), ("application/xml", "text/xml")),
    Format("csv", "csv", "text/csv", "CSV", ox.QueryResultsFormat.CSV),
    Format("tsv", "tsv", "text/tab-separated-values", "TSV", ox.QueryResultsFormat.TSV),
)

#: Tables of places (the places API): one record per place. JSON-LD there is the places' own compact document.
PLACE_FORMATS: tuple[Format, ...] = (
    Format("json", "json", "application/json", "JSON", None),
    Format("geojson", "geojson", "application/geo+json", "GeoJSON", None, ("geo+json",)),
    Format("jsonld", "jsonld", "application/ld+json", "JSON-LD", ox.RdfFormat.JSON_LD, ("json-ld", "ld+json")),
    Format("csv", "csv", "text/csv", "CSV", None),
)

#: rdflib's name of each RDF syntax (the linker parses what an endpoint describes itself in with rdflib)
RDFLIB_NAMES: dict[str, str] = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml", "trig": "trig", "nq": "nquads"}

#: HTML pages (linked-data pages, the query page); written by templates, so no engine.
HTML = Format("html", "html", "text/html", "HTML", None, ("htm",), ("application/xhtml+xml",))

RDF_BY_KEY: dict[str, Format] = {f.key: f for f in RDF_FORMATS}


def find(formats: tuple[Format, ...], name: str) -> Format | None:
    """Return the first format of ``formats`` that ``name`` designates (key, name or media type), or None."""
    return next((f for f in formats if f.answers_to(name)), None)


def by_media_type(formats: tuple[Format, ...], media_type: str) -> Format | None:
    """Return the format of ``formats`` whose media type (or one of its aliases) is ``media_type``, or None."""
    wanted = media_type.strip().lower()
    return next((f for f in formats if wanted == f.media_type or wanted in f.media_aliases), None)
