"""Giving the provisional resources of an import their final IRIs and writing one graph.

Each group of records (one place) gets the IRI of the existing place it matched, or
``…/id/place/{slug}``: the slug of its name, qualified by its commune when two places would get
the same one, then by its postcode, then by its record id (docs/census.md, "Identifiers").
The place's own resources become ``…/id/{kind}/{slug}`` (``…/id/account/{slug}-twitter`` for
``account/twitter``); shared ones ``…/id/{kind}/{INSEE code}`` or ``…/id/{kind}/{slug of label}``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ..namespaces import TL, resource_iri
from .records import Place, french_label, record_of
from .text import slugify

#: Properties a merged record adds to its primary even when the primary has a value.
ADDITIVE = {DCTERMS.identifier, RDF.type, TL.placeKind}


@dataclass
class Final:
    """The final IRI and slug of one group of records."""

    iri: URIRef
    slug: str
    matched: Place | None = None


def _slug_candidates(group: list[Place], source: str) -> list[str]:
    primary = group[0]
    record = slugify(primary.record or "")
    base = slugify(primary.name) or f"place-{record}"
    levels = [base]
    if primary.commune_name:
        levels.append(f"{levels[-1]}-{slugify(primary.commune_name)}")
    if primary.postcode:
        levels.append(f"{levels[-1]}-{primary.postcode}")
    levels.append(f"{levels[-1]}-{record}" if record and record not in levels[-1] else f"{levels[-1]}-{source}")
    return levels


def assign_iris(groups: list[list[Place]], matched: dict[int, Place], taken: set[str], source: str) -> dict[int, Final]:
    """Return the final IRI of every group: the matched existing place's, or a fresh, unique slug.

    ``taken`` holds the slugs of places already in the graph: a fresh slug never reuses one; the
    last resort qualifies it with the record id (or, when the name is the id, the ``source`` name).
    """
    finals: dict[int, Final] = {}
    pending = []
    for group in groups:
        existing = matched.get(id(group))
        if existing is not None:
            finals[id(group)] = Final(existing.node, str(existing.node).rsplit("/", 1)[-1], existing)
        else:
            pending.append(group)
    levels = {id(g): 0 for g in pending}
    candidates = {id(g): _slug_candidates(g, source) for g in pending}
    while True:
        current = {id(g): candidates[id(g)][levels[id(g)]] for g in pending}
        counts = Counter(current.values())
        clashing = [g for g in pending if (counts[current[id(g)]] > 1 or current[id(g)] in taken)
                    and levels[id(g)] < len(candidates[id(g)]) - 1]
        if not clashing:
            break
        for group in clashing:
            levels[id(group)] += 1
    for group in pending:
        slug = current[id(group)]
        finals[id(group)] = Final(resource_iri("place", slug), slug)
    return finals


def _part_iri(part: str, slug: str, taken: set[URIRef], source: str) -> URIRef:
    """Return the IRI of a place's own resource; one the graph already has gets the source's name appended."""
    kind, _, qualifier = part.partition("/")
    iri = resource_iri(kind, f"{slug}-{slugify(qualifier)}" if qualifier else slug)
    return resource_iri(kind, f"{str(iri).rsplit('/', 1)[-1]}-{source}") if iri in taken else iri


def _shared_iri(graph: Graph, node: URIRef, kind: str) -> URIRef | None:
    code = graph.value(node, TL.inseeCode)
    if code is not None:
        return resource_iri(kind, str(code))
    label = french_label(graph, node)
    return resource_iri(kind, slugify(label)) if label else None


def _has_literal(graph: Graph, node: URIRef) -> bool:
    return any(isinstance(o, Literal) for p, o in graph.predicate_objects(node) if p != RDF.type)


class Rewriter:
    """Copies the provisional triples of a mapping's output under their final IRIs."""

    def __init__(self, raw: Graph, taken: set[URIRef] | None = None, source: str = "import"):
        self.raw = raw
        self.taken = taken or set()
        self.source = source
        self.out = Graph()
        self.shared: dict[URIRef, URIRef | None] = {}
        self.label_votes: Counter = Counter()

    def _object(self, obj, slug: str):
        parsed = record_of(obj)
        if parsed is None:
            return obj
        part = parsed[1]
        if part and part.startswith("shared/"):
            return self._shared(obj, part.split("/", 1)[1])
        if part and not _has_literal(self.raw, obj):
            return None
        return _part_iri(part, slug, self.taken, self.source) if part else None

    def _shared(self, node: URIRef, kind: str) -> URIRef | None:
        if node not in self.shared:
            final = _shared_iri(self.raw, node, kind)
            self.shared[node] = final
            if final is not None:
                for pred, obj in self.raw.predicate_objects(node):
                    if pred == RDFS.label and isinstance(obj, Literal):
                        self.label_votes[(final, obj.language, str(obj))] += 1
                    elif not (isinstance(obj, Literal) and str(obj) == ""):
                        self.out.add((final, pred, obj))
        return self.shared[node]

    def _copy_node(self, node: URIRef, target: URIRef, slug: str) -> None:
        for pred, obj in self.raw.predicate_objects(node):
            if isinstance(obj, Literal) and str(obj).strip() == "":
                continue
            mapped = self._object(obj, slug)
            if mapped is not None:
                self.out.add((target, pred, mapped))
                parsed = record_of(obj)
                if parsed and parsed[1] and not parsed[1].startswith("shared/"):
                    self._copy_node(obj, mapped, slug)

    def add_group(self, group: list[Place], final: Final) -> None:
        """Copy a group: the primary record whole, the others where they add something."""
        primary, others = group[0], group[1:]
        self._copy_node(primary.node, final.iri, final.slug)
        names = {(Literal(primary.name, lang=lang)) for lang in ("fr", "en")}
        if final.matched is not None:
            unify_labels(self.out, final.iri, final.matched.name)
        for other in others:
            present = {(p, record_of(o)[1] if record_of(o) else None) for p, o in self.raw.predicate_objects(primary.node)}
            present_predicates = {p for p, _ in present}
            for pred, obj in self.raw.predicate_objects(other.node):
                parsed = record_of(obj)
                if pred == RDFS.label:
                    if obj not in names:
                        self.out.add((final.iri, SKOS.altLabel, obj))
                elif parsed and parsed[1] and not parsed[1].startswith("shared/"):
                    if (pred, parsed[1]) not in present and _has_literal(self.raw, obj):
                        target = _part_iri(parsed[1], final.slug, self.taken, self.source)
                        self.out.add((final.iri, pred, target))
                        self._copy_node(obj, target, final.slug)
                elif pred in ADDITIVE or pred not in present_predicates:
                    mapped = self._object(obj, final.slug)
                    if mapped is not None:
                        self.out.add((final.iri, pred, mapped))

    def finish(self) -> Graph:
        """Give each shared resource one label per language, the most frequent (then the first in order)."""
        best: dict[tuple, tuple[int, str]] = {}
        for (iri, lang, text), votes in self.label_votes.items():
            current = best.get((iri, lang))
            if current is None or (-votes, text) < (-current[0], current[1]):
                best[(iri, lang)] = (votes, text)
        for (iri, lang), (_, text) in best.items():
            self.out.add((iri, RDFS.label, Literal(text, lang=lang)))
        return self.out


def unify_labels(graph: Graph, iri: URIRef, existing_name: str) -> None:
    """Keep the existing place's name as the only label: an imported spelling that differs becomes skos:altLabel."""
    for label in list(graph.objects(iri, RDFS.label)):
        if str(label) != existing_name:
            graph.remove((iri, RDFS.label, label))
            graph.add((iri, SKOS.altLabel, label))
