"""The OWL ontology (ontology/*.ttl) and the SKOS vocabularies (ontology/vocabularies/*.ttl).

Each check is a small function that returns the problems it finds, so that the
parametrized tests name the module, term or concept at fault and the negative
tests can show that a check really catches what it is meant to catch.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import SimpleNamespace

import owlrl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdflib_ns
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS

from tierslieux.namespaces import ONTOLOGY_IRI, PAIR, QB, SCHEMES, TL, VANN, WD, bind_prefixes, resource_iri, scheme_iri
from tierslieux.paths import ONTOLOGY_DIR, VOCABULARY_DIR
from tierslieux.rdfio import parse_file

# rdflib's open namespaces warn on any unknown attribute, and pytest's collection probes every module global:
# keep them one level down.
OPEN = SimpleNamespace(SDO=rdflib_ns.SDO, DCAT=rdflib_ns.DCAT, GEO=rdflib_ns.GEO, XSD=rdflib_ns.XSD)

MODULES: dict[str, URIRef] = {
    "core": URIRef(ONTOLOGY_IRI),
    **{name: URIRef(f"{ONTOLOGY_IRI}/{name}") for name in ("places", "communities", "events", "values", "publications")},
}
LICENCE = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
TL_NS = str(TL._NS)
TL_TERMS = sorted(TL.__annotations__)

#: The expected kind of every property of TL; the classes are the capitalised names.
DATATYPE_PROPERTIES = {
    "streetAddress", "postalCode", "inMetropolis", "inseeCode", "foundingDate", "closingDate",
    "geocodingPrecision", "formerName", "startDate", "endDate", "date", "edition", "certification",
    "hashtag", "objective", "publicationDate", "countedYear", "placeCount", "placesWithWebsite", "placesWithWikidataItem",
}  # fmt: skip
ANNOTATION_PROPERTIES = {"kindClass"}

#: Where a term of ours may find its super-class, super-property or equivalent.
ALLOWED_ALIGNMENT_NAMESPACES: tuple[type[rdflib_ns.DefinedNamespace], ...] = (OPEN.SDO, FOAF, ORG, SKOS, OPEN.GEO, DCTERMS, PROV, OPEN.DCAT, PAIR)
#: Vocabularies whose every term we use must really exist (rdflib's term lists, our closed PAIR).
CHECKED_NAMESPACES: tuple[type[rdflib_ns.DefinedNamespace], ...] = ALLOWED_ALIGNMENT_NAMESPACES + (OWL, RDFS, RDF, OPEN.XSD)
ALIGNMENT_PREDICATES = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)
MAPPING_PREDICATES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch, SKOS.broadMatch, SKOS.narrowMatch)

#: The only Wikidata items checked by hand; no other may appear anywhere in ontology/.
VERIFIED_WIKIDATA = {
    WD.Q1032372: "hackerspace",
    WD.Q1143018: "toy library",
    WD.Q251958: "community garden",
    WD.Q869457: "coworking (the practice, not the place)",
}

# ----------------------------------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------------------------------


def module_path(name: str) -> Path:
    """Return the file that holds module ``name``."""
    return ONTOLOGY_DIR / f"{name}.ttl"


@cache
def module_graph(name: str) -> Graph:
    """Parse one ontology module."""
    return parse_file(module_path(name))


@cache
def ontology_graph() -> Graph:
    """Return every module of the ontology in one graph."""
    graph = Graph()
    for name in MODULES:
        graph += module_graph(name)
    return graph


@cache
def scheme_graph(scheme: str) -> Graph:
    """Parse the file of one concept scheme."""
    return parse_file(VOCABULARY_DIR / f"{scheme}.ttl")


@cache
def everything() -> Graph:
    """Return the ontology and all vocabularies in one graph."""
    graph = Graph()
    graph += ontology_graph()
    for scheme in SCHEMES:
        graph += scheme_graph(scheme)
    return graph


def all_turtle_files() -> list[Path]:
    """Return every Turtle file under ontology/, vocabularies included."""
    return sorted(ONTOLOGY_DIR.rglob("*.ttl"))


def iris_in(graph: Graph) -> set[URIRef]:
    """Return every IRI a graph mentions, in any position."""
    return {term for triple in graph for term in triple if isinstance(term, URIRef)}


def local_name(iri: URIRef, namespace: type[rdflib_ns.DefinedNamespace]) -> str | None:
    """Return the name of ``iri`` inside ``namespace``, or None when the IRI is not in it."""
    base = str(namespace._NS)
    return str(iri)[len(base) :] if str(iri).startswith(base) else None


def declared_in(namespace: type[rdflib_ns.DefinedNamespace], name: str) -> bool:
    """Tell whether ``name`` is a term rdflib (or our closed namespace) declares in ``namespace``."""
    return name in namespace.__annotations__ or name in getattr(namespace, "_extras", ())


_PREFIXED = bind_prefixes(Graph())


def short(iri: URIRef) -> str:
    """Write ``iri`` with the project's prefixes (``tl:ThirdPlace``), or in full when none applies."""
    return _PREFIXED.namespace_manager.normalizeUri(iri)


def texts_by_language(graph: Graph, subject: URIRef, predicate: URIRef) -> dict[str | None, list[str]]:
    """Group the literal values of ``subject predicate`` by language tag."""
    found: dict[str | None, list[str]] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            found.setdefault(value.language, []).append(str(value))
    return found


# ----------------------------------------------------------------------------------------------------------------------
# Checks (each returns a list of human-readable problems, empty when all is well)
# ----------------------------------------------------------------------------------------------------------------------


def bilingual_problems(graph: Graph, subject: URIRef, predicates: tuple[URIRef, ...]) -> list[str]:
    """Check that ``subject`` has exactly one non-empty fr and one en value for each predicate."""
    problems = []
    for predicate in predicates:
        texts = texts_by_language(graph, subject, predicate)
        for language in ("fr", "en"):
            values = texts.get(language, [])
            if len(values) != 1 or not values[0].strip():
                problems.append(f"{subject}: {short(predicate)} @{language}: expected one, found {values!r}")
    return problems


def header_problems(graph: Graph, module: URIRef) -> list[str]:
    """Check the owl:Ontology header of one module."""
    problems = []
    headers = set(graph.subjects(RDF.type, OWL.Ontology))
    if headers != {module}:
        return [f"expected exactly one owl:Ontology {module}, found {sorted(headers)}"]
    for predicate in (OWL.versionInfo, OWL.versionIRI, DCTERMS.creator, DCTERMS.created, DCTERMS.modified):
        if graph.value(module, predicate) is None:
            problems.append(f"{module}: missing {short(predicate)}")
    version_iri = graph.value(module, OWL.versionIRI)
    if version_iri is not None and not str(version_iri).startswith(f"{module}/"):
        problems.append(f"{module}: owl:versionIRI {version_iri} is not under the module IRI")
    for predicate in (DCTERMS.created, DCTERMS.modified):
        value = graph.value(module, predicate)
        if value is not None and (not isinstance(value, Literal) or value.datatype != OPEN.XSD.date):
            problems.append(f"{module}: {short(predicate)} must be an xsd:date, found {value!r}")
    if set(graph.objects(module, DCTERMS.license)) != {LICENCE}:
        problems.append(f"{module}: dct:license must be {LICENCE}")
    problems += bilingual_problems(graph, module, (DCTERMS.title, DCTERMS.description))
    if graph.value(module, VANN.preferredNamespacePrefix) != Literal("tl"):
        problems.append(f'{module}: vann:preferredNamespacePrefix must be "tl"')
    if graph.value(module, VANN.preferredNamespaceUri) != Literal(TL_NS):
        problems.append(f'{module}: vann:preferredNamespaceUri must be "{TL_NS}"')
    return problems


def expected_kind(name: str) -> URIRef:
    """Return the OWL kind a TL term must be declared with."""
    if name[0].isupper():
        return OWL.Class
    if name in ANNOTATION_PROPERTIES:
        return OWL.AnnotationProperty
    return OWL.DatatypeProperty if name in DATATYPE_PROPERTIES else OWL.ObjectProperty


#: Types a term may have besides its OWL kind: a role it plays, not what it is (the statistics' RDF Data Cube dimensions
#: and measures, build/statistics.py).
ROLES = frozenset({OWL.SymmetricProperty, QB.DimensionProperty, QB.MeasureProperty})


def term_problems(graph: Graph, name: str) -> list[str]:
    """Check that TL term ``name`` is declared once, with the right kind, in the module it says defines it."""
    term = TL[name]
    kinds = {k for k in graph.objects(term, RDF.type) if k not in ROLES}
    want = expected_kind(name)
    if kinds != {want}:
        return [f"tl:{name}: declared as {sorted(short(k) for k in kinds) or 'nothing'}, expected {short(want)}"]
    problems = bilingual_problems(graph, term, (RDFS.label, SKOS.definition))
    defined_by = set(graph.objects(term, RDFS.isDefinedBy))
    if len(defined_by) != 1 or next(iter(defined_by)) not in MODULES.values():
        problems.append(f"tl:{name}: rdfs:isDefinedBy must name one module, found {sorted(defined_by)}")
    else:
        module = next(iter(defined_by))
        name_of_module = next(n for n, iri in MODULES.items() if iri == module)
        if (term, RDF.type, want) not in module_graph(name_of_module):
            problems.append(f"tl:{name}: rdfs:isDefinedBy {module} but {module_path(name_of_module).name} does not declare it")
    return problems


def range_problems(graph: Graph, name: str) -> list[str]:
    """Check that a datatype property ranges over literals and an object property over resources."""
    term = TL[name]
    ranges = list(graph.objects(term, RDFS.range))
    kind = expected_kind(name)
    problems = []
    for value in ranges:
        literal_range = (
            local_name(value, OPEN.XSD) is not None
            or value in (RDFS.Literal, RDF.langString)
            or (isinstance(value, BNode) and (value, RDF.type, RDFS.Datatype) in graph)
        )
        if kind == OWL.DatatypeProperty and not literal_range:
            problems.append(f"tl:{name}: a datatype property with the non-literal range {value}")
        if kind == OWL.ObjectProperty and literal_range:
            problems.append(f"tl:{name}: an object property with the literal range {value}")
    if kind == OWL.DatatypeProperty and not ranges:
        problems.append(f"tl:{name}: a datatype property needs an rdfs:range")
    return problems


def unknown_tl_iris(graph: Graph) -> set[URIRef]:
    """Return the tl: IRIs of ``graph`` that are not terms of the TL namespace."""
    return {iri for iri in iris_in(graph) if (name := local_name(iri, TL)) is not None and name not in TL.__annotations__}


def tl_terms_outside_imports(name: str) -> set[URIRef]:
    """Return the tl: terms module ``name`` mentions that neither it nor the modules it imports (transitively) declare."""
    seen, todo = set(), [MODULES[name]]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        module_name = next(n for n, iri in MODULES.items() if iri == module)
        todo.extend(o for o in module_graph(module_name).objects(module, OWL.imports) if isinstance(o, URIRef))
    available = Graph()
    for module in seen:
        available += module_graph(next(n for n, iri in MODULES.items() if iri == module))
    declared = {s for s in available.subjects(RDF.type, None) if local_name(s, TL) is not None}
    used = {iri for iri in iris_in(module_graph(name)) if local_name(iri, TL) is not None}
    return used - declared


def foreign_alignments(graph: Graph) -> list[str]:
    """Return the super-terms, equivalents and SKOS matches of tl: terms that are outside the allowed vocabularies."""
    problems = []
    for predicate in ALIGNMENT_PREDICATES + MAPPING_PREDICATES:
        for subject, target in graph.subject_objects(predicate):
            if local_name(subject, TL) is None or not isinstance(target, URIRef) or local_name(target, TL) is not None:
                continue
            if not any(local_name(target, ns) is not None for ns in ALLOWED_ALIGNMENT_NAMESPACES):
                problems.append(f"{short(subject)} {short(predicate)} {target}: not an allowed vocabulary")
    return problems


def undeclared_external_terms(graph: Graph) -> list[str]:
    """Return the IRIs of well-known vocabularies used in ``graph`` that those vocabularies do not define."""
    problems = []
    for iri in sorted(iris_in(graph)):
        for namespace in CHECKED_NAMESPACES:
            name = local_name(iri, namespace)
            if name is not None and not declared_in(namespace, name):
                problems.append(f"{iri}: not a term of {namespace._NS}")
    return problems


def unverified_wikidata(graph: Graph) -> set[URIRef]:
    """Return the Wikidata IRIs of ``graph`` that are not among the verified items."""
    return {iri for iri in iris_in(graph) if str(iri).startswith("http://www.wikidata.org/") and iri not in VERIFIED_WIKIDATA}


def concept_problems(graph: Graph, scheme: str, concept: URIRef) -> list[str]:
    """Check one concept: in its scheme, labelled and defined in fr and en, and placed in the hierarchy."""
    scheme_node = scheme_iri(scheme)
    problems = []
    if (concept, RDF.type, SKOS.Concept) not in graph:
        return [f"{concept}: not declared as a skos:Concept in {scheme}.ttl"]
    if (concept, SKOS.inScheme, scheme_node) not in graph:
        problems.append(f"{concept}: no skos:inScheme {scheme_node}")
    problems += bilingual_problems(graph, concept, (SKOS.prefLabel, SKOS.definition))
    is_top = (concept, SKOS.topConceptOf, scheme_node) in graph
    if is_top != ((scheme_node, SKOS.hasTopConcept, concept) in graph):
        problems.append(f"{concept}: skos:topConceptOf and skos:hasTopConcept disagree")
    broader = set(graph.objects(concept, SKOS.broader))
    if not is_top and not broader:
        problems.append(f"{concept}: neither a top concept nor narrower than another concept")
    if is_top and broader:
        problems.append(f"{concept}: a top concept must not have a skos:broader")
    for parent in broader:
        if (parent, SKOS.inScheme, scheme_node) not in graph:
            problems.append(f"{concept}: skos:broader {parent} is not a concept of {scheme}")
    # Walking up must reach a top concept without looping.
    seen, node = set(), concept
    while (node, SKOS.topConceptOf, scheme_node) not in graph:
        parents = sorted(graph.objects(node, SKOS.broader))
        if not parents or node in seen:
            problems.append(f"{concept}: the skos:broader chain does not reach a top concept")
            break
        seen.add(node)
        node = parents[0]
    return problems


def scheme_header_problems(graph: Graph, scheme: str) -> list[str]:
    """Check a concept scheme's own description."""
    node = scheme_iri(scheme)
    if (node, RDF.type, SKOS.ConceptScheme) not in graph:
        return [f"{scheme}.ttl: {node} is not declared as a skos:ConceptScheme"]
    problems = bilingual_problems(graph, node, (SKOS.prefLabel, SKOS.definition))
    if set(graph.objects(node, DCTERMS.license)) != {LICENCE}:
        problems.append(f"{node}: dct:license must be {LICENCE}")
    return problems


def concept_set_problems(graph: Graph, scheme: str) -> list[str]:
    """Compare the concepts a scheme file declares with the concepts namespaces.SCHEMES lists, both ways."""
    expected = {URIRef(f"{scheme_iri(scheme)}/{slug}") for slug in SCHEMES[scheme]}
    declared = set(graph.subjects(RDF.type, SKOS.Concept))
    problems = [f"{scheme}.ttl: missing concept {c}" for c in sorted(expected - declared)]
    problems += [f"{scheme}.ttl: concept {c} is not in namespaces.SCHEMES[{scheme!r}]" for c in sorted(declared - expected)]
    return problems


def kind_class_problems(graph: Graph) -> list[str]:
    """Check tl:kindClass: it names a class of ours, and agrees with the class's owl:equivalentClass restriction."""
    problems = []
    for concept, cls in graph.subject_objects(TL.kindClass):
        if (cls, RDF.type, OWL.Class) not in graph or local_name(cls, TL) is None:
            problems.append(f"{concept} tl:kindClass {cls}: not a class of the ontology")
            continue
        if (concept, SKOS.inScheme, scheme_iri("place-kind")) not in graph or cls == TL.ThirdPlace:
            continue
        restricted = {
            graph.value(member, OWL.hasValue)
            for equivalent in graph.objects(cls, OWL.equivalentClass)
            for member in graph.items(graph.value(equivalent, OWL.intersectionOf))
            if graph.value(member, OWL.onProperty) == TL.placeKind
        }
        if restricted != {concept}:
            problems.append(
                f"{short(cls)}: owl:equivalentClass restricts tl:placeKind to {sorted(map(str, restricted))}, "
                f"but {concept} names it as its kind class"
            )
    return problems


# ----------------------------------------------------------------------------------------------------------------------
# The ontology modules
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MODULES))
def test_module_has_a_complete_header(name):
    """Every module declares itself once, with version, licence, creator, dates, bilingual title and description."""
    assert header_problems(module_graph(name), MODULES[name]) == []


def test_the_top_ontology_imports_every_module():
    """ontology/core.ttl is the whole ontology: it imports each of the other modules."""
    imports = set(module_graph("core").objects(MODULES["core"], OWL.imports))
    assert imports == {iri for name, iri in MODULES.items() if name != "core"}


def test_no_other_file_in_the_ontology_folder():
    """ontology/ holds the modules listed here and nothing else (the vocabularies live in their own folder)."""
    assert sorted(p.stem for p in ONTOLOGY_DIR.glob("*.ttl")) == sorted(MODULES)


@pytest.mark.parametrize("name", list(MODULES))
def test_module_only_uses_terms_of_its_imports(name):
    """A module mentions only tl: terms that it or a module it imports declares."""
    assert tl_terms_outside_imports(name) == set()


@pytest.mark.parametrize("name", TL_TERMS)
def test_tl_term_is_defined_with_its_kind_labels_and_definitions(name):
    """Every TL term is declared with the right OWL kind, labelled and defined in fr and en, by the module that says so."""
    assert term_problems(ontology_graph(), name) == []


@pytest.mark.parametrize("name", [n for n in TL_TERMS if not n[0].isupper()])
def test_property_range_matches_its_kind(name):
    """Datatype properties range over literals, object properties over resources."""
    assert range_problems(ontology_graph(), name) == []


@pytest.mark.parametrize("path", all_turtle_files(), ids=lambda p: str(p.relative_to(ONTOLOGY_DIR)))
def test_every_tl_iri_is_a_term_of_the_namespace(path):
    """No file under ontology/ mints a tl: IRI that namespaces.TL does not list."""
    assert unknown_tl_iris(parse_file(path)) == set()


def test_declared_terms_are_exactly_the_namespace():
    """Both directions at once: the tl: subjects the ontology declares are exactly the TL terms."""
    graph = ontology_graph()
    declared = {local_name(s, TL) for s in graph.subjects(RDF.type, None) if local_name(s, TL) is not None}
    assert declared == set(TL_TERMS)


def test_class_hierarchy_follows_the_model():
    """The sub-classes the model relies on are stated."""
    graph = ontology_graph()
    expected = {
        TL.Community: ["Collective", "Network", "Association", "Cooperative", "Consortium", "Company", "PublicBody"],
        TL.Event: ["Meeting", "Seminar", "Festival", "Exhibition", "Training"],
        TL.ThirdPlace: ["CoworkingSpace", "FabLab", "Makerspace", "Hackerspace", "PublicDigitalSpace", "SharedGarden", "ToyLibrary", "RepairCafe", "LivingLab"],
        TL.Locality: ["Commune"],
        TL.Publication: ["Manifesto", "Periodical", "Report", "Book", "WebPage"],
    }
    missing = [f"tl:{child} ⊑ {short(parent)}" for parent, children in expected.items() for child in children if (TL[child], RDFS.subClassOf, parent) not in graph]
    assert missing == []


def test_operates_and_operated_by_are_inverses():
    """tl:operates and tl:operatedBy are declared inverse of each other."""
    graph = ontology_graph()
    assert (TL.operates, OWL.inverseOf, TL.operatedBy) in graph
    assert (TL.operatedBy, OWL.inverseOf, TL.operates) in graph


# ----------------------------------------------------------------------------------------------------------------------
# Alignment with other vocabularies
# ----------------------------------------------------------------------------------------------------------------------


def test_superclasses_and_superproperties_come_from_allowed_vocabularies():
    """Every external super-term, equivalent or match of a tl: term is from schema.org, FOAF, ORG, SKOS, GeoSPARQL, DCTerms, PROV-O, DCAT or PAIR."""
    assert foreign_alignments(ontology_graph()) == []


@pytest.mark.parametrize("path", all_turtle_files(), ids=lambda p: str(p.relative_to(ONTOLOGY_DIR)))
def test_external_terms_exist(path):
    """Every schema.org, FOAF, ORG, PROV, DCAT, GeoSPARQL, DCTerms, SKOS, OWL, RDF(S), XSD or PAIR term used is really defined there."""
    assert undeclared_external_terms(parse_file(path)) == []


@pytest.mark.parametrize("kind", ["Class", "Property"])
def test_every_term_is_aligned_or_deliberately_left_alone(kind):
    """Terms map to an established vocabulary (directly or through a tl: parent); those that do not are listed, so a new one is a decision."""
    graph = ontology_graph()
    unaligned_on_purpose = {
        "Class": {"Module", "NameUse", "Milestone"},
        # the statistics' measures: RDF Data Cube has no generic measure to refine, and none of the allowed vocabularies counts
        "Property": {"governance", "fundingModel", "inMetropolis", "geocodingPrecision", "hadName", "edition", "statesValue", "kindClass",
                     "placeCount", "placesWithWebsite", "placesWithWikidataItem"},
    }[kind]
    names = [n for n in TL_TERMS if n[0].isupper() == (kind == "Class")]

    def aligned(term: URIRef) -> bool:
        targets = [o for p in ALIGNMENT_PREDICATES + MAPPING_PREDICATES for o in graph.objects(term, p) if isinstance(o, URIRef)]
        own_parents = [o for o in targets if local_name(o, TL) is not None]
        return any(local_name(o, TL) is None for o in targets) or any(aligned(parent) for parent in own_parents)

    assert {n for n in names if not aligned(TL[n])} == unaligned_on_purpose


def test_pair_namespace_lists_exactly_the_pair_terms_used():
    """The closed PAIR namespace declares the PAIR terms the ontology uses, and no others."""
    used = {local_name(iri, PAIR) for iri in iris_in(everything()) if local_name(iri, PAIR) is not None}
    assert used == set(PAIR.__annotations__)


def test_only_verified_wikidata_items_appear():
    """The only Wikidata IRIs anywhere under ontology/ are the four verified items."""
    graph = Graph()
    for path in all_turtle_files():
        parse_file(path, graph)
    assert unverified_wikidata(graph) == set()


def test_coworking_practice_is_only_a_related_match():
    """Q869457 names coworking as a practice: only the coworking concept relates to it, by skos:relatedMatch."""
    graph = everything()
    uses = set(graph.subject_predicates(WD.Q869457))
    assert uses == {(URIRef(f"{scheme_iri('place-kind')}/coworking"), SKOS.relatedMatch)}


@pytest.mark.parametrize(
    ("concept", "item"),
    [("hackerspace", WD.Q1032372), ("ludotheque", WD.Q1143018), ("jardin-partage", WD.Q251958)],
)
def test_place_kinds_match_their_verified_wikidata_item(concept, item):
    """The three place kinds whose Wikidata item was verified are skos:exactMatch to it."""
    assert (URIRef(f"{scheme_iri('place-kind')}/{concept}"), SKOS.exactMatch, item) in everything()


# ----------------------------------------------------------------------------------------------------------------------
# The vocabularies
# ----------------------------------------------------------------------------------------------------------------------


def test_one_file_per_scheme():
    """ontology/vocabularies/ has one file per scheme of namespaces.SCHEMES, and nothing else."""
    assert sorted(p.stem for p in VOCABULARY_DIR.glob("*.ttl")) == sorted(SCHEMES)


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_scheme_is_described(scheme):
    """Each scheme has a bilingual label and definition and the data licence."""
    assert scheme_header_problems(scheme_graph(scheme), scheme) == []


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_scheme_file_defines_exactly_its_concepts(scheme):
    """Every concept of SCHEMES is defined in its scheme file, and the file defines no other."""
    assert concept_set_problems(scheme_graph(scheme), scheme) == []


@pytest.mark.parametrize(
    ("scheme", "concept"),
    [(scheme, concept) for scheme, concepts in SCHEMES.items() for concept in concepts],
    ids=lambda value: value,
)
def test_concept_is_labelled_defined_and_placed(scheme, concept):
    """Every concept is in its scheme, labelled and defined in fr and en, and reachable from a top concept."""
    iri = URIRef(f"{scheme_iri(scheme)}/{concept}")
    assert concept_problems(scheme_graph(scheme), scheme, iri) == []


@pytest.mark.parametrize("concept", ["fablab", "makerspace", "hackerspace"])
def test_making_spaces_are_narrower_than_espace_du_faire(concept):
    """Fab labs, makerspaces and hackerspaces are espaces du faire."""
    kind = f"{scheme_iri('place-kind')}/"
    assert (URIRef(kind + concept), SKOS.broader, URIRef(kind + "espace-du-faire")) in scheme_graph("place-kind")


@pytest.mark.parametrize(
    ("scheme", "seed"),
    [("manifesto", "seed-002"), ("collective-value", "seed-000"), ("collective-interest", "seed-000")],
)
def test_schemes_from_a_seed_cite_it(scheme, seed):
    """The schemes drawn from a seed document cite it, on the scheme and on every concept."""
    graph = scheme_graph(scheme)
    source = resource_iri("source", seed)
    uncited = [c for c in [scheme_iri(scheme), *(URIRef(f"{scheme_iri(scheme)}/{s}") for s in SCHEMES[scheme])] if (c, DCTERMS.source, source) not in graph]
    assert uncited == []


def test_kind_classes_are_ontology_classes_and_agree_with_the_owl_definitions():
    """tl:kindClass points at classes of ours, and each specific place class is defined by exactly its kind."""
    assert kind_class_problems(everything()) == []


def test_every_specific_place_class_has_a_kind():
    """Each sub-class of tl:ThirdPlace is the kind class of exactly one place-kind concept, so data can be typed from kinds."""
    graph = everything()
    place_classes = set(graph.subjects(RDFS.subClassOf, TL.ThirdPlace))
    counts = {cls: len(set(graph.subjects(TL.kindClass, cls))) for cls in place_classes}
    assert {short(c): n for c, n in counts.items() if n != 1} == {}


# ----------------------------------------------------------------------------------------------------------------------
# The checks catch what they are meant to catch
# ----------------------------------------------------------------------------------------------------------------------


def _copy(graph: Graph) -> Graph:
    out = Graph()
    out += graph
    return out


def test_header_check_names_a_missing_licence():
    """Removing the licence of the places module is reported, naming the module and dct:license."""
    graph = _copy(module_graph("places"))
    graph.remove((MODULES["places"], DCTERMS.license, None))
    assert header_problems(graph, MODULES["places"]) == [f"{MODULES['places']}: dct:license must be {LICENCE}"]


def test_header_check_names_a_missing_english_title():
    """A title without its English version is reported with the language."""
    graph = _copy(module_graph("events"))
    for title in list(graph.objects(MODULES["events"], DCTERMS.title)):
        if title.language == "en":
            graph.remove((MODULES["events"], DCTERMS.title, title))
    assert header_problems(graph, MODULES["events"]) == [f"{MODULES['events']}: dct:title @en: expected one, found []"]


def test_term_check_names_a_term_of_the_wrong_kind():
    """A datatype property declared as an object property is reported by name."""
    graph = _copy(ontology_graph())
    graph.remove((TL.postalCode, RDF.type, OWL.DatatypeProperty))
    graph.add((TL.postalCode, RDF.type, OWL.ObjectProperty))
    assert term_problems(graph, "postalCode") == ["tl:postalCode: declared as ['owl:ObjectProperty'], expected owl:DatatypeProperty"]


def test_term_check_names_a_term_that_is_not_defined():
    """A TL term with no declaration is reported by name."""
    graph = _copy(ontology_graph())
    graph.remove((TL.Festival, None, None))
    assert term_problems(graph, "Festival") == ["tl:Festival: declared as nothing, expected owl:Class"]


def test_term_check_names_a_missing_french_definition():
    """A term without its French definition is reported with the property and language."""
    graph = _copy(ontology_graph())
    for definition in list(graph.objects(TL.Milestone, SKOS.definition)):
        if definition.language == "fr":
            graph.remove((TL.Milestone, SKOS.definition, definition))
    assert term_problems(graph, "Milestone") == [f"{TL.Milestone}: skos:definition @fr: expected one, found []"]


def test_unknown_tl_iri_is_reported():
    """A tl: IRI that the namespace does not list is found."""
    graph = Graph()
    graph.add((URIRef(TL_NS + "Thirdplace"), RDF.type, OWL.Class))
    assert unknown_tl_iris(graph) == {URIRef(TL_NS + "Thirdplace")}


def test_an_invented_schema_org_term_is_reported():
    """A schema.org class that does not exist is reported with its IRI."""
    graph = Graph()
    invented = URIRef(f"{OPEN.SDO._NS}CoworkingPlace")
    graph.add((TL.ThirdPlace, RDFS.subClassOf, invented))
    assert undeclared_external_terms(graph) == [f"{invented}: not a term of {OPEN.SDO._NS}"]


def test_an_alignment_outside_the_allowed_vocabularies_is_reported():
    """A super-class from a vocabulary we do not align to is reported."""
    graph = Graph()
    graph.add((TL.ThirdPlace, RDFS.subClassOf, URIRef("http://example.org/Place")))
    assert foreign_alignments(graph) == ["tl:ThirdPlace rdfs:subClassOf http://example.org/Place: not an allowed vocabulary"]


def test_an_unverified_wikidata_item_is_reported():
    """A Wikidata IRI outside the verified four is found."""
    graph = _copy(scheme_graph("place-kind"))
    graph.add((URIRef(f"{scheme_iri('place-kind')}/fablab"), SKOS.exactMatch, WD.Q1))
    assert unverified_wikidata(graph) == {WD.Q1}


def test_a_missing_and_an_extra_concept_are_reported():
    """The concept-set check names a concept missing from the file and one the file adds."""
    graph = _copy(scheme_graph("life-cycle"))
    base = f"{scheme_iri('life-cycle')}/"
    graph.remove((URIRef(base + "ferme"), None, None))
    graph.add((URIRef(base + "en-sommeil"), RDF.type, SKOS.Concept))
    assert concept_set_problems(graph, "life-cycle") == [
        f"life-cycle.ttl: missing concept {base}ferme",
        f"life-cycle.ttl: concept {base}en-sommeil is not in namespaces.SCHEMES['life-cycle']",
    ]


def test_an_orphan_concept_is_reported():
    """A concept that is neither a top concept nor narrower than another is reported."""
    graph = _copy(scheme_graph("place-kind"))
    concept = URIRef(f"{scheme_iri('place-kind')}/ludotheque")
    graph.remove((concept, SKOS.broader, None))
    problems = concept_problems(graph, "place-kind", concept)
    assert f"{concept}: neither a top concept nor narrower than another concept" in problems


def test_a_kind_class_that_disagrees_with_the_owl_definition_is_reported():
    """Pointing the fablab kind at tl:Makerspace contradicts tl:Makerspace's definition and is reported."""
    graph = _copy(everything())
    fablab = URIRef(f"{scheme_iri('place-kind')}/fablab")
    graph.remove((fablab, TL.kindClass, TL.FabLab))
    graph.add((fablab, TL.kindClass, TL.Makerspace))
    problems = kind_class_problems(graph)
    assert len(problems) == 1 and problems[0].startswith("tl:Makerspace: owl:equivalentClass restricts tl:placeKind")
    assert str(fablab) in problems[0]


def test_a_module_using_a_term_it_does_not_import_is_reported(monkeypatch):
    """If places mentioned tl:Community without importing communities, the import check would name it."""
    graph = _copy(module_graph("places"))
    graph.add((TL.hasModule, OPEN.SDO.domainIncludes, TL.Community))
    real = module_graph
    monkeypatch.setitem(globals(), "module_graph", lambda name: graph if name == "places" else real(name))
    assert tl_terms_outside_imports("places") == {TL.Community}


# ----------------------------------------------------------------------------------------------------------------------
# With a real OWL RL reasoner (owlrl): the OWL definitions do what the documentation says
# ----------------------------------------------------------------------------------------------------------------------

OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")
PLACE_KINDS_WITH_A_CLASS = sorted(
    (str(concept).rsplit("/", 1)[-1], cls)
    for concept, cls in scheme_graph("place-kind").subject_objects(TL.kindClass)
    if cls != TL.ThirdPlace
)


def owl_rl_closure(*extra: Graph) -> Graph:
    """Return the OWL 2 RL closure of the ontology, the vocabularies and ``extra`` graphs."""
    graph = _copy(everything())
    for more in extra:
        graph += more
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def reasoner_errors(graph: Graph) -> list[str]:
    """Return the inconsistencies owlrl recorded in a closed graph."""
    return sorted(str(message) for message in graph.objects(None, OWLRL_ERROR))


@pytest.fixture(scope="module")
def typed_by_kind() -> Graph:
    """The closure of one sample third place per kind that has a class, plus a module of kind fablab."""
    samples = Graph()
    for slug, _cls in PLACE_KINDS_WITH_A_CLASS:
        place = resource_iri("place", f"sample-{slug}")
        samples.add((place, RDF.type, TL.ThirdPlace))
        samples.add((place, TL.placeKind, URIRef(f"{scheme_iri('place-kind')}/{slug}")))
    module = resource_iri("module", "sample-fablab-module")
    samples.add((module, RDF.type, TL.Module))
    samples.add((module, TL.moduleKind, URIRef(f"{scheme_iri('place-kind')}/fablab")))
    return owl_rl_closure(samples)


@pytest.mark.slow
@pytest.mark.parametrize(("slug", "cls"), PLACE_KINDS_WITH_A_CLASS, ids=[slug for slug, _ in PLACE_KINDS_WITH_A_CLASS])
def test_a_reasoner_types_a_place_from_its_kind(typed_by_kind, slug, cls):
    """Under OWL RL, a third place of kind X gets the class tl:kindClass names for X, and the external super-classes."""
    types = set(typed_by_kind.objects(resource_iri("place", f"sample-{slug}"), RDF.type))
    assert {cls, OPEN.SDO.Place, PAIR.PhysicalPlace, OPEN.GEO.Feature} <= types


@pytest.mark.slow
def test_a_module_of_a_kind_is_not_a_place_of_that_class(typed_by_kind):
    """The kind definitions are about third places: a module of kind fablab is not inferred to be a tl:FabLab."""
    types = set(typed_by_kind.objects(resource_iri("module", "sample-fablab-module"), RDF.type))
    assert TL.FabLab not in types and TL.ThirdPlace not in types


@pytest.mark.slow
def test_the_ontology_and_the_curated_data_are_consistent_under_owl_rl():
    """The OWL RL closure of the ontology, vocabularies and every curated data file records no inconsistency."""
    data = Graph()
    for path in sorted((ONTOLOGY_DIR.parent / "data" / "curated").glob("*.ttl")):
        parse_file(path, data)
    assert reasoner_errors(owl_rl_closure(data)) == []


@pytest.mark.slow
def test_the_reasoner_reports_an_inconsistency():
    """Control for the test above: making fab labs and makerspaces disjoint and a place both is reported."""
    place = resource_iri("place", "sample-both")
    extra = Graph()
    extra.add((TL.FabLab, OWL.disjointWith, TL.Makerspace))
    extra.add((place, RDF.type, TL.ThirdPlace))
    extra.add((place, TL.placeKind, URIRef(f"{scheme_iri('place-kind')}/fablab")))
    extra.add((place, TL.placeKind, URIRef(f"{scheme_iri('place-kind')}/makerspace")))
    assert reasoner_errors(owl_rl_closure(extra)) == [
        f"Disjoint classes {TL.FabLab} and {TL.Makerspace} have a common individual {place}"
    ]
