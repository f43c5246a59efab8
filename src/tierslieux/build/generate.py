"""Synthetic graphs with the shapes and proportions of the real one, for benchmarks and validation at scale.

The generator reads the real graph (``data/census/*.ttl``, ``data/curated/*.ttl``
and ``data/links/*.ttl``) and clones it:

* every synthetic place is a copy of a real place drawn at random (a *template*):
  its classes, kinds, commune, metropolis, geocoding precision, dates and
  concepts are kept, so kinds, communes, departments and regions keep their
  real proportions (and their correlations); its geometry, address, social
  accounts and modules are cloned with new IRIs; coordinates move by at most
  0.01°; names, street addresses, account names and web addresses are invented;
* networks, other communities and events are cloned from real ones, as many per
  place as the real graph has; a place's network memberships, an event's place
  and organiser point to synthetic resources;
* Wikidata links are made at the real rate (or :data:`ASSUMED_LINK_RATE` while the
  repository holds no link yet), to items in a range no real item uses
  (:data:`SYNTHETIC_QID_BASE` and above), each with an SSSOM record;
* other links to real resources (people, publications, series) are left out;
* the real geography (communes, departments, regions, metropolises, countries,
  localities) is copied verbatim, with the description of its sources, so every
  reference in the synthetic graph resolves.

Every generated IRI is ``https://w3id.org/tiers-lieux/id/{kind}/synthetic-…``,
which no real resource uses, and the dataset describes itself as synthetic.
The output is a function of the places count, the seed and the real data only:
one ``random.Random(seed)`` drives every choice, templates are visited in sorted
order, and the N-Triples output is sorted, so it is byte-identical run after run.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import GRAPH_BASE, ID_BASE, PREFIXES, SEMAPV, SSSOM, TL, VOCAB_BASE, WD, resource_iri
from ..paths import DATA_DIR, default_build_dir, turtle_files
from ..rdfio import write_atomically

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
XSD = PREFIXES["xsd"]
DCT = PREFIXES["dct"]
PROV_DERIVED = PREFIXES["prov"] + "wasDerivedFrom"
GEO = PREFIXES["geo"]
WGS84 = PREFIXES["wgs84"]
FOAF = PREFIXES["foaf"]
OWL = PREFIXES["owl"]
DCAT = PREFIXES["dcat"]

#: Wikidata identifiers of synthetic links start here: twelve digits, far above any real item.
SYNTHETIC_QID_BASE = 900_000_000_000
#: Share of places given a Wikidata link when the real graph has no link to measure the rate from.
ASSUMED_LINK_RATE = 0.2
#: How far (degrees) a synthetic place may lie from its template.
JITTER_DEGREES = 0.01
#: Slug prefix of every generated resource.
SLUG_PREFIX = "synthetic-"

GEOGRAPHY_CLASSES = tuple(str(c) for c in (TL.Commune, TL.Department, TL.Region, TL.Country, TL.Locality, TL.Metropolis))
#: Predicates whose object is a resource owned by its subject, cloned along with it (kind of the clone's IRI).
OWNED = {
    GEO + "hasGeometry": "geometry",
    str(TL.address): "address",
    str(TL.socialAccount): "account",
    str(TL.hasModule): "module",
}
PROVENANCE = (DCT + "source", PROV_DERIVED)
WEB = (str(TL.website), FOAF + "page", PREFIXES["schema"] + "url", PREFIXES["rdfs"] + "seeAlso")
#: Plain-string predicates whose real value must not be copied (it names or locates a real thing).
INVENTED_STRINGS = (DCT + "identifier", str(TL.streetAddress), FOAF + "accountName", FOAF + "nick", str(TL.hashtag))
#: Links from a place or an event to a community, redirected to a synthetic community.
COMMUNITY_LINKS = (str(TL.partOfNetwork), str(TL.operatedBy), str(TL.foundedBy), str(TL.organiser), str(TL.supportedBy))
COMMUNITY_TEXT = (str(TL.objective),)


class GeneratorError(Exception):
    """The real graph cannot serve as a model (no place in it), or an argument is out of range."""


@dataclass
class RealGraph:
    """The real graph, as sorted descriptions: subject -> [(predicate, object)], objects as pyoxigraph terms."""

    descriptions: dict[str, list[tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal]]]
    types: dict[str, set[str]]

    @classmethod
    def load(cls, files: list[Path]) -> RealGraph:
        """Parse ``files`` (Turtle) into one description table."""
        descriptions: dict[str, list] = {}
        types: dict[str, set[str]] = {}
        for path in files:
            for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                subject = _key(triple.subject)
                descriptions.setdefault(subject, []).append((triple.predicate.value, triple.object))
                if triple.predicate.value == RDF_TYPE:
                    types.setdefault(subject, set()).add(triple.object.value)
        for pairs in descriptions.values():
            # Blank node labels are random per parse: such objects keep their (deterministic) file order.
            pairs.sort(key=lambda pair: (pair[0], "_:" if isinstance(pair[1], ox.BlankNode) else str(pair[1])))
        return cls(descriptions, types)

    def of_class(self, iri: str) -> list[str]:
        """Return the subjects typed ``iri``, sorted."""
        return sorted(s for s, t in self.types.items() if iri in t)

    def is_a(self, subject: str, classes: tuple[str, ...]) -> bool:
        """Tell whether ``subject`` has one of ``classes``."""
        return bool(self.types.get(subject, set()).intersection(classes))


def _key(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else "_:" + term.value


def real_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Return the real graph's data files the generator learns from: census, curated data and links."""
    return [p for sub in ("census", "curated", "links") for p in turtle_files(data_dir / sub)]


@dataclass
class Profile:
    """What the generator copies from the real graph: templates, geography and per-place rates."""

    places: list[str]
    networks: list[str]
    communities: list[str]
    events: list[str]
    geography: list[str]
    support: list[str]  # descriptions the geography's provenance points to
    link_rate: float
    link_rate_measured: bool
    real_places: int

    @classmethod
    def of(cls, real: RealGraph) -> Profile:
        """Measure the profile of ``real``."""
        places = real.of_class(str(TL.ThirdPlace))
        if not places:
            raise GeneratorError("the real graph has no tl:ThirdPlace to take as a template (is data/ empty?)")
        networks = real.of_class(str(TL.Network))
        communities = [c for c in real.of_class(str(TL.Community)) if c not in set(networks)]
        geography = sorted(s for s in real.types if real.is_a(s, GEOGRAPHY_CLASSES))
        support = sorted(
            {o.value for g in geography for p, o in real.descriptions[g] if p in PROVENANCE and o.value in real.descriptions}
        )
        linked = sum(1 for p in places if any(pred == str(TL.wikidataItem) for pred, _ in real.descriptions[p]))
        return cls(
            places=places,
            networks=networks,
            communities=communities,
            events=real.of_class(str(TL.Event)),
            geography=geography,
            support=support,
            link_rate=linked / len(places) if linked else ASSUMED_LINK_RATE,
            link_rate_measured=bool(linked),
            real_places=len(places),
        )

    def scaled(self, count: int, places: int) -> int:
        """Return how many of a kind of resource ``places`` synthetic places get, when the real graph has ``count``."""
        if count == 0:
            return 0
        return max(1, round(count * places / self.real_places))


@dataclass
class Writer:
    """Collects N-Triples lines; terms are formatted by pyoxigraph, so escaping follows the N-Triples grammar."""

    lines: list[str] = field(default_factory=list)

    def add(self, subject: str, predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal | str) -> None:
        """Add one triple; a ``str`` object is an IRI, a subject starting with ``_:`` a blank node."""
        if isinstance(obj, str):
            obj = ox.NamedNode(obj)
        self.lines.append(f"{_term(subject)} <{predicate}> {obj} .\n")


def _term(subject: str) -> str:
    return subject if subject.startswith("_:") else f"<{subject}>"


def _decimal(value: float) -> ox.Literal:
    return ox.Literal(f"{Decimal(value).quantize(Decimal('0.000001')):f}", datatype=ox.NamedNode(XSD + "decimal"))


def _text(language: str | None, french: str, english: str) -> ox.Literal:
    if language is None:
        return ox.Literal(french)
    return ox.Literal(french if language == "fr" else english, language=language)


class Generator:
    """Writes one synthetic graph; see the module docstring for what is copied and what is invented."""

    def __init__(self, real: RealGraph, profile: Profile, places: int, seed: int):
        self.real = real
        self.profile = profile
        self.count = places
        self.seed = seed
        self.rng = random.Random(seed)
        self.out = Writer()
        self.dataset = resource_iri("dataset", f"{SLUG_PREFIX}places-{places}-seed-{seed}")
        self.serial: Counter[str] = Counter()

    # --- identifiers ------------------------------------------------------------
    def new_iri(self, kind: str) -> str:
        """Return the next synthetic IRI of ``kind`` (``…/id/{kind}/synthetic-{n}``)."""
        self.serial[kind] += 1
        return str(resource_iri(kind, f"{SLUG_PREFIX}{self.serial[kind]:06d}"))

    @staticmethod
    def number(iri: str) -> str:
        """Return the serial number at the end of a synthetic IRI."""
        return iri.rsplit("-", 1)[1]

    # --- the graph --------------------------------------------------------------
    def run(self) -> list[str]:
        """Generate the graph and return its N-Triples lines, sorted."""
        profile = self.profile
        networks = self.communities(profile.networks, profile.scaled(len(profile.networks), self.count), "Réseau", "Network")
        others = self.communities(profile.communities, profile.scaled(len(profile.communities), self.count), "Collectif", "Community")
        self.pools = {"network": networks, "community": others}
        places = [self.place(self.rng.choice(profile.places)) for _ in range(self.count)]
        for _ in range(profile.scaled(len(profile.events), self.count)):
            self.event(self.rng.choice(profile.events), places)
        self.links(places)
        self.copy_geography()
        self.describe_dataset(len(places))
        return sorted(set(self.out.lines))

    def labels(self, subject: str, french: str, english: str) -> None:
        """Give ``subject`` its French and English labels."""
        self.out.add(subject, RDFS_LABEL, ox.Literal(french, language="fr"))
        self.out.add(subject, RDFS_LABEL, ox.Literal(english, language="en"))

    def communities(self, templates: list[str], count: int, french: str, english: str) -> list[tuple[str, str]]:
        """Clone ``count`` communities from ``templates``; return (synthetic IRI, template) pairs."""
        made = []
        for index in range(count):
            template = templates[index % len(templates)]  # every real one is copied before any twice: sizes stay alike
            iri = self.new_iri("community")
            name = f"{french} synthétique {self.number(iri)}"
            for predicate, obj in self.real.descriptions[template]:
                if predicate == RDF_TYPE or (isinstance(obj, ox.NamedNode) and obj.value.startswith(VOCAB_BASE)):
                    self.out.add(iri, predicate, obj)
                elif predicate in COMMUNITY_TEXT and isinstance(obj, ox.Literal):
                    self.out.add(iri, predicate, _text(obj.language, f"Objectif de {name}.", f"Objective of {name}."))
                elif predicate in WEB:
                    self.out.add(iri, predicate, self.website(iri))
            self.labels(iri, name, f"{english} {self.number(iri)} (synthetic)")
            self.provenance(iri)
            made.append((iri, template))
        return made

    def provenance(self, iri: str) -> None:
        """Say that ``iri`` comes from the synthetic dataset."""
        self.out.add(iri, DCT + "source", str(self.dataset))
        self.out.add(iri, PROV_DERIVED, str(self.dataset))

    def website(self, iri: str) -> str:
        """Return the invented web address of a synthetic resource (``example.org`` is reserved for examples)."""
        kind, slug = iri[len(ID_BASE):].split("/", 1)
        return f"https://{slug}.{kind}.example.org/"

    def community_for(self, real_target: str) -> str | None:
        """Return a synthetic community standing for the real community ``real_target``, or None when there is none."""
        pool = self.pools["network"] if self.real.is_a(real_target, (str(TL.Network),)) else self.pools["community"]
        same = [iri for iri, template in pool if template == real_target]
        candidates = same or [iri for iri, _ in pool]
        return self.rng.choice(candidates) if candidates else None

    def place(self, template: str) -> str:
        """Clone one place from ``template`` and return its IRI."""
        iri = self.new_iri("place")
        number = self.number(iri)
        self.clone(template, iri, name=(f"Lieu synthétique {number}", f"Lieu synthétique {number}"), position=self.jitter())
        return iri

    def jitter(self) -> tuple[float, float]:
        """Return the offset (latitude, longitude) of a synthetic place from its template."""
        return self.rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), self.rng.uniform(-JITTER_DEGREES, JITTER_DEGREES)

    def clone(self, template: str, iri: str, *, name: tuple[str, str], position: tuple[float, float]) -> None:
        """Copy the description of ``template`` onto ``iri`` under the generator's rules."""
        latitude = longitude = None
        for predicate, obj in self.real.descriptions.get(template, []):
            if predicate == WGS84 + "lat":
                latitude = float(obj.value) + position[0]
                self.out.add(iri, predicate, _decimal(max(-90.0, min(90.0, latitude))))
            elif predicate == WGS84 + "long":
                longitude = float(obj.value) + position[1]
                self.out.add(iri, predicate, _decimal(max(-180.0, min(180.0, longitude))))
        for predicate, obj in self.real.descriptions.get(template, []):
            if predicate in (WGS84 + "lat", WGS84 + "long"):
                continue
            if predicate in OWNED:
                owned = self.new_iri(OWNED[predicate])
                self.out.add(iri, predicate, owned)
                self.clone(_key(obj), owned, name=name, position=position)
            elif predicate == GEO + "asWKT":
                self.out.add(iri, predicate, self.wkt(obj, position))
            else:
                self.copy(iri, predicate, obj, name)

    def copy(self, iri: str, predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal, name: tuple[str, str]) -> None:
        """Copy one statement of a template onto ``iri``: provenance, web addresses, names and links are replaced."""
        if predicate in PROVENANCE:
            self.out.add(iri, predicate, str(self.dataset))
        elif predicate in WEB:
            self.out.add(iri, predicate, self.website(iri))
        elif predicate == RDFS_LABEL:
            self.out.add(iri, predicate, _text(obj.language, *name))
        elif predicate in COMMUNITY_LINKS and isinstance(obj, ox.NamedNode):
            community = self.community_for(obj.value)
            if community is not None:
                self.out.add(iri, predicate, community)
        elif isinstance(obj, ox.Literal):
            self.literal(iri, predicate, obj, name)
        elif isinstance(obj, ox.NamedNode) and self.kept(obj.value, predicate):
            self.out.add(iri, predicate, obj)

    def kept(self, target: str, predicate: str) -> bool:
        """Tell whether a link to the real resource ``target`` is copied as is: concepts, classes and geography."""
        if predicate == RDF_TYPE or target.startswith(VOCAB_BASE):
            return True
        if self.real.is_a(target, GEOGRAPHY_CLASSES):
            return True
        return predicate == FOAF + "accountServiceHomepage"  # the service (twitter.com), not the account

    def literal(self, iri: str, predicate: str, obj: ox.Literal, name: tuple[str, str]) -> None:
        """Copy a literal, unless it is text that names, describes or locates the real resource."""
        if obj.language is not None:
            self.out.add(iri, predicate, _text(obj.language, f"Texte synthétique sur {name[0]}.", f"Synthetic text about {name[1]}."))
        elif predicate in INVENTED_STRINGS:
            self.out.add(iri, predicate, ox.Literal(f"{SLUG_PREFIX}{self.number(iri)}"))
        else:
            self.out.add(iri, predicate, obj)

    def wkt(self, obj: ox.Literal, position: tuple[float, float]) -> ox.Literal:
        """Move a ``POINT(long lat)`` like its place; other geometries are copied."""
        text = obj.value.strip()
        if not text.upper().startswith("POINT"):
            return obj
        longitude, latitude = (float(v) for v in text[text.index("(") + 1 : text.rindex(")")].split())
        moved_lat = max(-90.0, min(90.0, latitude + position[0]))
        moved_long = max(-180.0, min(180.0, longitude + position[1]))
        point = f"POINT({_decimal(moved_long).value} {_decimal(moved_lat).value})"
        return ox.Literal(point, datatype=obj.datatype)

    def event(self, template: str, places: list[str]) -> None:
        """Clone one event: dates, classes and values are copied; place and organiser are synthetic."""
        iri = self.new_iri("event")
        number = self.number(iri)
        name = (f"Événement synthétique {number}", f"Synthetic event {number}")
        for predicate, obj in self.real.descriptions[template]:
            if predicate == str(TL.location):
                self.out.add(iri, predicate, self.rng.choice(places))
            else:
                self.copy(iri, predicate, obj, name)
        self.provenance(iri)

    def links(self, places: list[str]) -> None:
        """Link a share of the places to synthetic Wikidata items, each with its SSSOM mapping record."""
        for index, place in enumerate(places):
            if self.rng.random() >= self.profile.link_rate:
                continue
            item = f"{WD}Q{SYNTHETIC_QID_BASE + index + 1}"
            self.out.add(place, str(TL.wikidataItem), item)
            record = f"_:link{index + 1:06d}"
            self.out.add(record, RDF_TYPE, OWL + "Axiom")
            self.out.add(record, OWL + "annotatedSource", place)
            self.out.add(record, OWL + "annotatedProperty", str(TL.wikidataItem))
            self.out.add(record, OWL + "annotatedTarget", item)
            self.out.add(record, str(SSSOM.mapping_justification), str(SEMAPV.CompositeMatching))
            self.out.add(record, str(SSSOM.mapping_tool), ox.Literal("tierslieux generate (synthetic)"))
            score = f"{self.rng.uniform(0.8, 1.0):.2f}"
            self.out.add(record, str(SSSOM.confidence), ox.Literal(score, datatype=ox.NamedNode(XSD + "double")))

    def copy_geography(self) -> None:
        """Copy the real geography, and the descriptions its provenance names, verbatim."""
        for subject in self.profile.geography + self.profile.support:
            for predicate, obj in self.real.descriptions[subject]:
                if isinstance(obj, ox.BlankNode):
                    raise GeneratorError(f"{subject}: its description has a blank node ({predicate}), which the generator cannot copy deterministically")
                self.out.add(subject, predicate, obj)

    def describe_dataset(self, places: int) -> None:
        """Describe the synthetic dataset, saying plainly that it is synthetic."""
        iri = str(self.dataset)
        link_note = "measured in the real graph" if self.profile.link_rate_measured else "assumed, the real graph having no link yet"
        self.out.add(iri, RDF_TYPE, DCAT + "Dataset")
        self.labels(iri, f"Graphe synthétique de {places} tiers-lieux (graine {self.seed})", f"Synthetic graph of {places} tiers-lieux (seed {self.seed})")
        self.out.add(iri, DCT + "title", ox.Literal(f"Synthetic graph of {places} tiers-lieux (seed {self.seed})", language="en"))
        self.out.add(
            iri,
            DCT + "description",
            ox.Literal(
                "SYNTHETIC data, generated by `tierslieux generate` for benchmarks: every place, community, event, "
                "address, account, web address and Wikidata link in it is invented (IRIs …/id/*/synthetic-…; Wikidata "
                f"items Q{SYNTHETIC_QID_BASE} and above are not real items). Only the geography (communes, departments, "
                "regions) is real, copied from the census; kinds and proportions follow the real graph. "
                f"Wikidata link rate {self.profile.link_rate:.4f}, {link_note}.",
                language="en",
            ),
        )
        self.out.add(
            iri,
            DCT + "description",
            ox.Literal(
                "Données SYNTHÉTIQUES, produites par `tierslieux generate` pour les mesures de performance : lieux, "
                "communautés, événements, adresses, comptes, sites web et liens Wikidata sont inventés. Seule la "
                "géographie (communes, départements, régions) est réelle, copiée du recensement.",
                language="fr",
            ),
        )
        self.out.add(iri, DCAT + "keyword", ox.Literal("synthetic", language="en"))
        self.out.add(iri, DCAT + "keyword", ox.Literal("synthétique", language="fr"))
        self.out.add(iri, DCT + "identifier", ox.Literal(f"{SLUG_PREFIX}places-{places}-seed-{self.seed}"))


def generate_lines(places: int, seed: int, *, data_dir: Path = DATA_DIR) -> list[str]:
    """Return the sorted N-Triples lines of a synthetic graph of ``places`` places drawn with ``seed``."""
    if places < 1:
        raise GeneratorError(f"--places must be at least 1 (got {places})")
    real = RealGraph.load(real_files(data_dir))
    return Generator(real, Profile.of(real), places, seed).run()


def default_output(places: int, seed: int) -> Path:
    """Return where a synthetic graph goes when no file is named: ``build/synthetic/places-{N}-seed-{S}.nt``."""
    return default_build_dir() / "synthetic" / f"places-{places}-seed-{seed}.nt"


def generate_graph(places: int, seed: int, out: Path | None = None, *, data_dir: Path = DATA_DIR) -> Path:
    """Write a synthetic graph of ``places`` places, drawn with ``seed``, and return its path.

    ``out`` ending in ``.nt`` (the default, :func:`default_output`) gets sorted
    N-Triples, written straight from strings (fast at a million triples);
    ``.ttl`` gets the project's canonical Turtle through rdflib, which is slow
    beyond some tens of thousands of triples. The same arguments and real data
    give a byte-identical file. The file is written atomically.
    """
    out = Path(out) if out is not None else default_output(places, seed)
    lines = generate_lines(places, seed, data_dir=data_dir)
    if out.suffix == ".ttl":
        from rdflib import Graph

        from ..namespaces import bind_prefixes
        from ..rdfio import canonical_turtle

        graph = bind_prefixes(Graph())
        graph.parse(data="".join(lines), format="nt")
        write_atomically(out, canonical_turtle(graph))
    elif out.suffix == ".nt":
        write_atomically(out, "".join(lines))
    else:
        raise GeneratorError(f"{out}: write .nt (N-Triples) or .ttl (canonical Turtle)")
    return out


def synthetic_graph_iri(places: int, seed: int) -> str:
    """Return the named graph a synthetic graph is loaded into when one is needed (``…/graph/synthetic/…``)."""
    return f"{GRAPH_BASE}synthetic/places-{places}-seed-{seed}"
