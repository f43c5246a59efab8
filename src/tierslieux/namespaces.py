"""The one source of prefixes and terms for the whole project.

Our own namespaces are *closed* (rdflib ``DefinedNamespace``): using a term that
is not declared here raises ``AttributeError``, so a typo fails at once instead
of silently minting a new IRI. Every ``@prefix`` in the repository's Turtle must
agree with :data:`PREFIXES` (a test checks it).

Identifier conventions are written down in ``docs/conventions.md``.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    GEO,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    VOID,
    XSD,
    DefinedNamespace,
)

BASE = "https://w3id.org/tiers-lieux/"
ONTOLOGY_IRI = BASE + "ontology"
ID_BASE = BASE + "id/"
VOCAB_BASE = BASE + "vocab/"
GRAPH_BASE = BASE + "graph/"
SHAPES_BASE = BASE + "shapes#"


class TL(DefinedNamespace):
    """The tiers-lieux ontology, ``https://w3id.org/tiers-lieux/ontology#``."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # --- places ---------------------------------------------------------------
    ThirdPlace: URIRef  # a tiers-lieu, of any kind
    CoworkingSpace: URIRef
    FabLab: URIRef
    Makerspace: URIRef
    Hackerspace: URIRef
    PublicDigitalSpace: URIRef  # espace public numérique (EPN)
    SharedGarden: URIRef
    ToyLibrary: URIRef
    RepairCafe: URIRef
    LivingLab: URIRef
    Module: URIRef  # one of the modules a place is composed of
    Service: URIRef  # a service a module offers
    Address: URIRef
    Locality: URIRef  # a town anywhere in the world
    Commune: URIRef  # a French commune (a Locality with an INSEE code)
    Department: URIRef
    Region: URIRef
    Country: URIRef
    Metropolis: URIRef  # one of the French métropoles (intercommunal body)

    placeKind: URIRef  # -> skos:Concept in vocab/place-kind
    hasModule: URIRef
    moduleKind: URIRef  # Module -> skos:Concept in vocab/place-kind
    offersService: URIRef
    legalForm: URIRef  # -> skos:Concept in vocab/legal-form
    address: URIRef
    streetAddress: URIRef
    postalCode: URIRef
    locality: URIRef  # place, community or event -> Locality / Commune
    department: URIRef
    region: URIRef
    country: URIRef
    metropolis: URIRef
    inMetropolis: URIRef  # xsd:boolean
    inseeCode: URIRef
    website: URIRef
    socialAccount: URIRef  # -> foaf:OnlineAccount
    status: URIRef  # -> skos:Concept in vocab/life-cycle
    foundingDate: URIRef
    closingDate: URIRef
    governance: URIRef  # -> skos:Concept in vocab/governance
    fundingModel: URIRef  # -> skos:Concept in vocab/funding-model
    geocodingPrecision: URIRef  # xsd:decimal in [0, 1]
    wikidataItem: URIRef  # -> http://www.wikidata.org/entity/Q…
    kindClass: URIRef  # annotation: concept (place kind, legal form) -> the owl:Class its bearers belong to

    # --- statistics (RDF Data Cube observations computed at build time, build/statistics.py) --------------------
    countedRegion: URIRef  # qb:DimensionProperty -> tl:Region
    countedKind: URIRef  # qb:DimensionProperty -> skos:Concept in vocab/place-kind
    countedYear: URIRef  # qb:DimensionProperty, xsd:integer
    countedNetwork: URIRef  # qb:DimensionProperty -> the network (a community)
    placeCount: URIRef  # qb:MeasureProperty, xsd:integer
    placesWithWebsite: URIRef  # qb:MeasureProperty, xsd:integer
    placesWithWikidataItem: URIRef  # qb:MeasureProperty, xsd:integer

    # --- communities ----------------------------------------------------------
    Community: URIRef
    Collective: URIRef
    Network: URIRef
    Association: URIRef
    Cooperative: URIRef
    Consortium: URIRef
    Company: URIRef
    PublicBody: URIRef
    Person: URIRef
    Membership: URIRef
    NameUse: URIRef  # a name a community bore over a period

    memberOf: URIRef
    hasMembership: URIRef  # Community -> Membership
    agent: URIRef  # Membership -> Person or Community
    role: URIRef  # Membership -> skos:Concept in vocab/role
    operates: URIRef  # Community -> ThirdPlace
    operatedBy: URIRef  # ThirdPlace -> Community
    partOfNetwork: URIRef  # ThirdPlace or Community -> Network
    foundedBy: URIRef
    initiatedBy: URIRef
    partner: URIRef
    supportedBy: URIRef
    hadName: URIRef  # Community -> NameUse
    formerName: URIRef  # literal shortcut for hadName

    # --- events and history -----------------------------------------------------
    Event: URIRef
    Meeting: URIRef
    Seminar: URIRef
    Festival: URIRef
    Exhibition: URIRef
    Training: URIRef
    EventSeries: URIRef
    Milestone: URIRef  # a dated fact of the movement's timeline

    startDate: URIRef
    endDate: URIRef
    date: URIRef  # date of a Milestone, at the precision the source gives
    location: URIRef  # Event -> ThirdPlace or Locality
    organiser: URIRef
    participant: URIRef
    inSeries: URIRef
    edition: URIRef  # xsd:positiveInteger, the n-th edition of a series
    certification: URIRef  # literal: what a Training certifies
    hashtag: URIRef
    involves: URIRef  # Milestone -> any resource it is about
    launched: URIRef  # Event -> what it launched (a Publication, a Community…)

    # --- values -----------------------------------------------------------------
    statesValue: URIRef  # place, community or event -> value concept
    hasInterest: URIRef  # community -> concept in vocab/collective-interest
    objective: URIRef  # literal, language-tagged

    # --- publications and sources -----------------------------------------------
    Publication: URIRef
    Manifesto: URIRef
    Periodical: URIRef
    Report: URIRef
    Book: URIRef
    WebPage: URIRef
    SourceDocument: URIRef  # a seed document our curated statements come from

    author: URIRef
    publisher: URIRef
    contributor: URIRef
    publicationDate: URIRef
    about: URIRef


def _scheme(slug: str, concepts: list[str]) -> type[DefinedNamespace]:
    """Make a closed namespace for one SKOS concept scheme under ``vocab/{slug}/``."""
    return type(
        f"Vocab_{slug.replace('-', '_')}",
        (DefinedNamespace,),
        {"_NS": Namespace(f"{VOCAB_BASE}{slug}/"), "_fail": True, "_extras": concepts, "__annotations__": {}},
    )


#: Concept schemes: slug -> concept slugs. Concept slugs come from the French label.
SCHEMES: dict[str, list[str]] = {
    "place-kind": [
        "tiers-lieu",
        "coworking",
        "tiers-lieu-culturel",
        "espace-du-faire",
        "fablab",
        "makerspace",
        "hackerspace",
        "atelier-artisanal-partage",
        "living-lab",
        "laboratoire-innovation-sociale",
        "tiers-lieu-nourricier",
        "cuisine-partagee",
        "espace-public-numerique",
        "jardin-partage",
        "ludotheque",
        "veilleuse-de-quartier",
        "espace-evenementiel",
        "repair-cafe",
    ],
    "legal-form": [
        "association",
        "entreprise",
        "collectivite-territoriale",
        "scic",
        "scop",
        "universite",
        "collectif-citoyen",
        "etablissement-scolaire",
    ],
    "life-cycle": ["en-projet", "ouvert", "ferme"],
    "governance": ["horizontale", "autogeree", "associative", "cooperative", "publique"],
    "funding-model": ["public", "prive", "personnel", "contributif", "autofinancement"],
    "manifesto": [
        "collectif",
        "espace",
        "travail",
        "organisation",
        "langage",
        "numerique",
        "gouvernance",
        "services",
        "financements",
        "prospective",
    ],
    "collective-value": ["openprocess", "feedback", "confiance", "bienveillance", "libre", "opensource"],
    "collective-interest": ["utiliser", "etudier", "modifier", "refaire"],
    "role": ["fondateur", "facilitateur", "contributeur", "partenaire", "financeur", "membre"],
    "service": [
        "poste-de-travail",
        "salle-de-reunion",
        "acces-internet",
        "machines-de-fabrication",
        "formation",
        "mediation-numerique",
        "evenements",
        "services-de-proximite",
        "accompagnement-de-projets",
        "restauration",
    ],
}

PLACE_KIND = _scheme("place-kind", SCHEMES["place-kind"])
LEGAL_FORM = _scheme("legal-form", SCHEMES["legal-form"])
LIFE_CYCLE = _scheme("life-cycle", SCHEMES["life-cycle"])
GOVERNANCE = _scheme("governance", SCHEMES["governance"])
FUNDING_MODEL = _scheme("funding-model", SCHEMES["funding-model"])
MANIFESTO = _scheme("manifesto", SCHEMES["manifesto"])
COLLECTIVE_VALUE = _scheme("collective-value", SCHEMES["collective-value"])
COLLECTIVE_INTEREST = _scheme("collective-interest", SCHEMES["collective-interest"])
ROLE = _scheme("role", SCHEMES["role"])
SERVICE = _scheme("service", SCHEMES["service"])


def scheme_iri(slug: str) -> URIRef:
    """Return the IRI of the concept scheme ``slug`` (``https://w3id.org/tiers-lieux/vocab/{slug}``)."""
    if slug not in SCHEMES:
        raise KeyError(f"unknown concept scheme {slug!r}; known: {', '.join(sorted(SCHEMES))}")
    return URIRef(VOCAB_BASE + slug)


#: Resource kinds used in ``https://w3id.org/tiers-lieux/id/{kind}/{slug}``.
RESOURCE_KINDS = (
    "place",
    "module",
    "community",
    "person",
    "membership",
    "name",
    "event",
    "series",
    "milestone",
    "publication",
    "source",
    "locality",
    "commune",
    "department",
    "region",
    "country",
    "metropolis",
    "dataset",
    "account",
    "address",
    "geometry",
)


def resource_iri(kind: str, slug: str) -> URIRef:
    """Return ``https://w3id.org/tiers-lieux/id/{kind}/{slug}``; the kind must be one of :data:`RESOURCE_KINDS`."""
    if kind not in RESOURCE_KINDS:
        raise ValueError(f"unknown resource kind {kind!r}; known: {', '.join(RESOURCE_KINDS)}")
    return URIRef(f"{ID_BASE}{kind}/{slug}")


def graph_iri(name: str) -> URIRef:
    """Return the IRI of the named graph that holds one source (``…/graph/{name}``)."""
    return URIRef(GRAPH_BASE + name)


class PAIR(DefinedNamespace):
    """The PAIR ontology of Assemblée Virtuelle (``http://virtual-assembly.org/ontologies/pair#``).

    Closed: only the terms our ontology aligns to, each checked against PAIR's own
    definition (assemblee-virtuelle/pair, ``2-Implementation/owl/pair.ttl``).
    """

    _NS = Namespace("http://virtual-assembly.org/ontologies/pair#")
    _fail = True

    # classes
    Document: URIRef
    Ecosystem: URIRef
    Event: URIRef
    MembershipAssociation: URIRef
    Organization: URIRef
    Person: URIRef
    PhysicalPlace: URIRef
    PostalAddress: URIRef
    Town: URIRef
    # properties
    addressStreet: URIRef
    addressZipCode: URIRef
    documents: URIRef
    endDate: URIRef
    hasLocation: URIRef
    hasPart: URIRef
    hasPostalAddress: URIRef
    hasStatus: URIRef
    hasType: URIRef
    homePage: URIRef
    involves: URIRef
    membershipActor: URIRef
    membershipRole: URIRef
    offers: URIRef
    operatedBy: URIRef
    operates: URIRef
    organizationOfMembership: URIRef
    partnerOf: URIRef
    startDate: URIRef
    supportedBy: URIRef


GEOF = Namespace("http://www.opengis.net/def/function/geosparql/")
WGS84 = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
INSEE_GEO = Namespace("http://id.insee.fr/geo/")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
QB = Namespace("http://purl.org/linked-data/cube#")
#: SSSOM, the Simple Standard for Sharing Ontological Mappings: provenance of our Wikidata links.
SSSOM = Namespace("https://w3id.org/sssom/")
#: The Semantic Mapping Vocabulary: how a mapping was justified (matched by a tool, reviewed by a person…).
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")

#: The one table of prefixes. Turtle files may declare a subset, never another IRI for a prefix.
PREFIXES: dict[str, str] = {
    "tl": str(TL._NS),
    "tlid": ID_BASE,
    "tlv": VOCAB_BASE,
    "tlg": GRAPH_BASE,
    "tlsh": SHAPES_BASE,
    "place": ID_BASE + "place/",
    "community": ID_BASE + "community/",
    "person": ID_BASE + "person/",
    "event": ID_BASE + "event/",
    "milestone": ID_BASE + "milestone/",
    "publication": ID_BASE + "publication/",
    "source": ID_BASE + "source/",
    "kind": f"{VOCAB_BASE}place-kind/",
    "legal": f"{VOCAB_BASE}legal-form/",
    "lifecycle": f"{VOCAB_BASE}life-cycle/",
    "gov": f"{VOCAB_BASE}governance/",
    "funding": f"{VOCAB_BASE}funding-model/",
    "manifesto": f"{VOCAB_BASE}manifesto/",
    "value": f"{VOCAB_BASE}collective-value/",
    "interest": f"{VOCAB_BASE}collective-interest/",
    "role": f"{VOCAB_BASE}role/",
    "service": f"{VOCAB_BASE}service/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "foaf": str(FOAF),
    "org": str(ORG),
    "prov": str(PROV),
    "schema": str(SDO),
    "geo": str(GEO),
    "geof": str(GEOF),
    "wgs84": str(WGS84),
    "sh": str(SH),
    "pair": str(PAIR),
    "wd": str(WD),
    "wdt": str(WDT),
    "inseegeo": str(INSEE_GEO),
    "vann": str(VANN),
    "sd": str(SD),
    "adms": str(ADMS),
    "sssom": str(SSSOM),
    "semapv": str(SEMAPV),
    "qb": str(QB),
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind every prefix of :data:`PREFIXES` on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    """Return ``PREFIX`` lines for every prefix, for queries built in code."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


__all__ = [
    "ADMS",
    "BASE",
    "COLLECTIVE_INTEREST",
    "COLLECTIVE_VALUE",
    "DCAT",
    "DCTERMS",
    "FOAF",
    "FUNDING_MODEL",
    "GEO",
    "GEOF",
    "GOVERNANCE",
    "GRAPH_BASE",
    "ID_BASE",
    "INSEE_GEO",
    "LEGAL_FORM",
    "LIFE_CYCLE",
    "MANIFESTO",
    "ONTOLOGY_IRI",
    "ORG",
    "OWL",
    "PAIR",
    "PLACE_KIND",
    "PREFIXES",
    "PROV",
    "QB",
    "RDF",
    "RDFS",
    "RESOURCE_KINDS",
    "ROLE",
    "SCHEMES",
    "SD",
    "SDO",
    "SEMAPV",
    "SERVICE",
    "SH",
    "SHAPES_BASE",
    "SKOS",
    "SSSOM",
    "TL",
    "VANN",
    "VOCAB_BASE",
    "VOID",
    "WD",
    "WDT",
    "WGS84",
    "XSD",
    "bind_prefixes",
    "graph_iri",
    "resource_iri",
    "scheme_iri",
    "sparql_prologue",
]


def short_name(term: object) -> str:
    """Return ``term`` as a prefixed name when one of the project's prefixes covers it, else ``<iri>`` (or its text).

    The one way IRIs are shortened for people: reports, the command line's tables and the linked-data pages.
    """
    text = str(term)
    if isinstance(term, URIRef):
        best = max((p for p, iri in PREFIXES.items() if text.startswith(iri)), key=lambda p: len(PREFIXES[p]), default=None)
        if best is not None:
            return f"{best}:{text[len(PREFIXES[best]):]}"
        return f"<{text}>"
    return text
