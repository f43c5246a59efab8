"""``/shapes``: the SHACL shapes the graph is validated with (``https://w3id.org/tiers-lieux/shapes#Name``).

The shapes are not part of the served dataset (the build validates with them
but does not load them into the store), so they are read from ``shapes/*.ttl``
— the files the release was validated with — and kept in memory until a file
changes. People get a page with one section per node shape (``/shapes#ThirdPlaceShape``);
machines get the shapes graph in the negotiated format.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Blueprint, Response, make_response, render_template
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from ..namespaces import SHAPES_BASE, bind_prefixes
from ..paths import SHAPES_DIR, turtle_files
from ..rdfio import parse_file
from . import conneg
from .pages import page_csp

bp = Blueprint("shapes", __name__)

RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}
#: Keys of a property shape shown in their own column rather than among the constraints.
SHOWN_APART = {SH.path, SH.message, SH.severity, SH.name, SH.description, RDF.type}
_lock = threading.Lock()
_cache: dict[tuple, Graph] = {}


def shapes_graph() -> Graph:
    """Return the shapes of ``shapes/*.ttl`` as one graph (re-read when a file changes)."""
    files = turtle_files(SHAPES_DIR)
    key = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    with _lock:
        if key not in _cache:
            graph = bind_prefixes(Graph())
            for path in files:
                parse_file(path, graph)
            _cache.clear()
            _cache[key] = graph
        return _cache[key]


@dataclass
class PropertyConstraint:
    """One property shape as the page shows it."""

    name: str
    path: str
    constraints: list[str]
    severity: str
    messages: list[Literal]


@dataclass
class NodeShape:
    """One node shape as the page shows it."""

    name: str
    iri: str
    targets: list[str]
    comments: list[Literal]
    properties: list[PropertyConstraint]


def _text(graph: Graph, node) -> str:
    """A term written short: prefixed name, literal value, or a path/list in brackets."""
    if isinstance(node, URIRef):
        return graph.namespace_manager.normalizeUri(node)
    if isinstance(node, Literal):
        return str(node)
    items = list(graph.items(node)) if (node, RDF.first, None) in graph else []
    if items:
        return "(" + " ".join(_text(graph, item) for item in items) + ")"
    parts = [f"{_text(graph, p)} {_text(graph, o)}" for p, o in sorted(graph.predicate_objects(node))]
    return "[" + " ; ".join(parts) + "]"


def _local(iri: str) -> str:
    return iri[len(SHAPES_BASE) :] if iri.startswith(SHAPES_BASE) else iri


def node_shapes(graph: Graph) -> list[NodeShape]:
    """Read every node shape with its targets and property shapes, sorted by name."""
    shapes = []
    for shape in sorted(set(graph.subjects(RDF.type, SH.NodeShape)), key=str):
        targets = [
            f"{_text(graph, kind)} {_text(graph, target)}"
            for kind in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
            for target in sorted(graph.objects(shape, kind))
        ]
        properties = []
        for prop in sorted(graph.objects(shape, SH.property), key=str):
            constraints = sorted(f"{_text(graph, p)} {_text(graph, o)}" for p, o in graph.predicate_objects(prop) if p not in SHOWN_APART)
            severity = graph.value(prop, SH.severity)
            properties.append(
                PropertyConstraint(
                    name=_local(str(prop)),
                    path=_text(graph, graph.value(prop, SH.path)) if graph.value(prop, SH.path) is not None else "",
                    constraints=constraints,
                    severity=_text(graph, severity) if severity is not None else "sh:Violation",
                    messages=sorted(graph.objects(prop, SH.message), key=lambda m: (m.language or "", str(m))),
                )
            )
        shapes.append(NodeShape(_local(str(shape)), str(shape), targets, sorted(graph.objects(shape, RDFS.comment)), properties))
    return shapes


@bp.get("/shapes")
@bp.get("/shapes.<extension>")
def shapes(extension: str | None = None) -> Response:
    """The shapes: a page per node shape for people, the shapes graph for machines."""
    if extension is not None and extension not in conneg.EXTENSIONS:
        return make_response(f"unknown format extension .{extension}; use one of: {', '.join(conneg.EXTENSIONS)}\n", 404)
    representation = conneg.negotiate(extension)
    graph = shapes_graph()
    if representation.engine is None:
        response = make_response(render_template("shapes.html", shapes=node_shapes(graph)))
        response.headers["Content-Security-Policy"] = page_csp()
    else:
        response = make_response(graph.serialize(format=RDFLIB_FORMATS[representation.key], encoding="utf-8"))
        response.headers["Content-Type"] = representation.content_type
    if extension is None:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/shapes.{representation.key}"
    return response
