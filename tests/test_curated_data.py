"""The curated graph of the seed documents: each file parses, is sourced, named and dated by the conventions,
and holds the resources and facts its seed states (and nothing more precise than the seed says)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import DCTERMS, RDF, RDFS

from tierslieux.namespaces import ID_BASE, RESOURCE_KINDS, SCHEMES, TL, VOCAB_BASE, resource_iri
from tierslieux.paths import DATA_DIR
from tierslieux.rdfio import canonical_turtle, parse_file

from .conftest import SHARED

CURATED = DATA_DIR / "curated"
SEEDS = ["seed-000", "seed-001", "seed-002", "seed-003", "seed-004"]
SEED_FILES = {seed: CURATED / f"{seed}.ttl" for seed in SEEDS}
SOURCES_FILE = CURATED / "sources.ttl"
DATE_PROPERTIES = (TL.foundingDate, TL.closingDate, TL.startDate, TL.endDate, TL.date, TL.publicationDate)
DATE_DATATYPES = {
    rdfns.XSD.gYear: re.compile(r"^[0-9]{4}$"),
    rdfns.XSD.gYearMonth: re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
    rdfns.XSD.date: re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),
}
#: Datatypes that carry a date or time; only DATE_DATATYPES may appear in the curated data.
TEMPORAL_DATATYPES = {
    rdfns.XSD.dateTime,
    rdfns.XSD.dateTimeStamp,
    rdfns.XSD.time,
    rdfns.XSD.gMonth,
    rdfns.XSD.gDay,
    rdfns.XSD.gMonthDay,
}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def source_iri(seed: str) -> URIRef:
    """Return the IRI of a seed's source document."""
    return resource_iri("source", seed)


def iri(curie: str) -> URIRef:
    """Expand ``kind/slug`` to a resource IRI."""
    kind, slug = curie.split("/", 1)
    return resource_iri(kind, slug)


@cache
def seed_graph(seed: str) -> Graph:
    """The graph of one seed file, parsed once."""
    return parse_file(SEED_FILES[seed])


@cache
def curated_graph() -> Graph:
    """The union of every curated file, parsed once."""
    union = Graph()
    for path in [*SEED_FILES.values(), SOURCES_FILE]:
        parse_file(path, union)
    return union


# --- checks, as functions so that they can be shown to fail ----------------------


def subjects_without_source(graph: Graph, source: URIRef) -> list[str]:
    """Return the subjects of ``graph`` that lack ``dct:source`` ``source``."""
    return sorted(str(s) for s in set(graph.subjects()) if (s, DCTERMS.source, source) not in graph)


def foreign_subjects(graph: Graph) -> list[str]:
    """Return the subjects that are not IRIs of our resources (``…/id/{kind}/{slug}``), blank nodes included."""
    bad = []
    for subject in set(graph.subjects()):
        if isinstance(subject, BNode) or not str(subject).startswith(ID_BASE):
            bad.append(str(subject))
            continue
        kind, _, slug = str(subject)[len(ID_BASE) :].partition("/")
        if kind not in RESOURCE_KINDS or not SLUG.match(slug):
            bad.append(str(subject))
    return sorted(bad)


def undeclared_terms(graph: Graph) -> list[str]:
    """Return the IRIs in the ontology or vocabulary namespaces that namespaces.py does not declare."""
    bad = set()
    for node in {n for triple in graph for n in triple if isinstance(n, URIRef)}:
        text = str(node)
        if text.startswith(str(TL._NS)) and node not in TL:
            bad.add(text)
        elif text.startswith(VOCAB_BASE):
            scheme, _, concept = text[len(VOCAB_BASE) :].partition("/")
            if scheme not in SCHEMES or concept not in SCHEMES[scheme]:
                bad.add(text)
    return sorted(bad)


def bad_dates(graph: Graph) -> list[str]:
    """Return ``subject property value`` for every date not typed and formed as xsd:gYear, gYearMonth or date."""
    bad = []
    for subject, prop, value in graph:
        is_date_property = prop in DATE_PROPERTIES
        is_temporal = isinstance(value, Literal) and (
            value.datatype in DATE_DATATYPES or value.datatype in TEMPORAL_DATATYPES
        )
        if not (is_date_property or is_temporal):
            continue
        pattern = DATE_DATATYPES.get(value.datatype) if isinstance(value, Literal) else None
        if pattern is None or not pattern.match(str(value)):
            bad.append(f"{subject} {prop} {value!r}")
    return sorted(bad)


def dangling_references(graph: Graph, described: Graph) -> list[str]:
    """Return the resource IRIs (bar source documents) that ``graph`` points to and ``described`` does not describe."""
    sources = ID_BASE + "source/"
    return sorted(
        f"{s} {p} {o}"
        for s, p, o in graph
        if isinstance(o, URIRef)
        and str(o).startswith(ID_BASE)
        and not str(o).startswith(sources)
        and (o, None, None) not in described
    )


def misnamed_communes(graph: Graph) -> list[str]:
    """Return ``subject: reason`` for each French commune not named ``…/id/commune/{its INSEE code}``.

    A subject with a ``tl:inseeCode`` or typed ``tl:Commune``, and any ``…/id/commune/`` subject, must be
    exactly ``…/id/commune/{code}`` with that one code: one commune is one resource in every source.
    """
    communes = str(resource_iri("commune", ""))
    subjects = set(graph.subjects(TL.inseeCode)) | set(graph.subjects(RDF.type, TL.Commune))
    subjects |= {s for s in graph.subjects() if str(s).startswith(communes)}
    bad = []
    for subject in subjects:
        codes = sorted(str(c) for c in graph.objects(subject, TL.inseeCode))
        if len(codes) != 1:
            bad.append(f"{subject}: {len(codes)} INSEE codes {codes}")
        elif subject != resource_iri("commune", codes[0]):
            bad.append(f"{subject}: a commune with INSEE code {codes[0]} must be {resource_iri('commune', codes[0])}")
    return sorted(bad)


# --- every file -------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_file_parses_and_is_not_empty(seed):
    graph = seed_graph(seed)
    assert len(graph) > 20, f"{SEED_FILES[seed]}: only {len(graph)} triples"


@pytest.mark.parametrize("path", [*SEED_FILES.values(), SOURCES_FILE], ids=lambda p: p.name)
def test_curated_file_is_canonical(path):
    assert path.read_text(encoding="utf-8") == canonical_turtle(parse_file(path)), f"run: tierslieux format {path}"


@pytest.mark.parametrize("seed", SEEDS)
def test_every_subject_of_a_seed_file_cites_that_seed(seed):
    assert subjects_without_source(seed_graph(seed), source_iri(seed)) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seed_file_cites_no_other_source(seed):
    cited = set(seed_graph(seed).objects(None, DCTERMS.source))
    assert cited == {source_iri(seed)}


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seed_file_describes_every_resource_it_points_to(seed):
    graph = seed_graph(seed)
    assert dangling_references(graph, graph) == []


def test_sources_file_points_only_to_described_resources():
    assert dangling_references(parse_file(SOURCES_FILE), curated_graph()) == []


@pytest.mark.parametrize("path", [*SEED_FILES.values(), SOURCES_FILE], ids=lambda p: p.name)
def test_subjects_are_our_resources_with_conventional_iris(path):
    assert foreign_subjects(parse_file(path)) == []


@pytest.mark.parametrize("path", [*SEED_FILES.values(), SOURCES_FILE], ids=lambda p: p.name)
def test_french_communes_are_named_by_their_insee_code(path):
    assert misnamed_communes(parse_file(path)) == []


@pytest.mark.parametrize("path", [*SEED_FILES.values(), SOURCES_FILE], ids=lambda p: p.name)
def test_only_declared_ontology_terms_and_concepts_are_used(path):
    assert undeclared_terms(parse_file(path)) == []


@pytest.mark.parametrize("path", [*SEED_FILES.values(), SOURCES_FILE], ids=lambda p: p.name)
def test_every_date_has_one_of_the_three_datatypes(path):
    assert bad_dates(parse_file(path)) == []


def test_every_resource_has_one_french_and_one_english_label_across_all_files():
    graph = curated_graph()
    problems = []
    for subject in sorted(set(graph.subjects())):
        labels = list(graph.objects(subject, RDFS.label))
        by_language = {lang: [x for x in labels if x.language == lang] for lang in ("fr", "en")}
        if len(labels) != 2 or any(len(v) != 1 for v in by_language.values()):
            problems.append(f"{subject}: {sorted(labels)}")
    assert problems == []


def test_descriptions_are_bilingual_and_single_per_language_across_all_files():
    graph = curated_graph()
    problems = []
    for subject in sorted(set(graph.subjects(DCTERMS.description))):
        languages = sorted(d.language or "" for d in graph.objects(subject, DCTERMS.description))
        if languages != ["en", "fr"]:
            problems.append(f"{subject}: {languages}")
    assert problems == []


# --- the negative side of the checks ---------------------------------------------

BAD_TURTLE = """\
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/tiers-lieux/id/place/ok> a tl:ThirdPlace ; dct:source <https://w3id.org/tiers-lieux/id/source/seed-009> ;
    tl:placeKind <https://w3id.org/tiers-lieux/vocab/place-kind/cowork> ;
    tl:foundingDate "2010-04-07T10:00:00"^^xsd:dateTime ;
    tl:operatedBy <https://w3id.org/tiers-lieux/id/community/ghost> .
<https://w3id.org/tiers-lieux/id/place/unsourced> a tl:Thirdplace ; tl:startDate "2010" ; tl:date "2010-13"^^xsd:gYearMonth .
<https://w3id.org/tiers-lieux/id/plaec/La_Coroutine> a tl:ThirdPlace ; dct:source <https://w3id.org/tiers-lieux/id/source/seed-009> .
<http://example.org/elsewhere> dct:source <https://w3id.org/tiers-lieux/id/source/seed-009> .
"""


@pytest.fixture
def bad_graph(tmp_path: Path) -> Graph:
    path = tmp_path / "bad.ttl"
    path.write_text(BAD_TURTLE, encoding="utf-8")
    return parse_file(path)


def test_checks_name_the_unsourced_subject(bad_graph):
    assert subjects_without_source(bad_graph, source_iri("seed-009")) == [ID_BASE + "place/unsourced"]


def test_checks_name_the_foreign_and_malformed_subjects(bad_graph):
    assert foreign_subjects(bad_graph) == ["http://example.org/elsewhere", ID_BASE + "plaec/La_Coroutine"]


def test_checks_name_the_undeclared_term_and_concept(bad_graph):
    assert undeclared_terms(bad_graph) == [str(TL._NS) + "Thirdplace", VOCAB_BASE + "place-kind/cowork"]


def test_checks_name_the_badly_typed_and_malformed_dates(bad_graph):
    bad = bad_dates(bad_graph)
    assert len(bad) == 3, bad
    assert any("place/ok" in line and "foundingDate" in line and "dateTime" in line for line in bad)
    assert any("place/unsourced" in line and "startDate" in line for line in bad)
    assert any("place/unsourced" in line and "#date" in line and "2010-13" in line for line in bad)


BAD_COMMUNES = """\
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
<https://w3id.org/tiers-lieux/id/locality/lille> a tl:Commune ; tl:inseeCode "59350" .
<https://w3id.org/tiers-lieux/id/commune/75056> a tl:Commune ; tl:inseeCode "75101" .
<https://w3id.org/tiers-lieux/id/commune/69123> a tl:Commune .
<https://w3id.org/tiers-lieux/id/commune/21231> a tl:Commune ; tl:inseeCode "21231" .
<https://w3id.org/tiers-lieux/id/locality/berlin> a tl:Locality .
"""


def test_checks_name_the_communes_not_named_by_their_insee_code(tmp_path: Path):
    path = tmp_path / "communes.ttl"
    path.write_text(BAD_COMMUNES, encoding="utf-8")
    assert misnamed_communes(parse_file(path)) == [
        f"{ID_BASE}commune/69123: 0 INSEE codes []",
        f"{ID_BASE}commune/75056: a commune with INSEE code 75101 must be {ID_BASE}commune/75101",
        f"{ID_BASE}locality/lille: a commune with INSEE code 59350 must be {ID_BASE}commune/59350",
    ]


def test_checks_name_the_dangling_reference(bad_graph):
    assert dangling_references(bad_graph, bad_graph) == [f"{ID_BASE}place/ok {TL.operatedBy} {ID_BASE}community/ghost"]


# --- the resources the seeds name ---------------------------------------------------

#: (resource, its French label, the seeds that mention it). Each seed listed must describe it and cite itself.
EXPECTED_RESOURCES = [
    # places
    ("place/la-coroutine", "La Coroutine", {"seed-000", "seed-001", "seed-003"}),
    ("place/le-comptoir-numerique", "Le Comptoir Numérique", {"seed-000", "seed-002", "seed-003"}),
    ("place/arret-minute", "Arrêt Minute", {"seed-000", "seed-001"}),
    ("place/la-cantine", "La Cantine", {"seed-000", "seed-001"}),
    ("place/la-ruche", "La Ruche", {"seed-000", "seed-001"}),
    ("place/mutinerie", "Mutinerie", {"seed-000"}),
    ("place/le-104", "Le 104", {"seed-000"}),
    ("place/ici-montreuil", "ICI Montreuil", {"seed-000"}),
    ("place/betahaus", "Betahaus", {"seed-001"}),
    ("place/le-node", "Le Node", {"seed-001"}),
    ("place/la-cordee", "La Cordée", {"seed-002"}),
    ("place/les-docks-numeriques", "Les Docks Numériques", {"seed-003"}),
    ("place/la-muse", "La mUse", {"seed-003"}),
    ("place/jokkolabs", "JokkoLabs", {"seed-003"}),
    ("place/afriworkers", "Afriworkers", {"seed-003"}),
    ("place/ecto", "ECTO", {"seed-003"}),
    # communities and networks
    ("community/tiers-lieux-libres-et-open-source", "Tiers Lieux Libres et Open Source", {"seed-000"}),
    ("community/movilab", "Movilab", {"seed-001", "seed-002", "seed-003"}),
    ("community/cooperative-tiers-lieux", "Coopérative Tiers-Lieux", {"seed-004"}),
    ("community/anis", "ANIS", {"seed-001"}),
    ("community/catalyst", "Catalyst", {"seed-001"}),
    ("community/openscop", "OpenScop", {"seed-001"}),
    ("community/mutualab", "Mutualab", {"seed-001"}),
    ("community/silicon-sentier", "Silicon Sentier", {"seed-001"}),
    ("community/ouishare", "OuiShare", {"seed-001"}),
    ("community/co-actions", "CO-ACTIONS", {"seed-001"}),
    ("community/conseil-regional-d-aquitaine", "Conseil régional d'Aquitaine", {"seed-001"}),
    ("community/region-nord-pas-de-calais", "Région Nord-Pas de Calais", {"seed-001"}),
    (
        "community/tiers-lieux-travailler-autrement-en-aquitaine",
        "Tiers-Lieux, travailler autrement en Aquitaine",
        {"seed-001"},
    ),
    ("community/tiers-lieux-open-source-francophones", "Tiers-lieux Open Source francophones", {"seed-001"}),
    ("community/center-for-social-innovation", "Center for Social Innovation", {"seed-001"}),
    (
        "community/groupe-international-francophone-sur-les-tiers-lieux",
        "Groupe international francophone sur les tiers-lieux",
        {"seed-001", "seed-003"},
    ),
    ("community/coworking-francophonie", "Coworking & Francophonie", {"seed-003"}),
    ("community/neo-nomade", "Neo Nomade", {"seed-003"}),
    ("community/imagination-for-people", "Imagination for People", {"seed-003"}),
    ("community/a-brest", "a-brest", {"seed-003"}),
    # the collective's names
    ("name/tiers-lieux-2012", "Tiers Lieux", {"seed-000"}),
    ("name/tiers-lieux-open-source-2012", "Tiers Lieux Open Source", {"seed-000"}),
    ("name/tiers-lieux-libres-et-open-source-2014", "Tiers Lieux Libres et Open Source", {"seed-000"}),
    # people
    ("person/ray-oldenburg", "Ray Oldenburg", {"seed-001", "seed-004"}),
    ("person/yoann-duriaux", "Yoann Duriaux", {"seed-001"}),
    ("person/guillaume-libersat", "Guillaume Libersat", {"seed-001"}),
    ("person/pierre-trendel", "Pierre Trendel", {"seed-001"}),
    ("person/frederic-bourguignat", "Frédéric Bourguignat", {"seed-001"}),
    ("person/michel-briand", "Michel Briand", {"seed-003"}),
    ("person/simon-sarazin", "Simon Sarazin", {"seed-000"}),
    # events and series
    ("event/tt10", "TT10", {"seed-000"}),
    ("event/1ere-rencontre-nationale-tiers-lieux", "1ère rencontre nationale Tiers Lieux", {"seed-000"}),
    ("event/roumics-2012", "ROUMICS 2012", {"seed-000"}),
    ("event/2eme-rencontre-nationale-tiers-lieux", "2ème rencontre nationale Tiers-Lieux", {"seed-000"}),
    ("event/forum-de-brest-2012", "Forum de Brest 2012", {"seed-000"}),
    ("event/tt14", "TT14", {"seed-000"}),
    ("event/grand-ramdam-des-tiers-lieux-2017", "Grand Ramdam des tiers-lieux 2017", {"seed-000"}),
    ("event/design-moi-1-tiers-lieux", "Design moi 1 Tiers Lieux", {"seed-000"}),
    ("event/tiers-lieux-fork-the-world", "Tiers Lieux, Fork The World", {"seed-000"}),
    ("event/rencontres-d-autrans-2012", "Rencontres d'Autrans 2012", {"seed-001", "seed-003"}),
    ("event/grand-ramdam-des-tiers-lieux-2013", "Grand Ramdam des tiers-lieux 2013", {"seed-001"}),
    ("event/roumics-2013", "ROUMICS « Tiers-lieux » 2013", {"seed-001"}),
    (
        "event/enquete-travailler-autrement-et-reduire-ses-distances",
        "Enquête « Travailler autrement et réduire ses distances »",
        {"seed-001"},
    ),
    ("event/quinzaine-des-tiers-lieux", "Quinzaine des tiers-lieux", {"seed-002"}),
    ("event/piloter-un-tiers-lieu", "Piloter un tiers-lieu", {"seed-004"}),
    ("series/rencontres-nationales-tiers-lieux", "Rencontres nationales Tiers-Lieux", {"seed-000"}),
    ("series/roumics", "ROUMICS", {"seed-000", "seed-001"}),
    ("series/grand-ramdam-des-tiers-lieux", "Grand Ramdam des tiers-lieux", {"seed-000", "seed-001"}),
    ("series/rencontres-d-autrans", "Rencontres d'Autrans", {"seed-001"}),
    # publications
    ("publication/manifeste-des-tiers-lieux", "Manifeste des Tiers-Lieux", {"seed-001", "seed-002"}),
    ("publication/the-great-good-place", "The Great Good Place", {"seed-001", "seed-004"}),
    (
        "publication/des-espaces-pour-se-rencontrer-et-creer-les-tiers-lieux",
        "Des espaces pour se rencontrer et créer : les tiers-lieux",
        {"seed-001"},
    ),
    ("publication/veille-innovation-sociale-et-numerique", "Veille « Innovation sociale et numérique »", {"seed-001"}),
    ("publication/la-revue-des-tiers-lieux", "La Revue des Tiers-Lieux", {"seed-004"}),
    (
        "publication/le-concept-de-tiers-lieu-retour-aux-sources",
        "Le concept de tiers-lieu : retour aux sources",
        {"seed-001"},
    ),
    (
        "publication/definition-du-tiers-lieu-retenue-par-movilab",
        "Définition du tiers-lieu retenue par Movilab",
        {"seed-002"},
    ),
    # La Coroutine's modules
    ("module/la-coroutine-coworking", "La Coroutine : espace de coworking", {"seed-001"}),
    ("module/la-coroutine-veilleuse-de-quartier", "La Coroutine : veilleuse de quartier", {"seed-001"}),
    ("module/la-coroutine-makerspace", "La Coroutine : makerspace", {"seed-001"}),
    ("module/la-coroutine-espace-evenementiel", "La Coroutine : espace événementiel", {"seed-001"}),
    # territories
    ("commune/59350", "Lille", {"seed-000", "seed-003"}),
    ("commune/75056", "Paris", {"seed-000", "seed-001"}),
    ("commune/42218", "Saint-Étienne", {"seed-000", "seed-002", "seed-003"}),
    ("commune/69123", "Lyon", {"seed-002"}),
    ("commune/21231", "Dijon", {"seed-003"}),
    ("commune/93048", "Montreuil", {"seed-000"}),
    ("commune/86194", "Poitiers", {"seed-000"}),
    ("commune/29019", "Brest", {"seed-000"}),
    ("locality/autrans", "Autrans", {"seed-000", "seed-001", "seed-003"}),
    ("locality/berlin", "Berlin", {"seed-001"}),
    ("locality/geneve", "Genève", {"seed-003"}),
    ("locality/dakar", "Dakar", {"seed-003"}),
    ("locality/abidjan", "Abidjan", {"seed-003"}),
    ("locality/montreal", "Montréal", {"seed-003"}),
    ("region/nord-pas-de-calais", "Nord-Pas de Calais", {"seed-001"}),
    ("region/aquitaine", "Aquitaine", {"seed-001"}),
    ("region/nouvelle-aquitaine", "Nouvelle-Aquitaine", {"seed-004"}),
    ("country/france", "France", {"seed-000", "seed-001", "seed-002", "seed-003", "seed-004"}),
    ("country/allemagne", "Allemagne", {"seed-001"}),
    ("country/suisse", "Suisse", {"seed-003"}),
    ("country/senegal", "Sénégal", {"seed-003"}),
    ("country/cote-d-ivoire", "Côte d'Ivoire", {"seed-003"}),
    ("country/canada", "Canada", {"seed-001", "seed-003"}),
]


@pytest.mark.parametrize(("curie", "label", "seeds"), EXPECTED_RESOURCES, ids=[r[0] for r in EXPECTED_RESOURCES])
def test_named_resource_exists_with_its_label_in_each_seed_that_mentions_it(curie, label, seeds):
    subject = iri(curie)
    for seed in sorted(seeds):
        graph = seed_graph(seed)
        assert (subject, DCTERMS.source, source_iri(seed)) in graph, f"{curie} is not described in {seed}"
        assert Literal(label, lang="fr") in set(graph.objects(subject, RDFS.label)), f"{curie} in {seed}"
    unexpected = {s for s in SEEDS if s not in seeds and (subject, None, None) in seed_graph(s)}
    assert unexpected == set(), f"{curie} is described by seeds that do not mention it"


#: The class each kind of resource must have (an explicit rdf:type, since the build runs no inference).
CLASS_OF_KIND = {
    "place": TL.ThirdPlace,
    "community": TL.Community,
    "person": TL.Person,
    "event": TL.Event,
    "series": TL.EventSeries,
    "publication": TL.Publication,
    "milestone": TL.Milestone,
    "module": TL.Module,
    "name": TL.NameUse,
    "commune": TL.Commune,
    "locality": TL.Locality,
    "region": TL.Region,
    "country": TL.Country,
    "source": TL.SourceDocument,
}


def test_every_resource_has_the_class_of_its_kind():
    graph = curated_graph()
    wrong = []
    for subject in sorted(set(graph.subjects())):
        kind = str(subject)[len(ID_BASE) :].split("/")[0]
        if (subject, RDF.type, CLASS_OF_KIND[kind]) not in graph:
            wrong.append(str(subject))
    assert wrong == []


def test_every_place_has_a_kind():
    graph = curated_graph()
    without = [str(p) for p in graph.subjects(RDF.type, TL.ThirdPlace) if (p, TL.placeKind, None) not in graph]
    assert without == []


# --- the facts the seeds state ------------------------------------------------------

G_YEAR, G_YEAR_MONTH, DATE = rdfns.XSD.gYear, rdfns.XSD.gYearMonth, rdfns.XSD.date


def lit(text: str, datatype: URIRef | None = None, lang: str | None = None) -> Literal:
    """A literal, shorter to write in the tables."""
    return Literal(text, datatype=datatype, lang=lang)


def kind(concept: str) -> URIRef:
    """A concept of the place-kind scheme."""
    return URIRef(f"{VOCAB_BASE}place-kind/{concept}")


def concept(scheme: str, slug: str) -> URIRef:
    """A concept of any scheme."""
    return URIRef(f"{VOCAB_BASE}{scheme}/{slug}")


#: (seed, subject, property, object): a statement the seed supports, expected in that seed's file.
EXPECTED_FACTS = [
    # La Coroutine (seeds 000, 001, 003)
    ("seed-000", "place/la-coroutine", TL.foundingDate, lit("2010", G_YEAR)),
    ("seed-001", "place/la-coroutine", TL.website, URIRef("http://www.lacoroutine.org")),
    ("seed-001", "place/la-coroutine", TL.placeKind, kind("coworking")),
    ("seed-001", "place/la-coroutine", TL.placeKind, kind("veilleuse-de-quartier")),
    ("seed-001", "place/la-coroutine", TL.placeKind, kind("makerspace")),
    ("seed-001", "place/la-coroutine", TL.placeKind, kind("espace-evenementiel")),
    ("seed-001", "place/la-coroutine", TL.governance, concept("governance", "horizontale")),
    ("seed-001", "place/la-coroutine", TL.governance, concept("governance", "autogeree")),
    ("seed-001", "place/la-coroutine", TL.fundingModel, concept("funding-model", "autofinancement")),
    ("seed-001", "place/la-coroutine", TL.statesValue, concept("collective-value", "opensource")),
    ("seed-001", "place/la-coroutine", TL.hasModule, iri("module/la-coroutine-makerspace")),
    ("seed-001", "module/la-coroutine-veilleuse-de-quartier", TL.moduleKind, kind("veilleuse-de-quartier")),
    ("seed-003", "place/la-coroutine", TL.locality, iri("commune/59350")),
    # Le Comptoir Numérique, Arrêt Minute, the Paris pioneers
    ("seed-000", "place/le-comptoir-numerique", TL.foundingDate, lit("2010", G_YEAR)),
    ("seed-002", "place/le-comptoir-numerique", TL.placeKind, kind("espace-public-numerique")),
    ("seed-002", "place/le-comptoir-numerique", TL.placeKind, kind("coworking")),
    ("seed-002", "place/le-comptoir-numerique", TL.locality, iri("commune/42218")),
    ("seed-003", "place/le-comptoir-numerique", TL.locality, iri("commune/42218")),
    ("seed-000", "place/arret-minute", TL.foundingDate, lit("2010", G_YEAR)),
    ("seed-001", "place/la-cantine", TL.foundingDate, lit("2008-02", G_YEAR_MONTH)),
    ("seed-001", "place/la-cantine", TL.foundedBy, iri("community/silicon-sentier")),
    ("seed-001", "place/la-cantine", TL.website, URIRef("http://lacantine.org")),
    ("seed-000", "place/la-cantine", TL.locality, iri("commune/75056")),
    ("seed-001", "place/la-ruche", TL.foundingDate, lit("2008-05", G_YEAR_MONTH)),
    ("seed-001", "place/la-ruche", TL.website, URIRef("http://www.la-ruche.net")),
    ("seed-000", "place/ici-montreuil", TL.placeKind, kind("coworking")),
    ("seed-000", "place/ici-montreuil", TL.locality, iri("commune/93048")),
    ("seed-001", "place/betahaus", TL.locality, iri("locality/berlin")),
    ("seed-001", "place/betahaus", TL.website, URIRef("http://www.betahaus.de")),
    ("seed-002", "place/la-cordee", TL.locality, iri("commune/69123")),
    ("seed-003", "place/jokkolabs", TL.country, iri("country/senegal")),
    ("seed-003", "place/afriworkers", TL.locality, iri("locality/abidjan")),
    ("seed-003", "place/ecto", TL.locality, iri("locality/montreal")),
    ("seed-003", "place/la-muse", TL.locality, iri("locality/geneve")),
    ("seed-003", "place/les-docks-numeriques", TL.locality, iri("commune/21231")),
    # communes: only the INSEE codes we are certain of
    ("seed-000", "commune/59350", TL.inseeCode, lit("59350")),
    ("seed-000", "commune/75056", TL.inseeCode, lit("75056")),
    ("seed-000", "commune/42218", TL.inseeCode, lit("42218")),
    ("seed-002", "commune/69123", TL.inseeCode, lit("69123")),
    ("seed-003", "commune/21231", TL.inseeCode, lit("21231")),
    ("seed-000", "commune/93048", TL.inseeCode, lit("93048")),
    ("seed-000", "commune/86194", TL.inseeCode, lit("86194")),
    ("seed-000", "commune/29019", TL.inseeCode, lit("29019")),
    # the collective, its values, interests and names
    ("seed-000", "community/tiers-lieux-libres-et-open-source", TL.foundingDate, lit("2012", G_YEAR)),
    *[
        ("seed-000", "community/tiers-lieux-libres-et-open-source", TL.statesValue, concept("collective-value", v))
        for v in SCHEMES["collective-value"]
    ],
    *[
        ("seed-000", "community/tiers-lieux-libres-et-open-source", TL.hasInterest, concept("collective-interest", i))
        for i in SCHEMES["collective-interest"]
    ],
    ("seed-000", "community/tiers-lieux-libres-et-open-source", TL.hadName, iri("name/tiers-lieux-2012")),
    ("seed-000", "community/tiers-lieux-libres-et-open-source", TL.hadName, iri("name/tiers-lieux-open-source-2012")),
    (
        "seed-000",
        "community/tiers-lieux-libres-et-open-source",
        TL.hadName,
        iri("name/tiers-lieux-libres-et-open-source-2014"),
    ),
    ("seed-000", "name/tiers-lieux-2012", TL.startDate, lit("2012", G_YEAR)),
    ("seed-000", "name/tiers-lieux-open-source-2012", TL.endDate, lit("2014", G_YEAR)),
    ("seed-000", "name/tiers-lieux-libres-et-open-source-2014", TL.startDate, lit("2014", G_YEAR)),
    # the Coopérative Tiers-Lieux
    ("seed-004", "event/piloter-un-tiers-lieu", TL.organiser, iri("community/cooperative-tiers-lieux")),
    ("seed-004", "publication/la-revue-des-tiers-lieux", TL.publisher, iri("community/cooperative-tiers-lieux")),
    ("seed-004", "milestone/2011-mediation-politique-de-la-cooperative-tiers-lieux", TL.date, lit("2011", G_YEAR)),
    # Aquitaine
    (
        "seed-001",
        "community/tiers-lieux-travailler-autrement-en-aquitaine",
        TL.initiatedBy,
        iri("place/arret-minute"),
    ),
    ("seed-001", "community/tiers-lieux-travailler-autrement-en-aquitaine", TL.initiatedBy, iri("place/le-node")),
    (
        "seed-001",
        "community/tiers-lieux-travailler-autrement-en-aquitaine",
        TL.initiatedBy,
        iri("community/co-actions"),
    ),
    (
        "seed-001",
        "community/tiers-lieux-travailler-autrement-en-aquitaine",
        TL.supportedBy,
        iri("community/conseil-regional-d-aquitaine"),
    ),
    (
        "seed-001",
        "event/enquete-travailler-autrement-et-reduire-ses-distances",
        TL.startDate,
        lit("2013-06", G_YEAR_MONTH),
    ),
    (
        "seed-001",
        "event/enquete-travailler-autrement-et-reduire-ses-distances",
        TL.endDate,
        lit("2013-10", G_YEAR_MONTH),
    ),
    # the ANIS publication
    (
        "seed-001",
        "publication/des-espaces-pour-se-rencontrer-et-creer-les-tiers-lieux",
        TL.publisher,
        iri("community/anis"),
    ),
    (
        "seed-001",
        "publication/des-espaces-pour-se-rencontrer-et-creer-les-tiers-lieux",
        TL.supportedBy,
        iri("community/region-nord-pas-de-calais"),
    ),
    *[
        ("seed-001", "publication/des-espaces-pour-se-rencontrer-et-creer-les-tiers-lieux", TL.contributor, iri(c))
        for c in (
            "person/yoann-duriaux",
            "person/guillaume-libersat",
            "person/pierre-trendel",
            "person/frederic-bourguignat",
            "community/openscop",
            "community/mutualab",
            "community/anis",
            "community/catalyst",
        )
    ],
    ("seed-001", "publication/veille-innovation-sociale-et-numerique", TL.publisher, iri("community/anis")),
    # other publications
    ("seed-001", "publication/the-great-good-place", TL.author, iri("person/ray-oldenburg")),
    ("seed-004", "publication/the-great-good-place", TL.author, iri("person/ray-oldenburg")),
    ("seed-001", "publication/the-great-good-place", TL.publicationDate, lit("1989", G_YEAR)),
    (
        "seed-001",
        "publication/le-concept-de-tiers-lieu-retour-aux-sources",
        TL.publicationDate,
        lit("2012-04-14", DATE),
    ),
    ("seed-001", "publication/manifeste-des-tiers-lieux", TL.publicationDate, lit("2013-11", G_YEAR_MONTH)),
    (
        "seed-001",
        "publication/manifeste-des-tiers-lieux",
        TL.website,
        URIRef("http://movilab.org/index.php?title=Le_manifeste_des_Tiers_Lieux"),
    ),
    *[
        ("seed-002", "publication/manifeste-des-tiers-lieux", TL.about, concept("manifesto", m))
        for m in SCHEMES["manifesto"]
    ],
    ("seed-002", "publication/definition-du-tiers-lieu-retenue-par-movilab", TL.publisher, iri("community/movilab")),
    # events
    ("seed-000", "event/tt10", TL.hashtag, lit("#TT10")),
    ("seed-000", "event/tt10", TL.location, iri("commune/42218")),
    ("seed-000", "event/1ere-rencontre-nationale-tiers-lieux", TL.edition, lit("1", rdfns.XSD.positiveInteger)),
    ("seed-000", "event/2eme-rencontre-nationale-tiers-lieux", TL.edition, lit("2", rdfns.XSD.positiveInteger)),
    ("seed-000", "event/2eme-rencontre-nationale-tiers-lieux", TL.location, iri("commune/59350")),
    ("seed-000", "event/forum-de-brest-2012", TL.location, iri("commune/29019")),
    ("seed-000", "event/tt14", TL.hashtag, lit("#TT14")),
    ("seed-000", "event/grand-ramdam-des-tiers-lieux-2017", TL.edition, lit("3", rdfns.XSD.positiveInteger)),
    ("seed-000", "event/grand-ramdam-des-tiers-lieux-2017", TL.location, iri("commune/86194")),
    ("seed-000", "event/design-moi-1-tiers-lieux", TL.launched, iri("event/tiers-lieux-fork-the-world")),
    ("seed-000", "event/tiers-lieux-fork-the-world", TL.location, iri("commune/42218")),
    ("seed-001", "event/rencontres-d-autrans-2012", TL.edition, lit("16", rdfns.XSD.positiveInteger)),
    ("seed-003", "event/rencontres-d-autrans-2012", TL.startDate, lit("2012-01-11", DATE)),
    ("seed-003", "event/rencontres-d-autrans-2012", TL.endDate, lit("2012-01-13", DATE)),
    (
        "seed-003",
        "event/rencontres-d-autrans-2012",
        TL.launched,
        iri("community/groupe-international-francophone-sur-les-tiers-lieux"),
    ),
    ("seed-001", "event/roumics-2013", TL.startDate, lit("2013-11", G_YEAR_MONTH)),
    ("seed-001", "event/roumics-2013", TL.launched, iri("publication/manifeste-des-tiers-lieux")),
    ("seed-001", "event/grand-ramdam-des-tiers-lieux-2013", TL.startDate, lit("2013-07", G_YEAR_MONTH)),
    ("seed-002", "event/quinzaine-des-tiers-lieux", TL.location, iri("commune/42218")),
    # the international francophone working group
    (
        "seed-003",
        "community/groupe-international-francophone-sur-les-tiers-lieux",
        TL.foundingDate,
        lit("2012-01", G_YEAR_MONTH),
    ),
    *[
        ("seed-003", "community/groupe-international-francophone-sur-les-tiers-lieux", TL.partner, iri(p))
        for p in (
            "community/coworking-francophonie",
            "community/neo-nomade",
            "community/movilab",
            "place/le-comptoir-numerique",
            "place/les-docks-numeriques",
            "community/imagination-for-people",
            "place/la-muse",
            "place/la-coroutine",
            "place/jokkolabs",
            "place/afriworkers",
            "place/ecto",
        )
    ],
    (
        "seed-001",
        "community/groupe-international-francophone-sur-les-tiers-lieux",
        TL.website,
        URIRef("http://imaginationforpeople.org/fr/group/tiers-lieux/"),
    ),
]


@pytest.mark.parametrize(
    ("seed", "subject", "prop", "value"),
    EXPECTED_FACTS,
    ids=[f"{f[0]}:{f[1]}:{f[2].split('#')[-1]}:{f[3].split('/')[-1]}" for f in EXPECTED_FACTS],
)
def test_seed_file_states_the_fact(seed, subject, prop, value):
    assert (iri(subject), prop, value) in seed_graph(seed)


def test_objectives_are_stated_in_both_languages():
    graph = curated_graph()
    for community, count in (
        ("community/tiers-lieux-libres-et-open-source", 3),
        ("community/groupe-international-francophone-sur-les-tiers-lieux", 3),
        ("community/cooperative-tiers-lieux", 3),
    ):
        objectives = list(graph.objects(iri(community), TL.objective))
        assert sorted(o.language for o in objectives) == ["en"] * count + ["fr"] * count, community


# --- where the seeds are vague, the data stays vague ------------------------------


def test_the_quinzaine_has_no_date_since_its_year_is_not_given():
    graph = curated_graph()
    quinzaine = iri("event/quinzaine-des-tiers-lieux")
    assert list(graph.objects(quinzaine, TL.startDate)) == []
    assert list(graph.objects(quinzaine, TL.endDate)) == []


def test_dates_are_never_more_precise_than_their_seed():
    graph = curated_graph()
    # seed 000 only gives years; seed 001 gives months for its timeline.
    for subject, prop, value in seed_graph("seed-000"):
        if prop in DATE_PROPERTIES:
            assert value.datatype == rdfns.XSD.gYear, f"{subject} {prop} {value}"
    assert set(graph.objects(iri("event/tt10"), TL.startDate)) == {lit("2010", G_YEAR)}
    assert set(graph.objects(iri("place/la-cantine"), TL.foundingDate)) == {lit("2008-02", G_YEAR_MONTH)}


def test_no_milestone_is_invented_for_the_empty_2016_entry():
    years = {str(d)[:4] for d in curated_graph().objects(None, TL.date)}
    assert "2016" not in years
    assert years == {"1989", "2008", "2010", "2011", "2012", "2013", "2014", "2017"}


def test_the_timeline_milestones_each_have_one_date_and_involve_something():
    graph = curated_graph()
    milestones = sorted(set(graph.subjects(RDF.type, TL.Milestone)))
    assert len(milestones) >= 20
    for milestone in milestones:
        assert len(list(graph.objects(milestone, TL.date))) == 1, milestone
        assert list(graph.objects(milestone, TL.involves)), milestone


def test_only_the_certain_insee_codes_are_given():
    graph = curated_graph()
    french = {s: str(label) for s, label in graph.subject_objects(RDFS.label) if label.language == "fr"}
    codes = {french[s]: str(c) for s, c in graph.subject_objects(TL.inseeCode)}
    assert codes == {
        "Lille": "59350",
        "Paris": "75056",
        "Saint-Étienne": "42218",
        "Lyon": "69123",
        "Dijon": "21231",
        "Montreuil": "93048",
        "Poitiers": "86194",
        "Brest": "29019",
    }
    # French communes are ONE resource with the census's: …/id/commune/{INSEE code}; other towns stay localities.
    assert set(graph.subjects(RDF.type, TL.Commune)) == {resource_iri("commune", c) for c in codes.values()}
    assert (iri("locality/autrans"), RDF.type, TL.Locality) in graph
    assert (iri("locality/autrans"), RDF.type, TL.Commune) not in graph


# --- the source documents -----------------------------------------------------------

EXPECTED_SOURCES = [
    ("seed-000", "000_ace87bb98e30ca40.txt", "Un collectif"),
    ("seed-001", "001_2020098de2dd3a23.txt", "Des espaces pour se rencontrer et créer : les tiers-lieux"),
    (
        "seed-002",
        "002_35d587c35e1f167e.txt",
        "La quinzaine des « tiers-lieux » à Saint-Etienne, un séminaire pour les acteurs de ces « maisons des projets »",
    ),
    (
        "seed-003",
        "003_288b21b7d4ff224c.txt",
        "Création d'un groupe de travail international francophone sur les Tiers Lieux",
    ),
    ("seed-004", "004_b225d432b1b0e273.txt", "Présentation"),
]


@pytest.mark.parametrize(("seed", "file_name", "title"), EXPECTED_SOURCES, ids=[s[0] for s in EXPECTED_SOURCES])
def test_source_document_is_described(seed, file_name, title):
    graph = parse_file(SOURCES_FILE)
    source = source_iri(seed)
    assert (source, RDF.type, TL.SourceDocument) in graph
    assert set(graph.objects(source, DCTERMS.identifier)) == {Literal(file_name)}
    assert set(graph.objects(source, DCTERMS.title)) == {Literal(title, lang="fr")}
    assert set(graph.objects(source, DCTERMS.language)) == {Literal("fr")}


def words(text: str) -> str:
    """Lower-case ``text`` and reduce every run of characters other than letters and digits to one space."""
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


@pytest.mark.parametrize(("seed", "file_name", "title"), EXPECTED_SOURCES, ids=[s[0] for s in EXPECTED_SOURCES])
def test_source_identifier_names_a_real_seed_file(seed, file_name, title):
    seeds_dir = SHARED / "seeds"
    if not seeds_dir.is_dir():
        pytest.skip(f"{seeds_dir} is not available")
    text = (seeds_dir / file_name).read_text(encoding="utf-8")
    # The title we give is the document's own, modulo case, punctuation and apostrophes.
    assert words(title) in words(text)


def test_source_metadata_that_the_documents_state():
    graph = parse_file(SOURCES_FILE)
    s0, s3 = source_iri("seed-000"), source_iri("seed-003")
    assert (s0, rdfns.SDO.url, URIRef("http://tiers-lieux.org/un-collectif/")) in graph
    assert (s0, TL.publicationDate, lit("2017-03-24", DATE)) in graph
    assert (s0, TL.author, iri("person/simon-sarazin")) in graph
    assert (s3, TL.author, iri("person/michel-briand")) in graph
    assert (s3, TL.publicationDate, lit("2012-01-20", DATE)) in graph
    assert (s3, TL.publisher, iri("community/a-brest")) in graph
    assert (s3, DCTERMS.license, None) in graph
    assert (source_iri("seed-001"), TL.publisher, iri("community/anis")) in graph
    assert (source_iri("seed-004"), TL.publisher, iri("community/cooperative-tiers-lieux")) in graph
    # Seed 002 states no author, date or address: none is given.
    s2 = source_iri("seed-002")
    assert [p for p in graph.predicates(s2, None) if p in (TL.author, TL.publicationDate, rdfns.SDO.url)] == []
