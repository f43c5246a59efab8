"""The SHACL shapes of shapes/: their fixtures, their messages and severities, their coverage.

Each fixture folder ``tests/shapes/fixtures/<ShapeName>/`` holds ``valid-*.ttl``
files, which must produce no result at all (not even a warning), and
``invalid-*.ttl`` files, each with its expected report in
``invalid-*.expected.ttl``. A fixture is validated as the shapes are in a build:
its data graph is the ontology and vocabularies of ``ontology/``, the shared
``context.ttl`` and the fixture, with pySHACL, no inference.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from tierslieux import paths
from tierslieux.commands.format import non_canonical_files
from tierslieux.namespaces import SCHEMES, SHAPES_BASE, TL, VOCAB_BASE, bind_prefixes
from tierslieux.rdfio import parse_file

from .conftest import REPO_ROOT

FIXTURES_DIR = Path(__file__).resolve().parent / "shapes" / "fixtures"
CONTEXT_FILE = FIXTURES_DIR / "context.ttl"
SHAPE_MODULES = ("core", "places", "communities", "events", "values", "publications")
SHAPE_FILES = sorted(paths.SHAPES_DIR.glob("*.ttl"))
EXPECTED_SUFFIX = ".expected.ttl"

#: Parameters that make a shape constraint-bearing (SHACL Core and SPARQL constraint components).
CONSTRAINT_PARAMETERS = {
    SH[name]
    for name in (
        "class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive maxInclusive "
        "minLength maxLength pattern languageIn uniqueLang equals disjoint lessThan lessThanOrEquals "
        "not and or xone node qualifiedValueShape closed hasValue in sparql"
    ).split()
}
#: pySHACL drops the language tags of sh:sparql constraints' messages; the shapes use constraint components instead.
FORBIDDEN_PARAMETERS = {SH.sparql}
TARGET_PARAMETERS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: Base class -> the shape that makes its subclasses state the base class themselves.
TYPING_SHAPES = {
    TL.ThirdPlace: URIRef(SHAPES_BASE + "PlaceTypingShape"),
    TL.Community: URIRef(SHAPES_BASE + "CommunityTypingShape"),
    TL.Event: URIRef(SHAPES_BASE + "EventTypingShape"),
    TL.Publication: URIRef(SHAPES_BASE + "PublicationTypingShape"),
}


def fixture_files(prefix: str) -> list[Path]:
    """Return the ``valid-*`` or ``invalid-*`` data files of every fixture folder."""
    return sorted(
        p for p in FIXTURES_DIR.glob(f"*/{prefix}-*.ttl") if not p.name.endswith(EXPECTED_SUFFIX)
    )


def fixture_id(path: Path) -> str:
    """Test id of a fixture: ``ShapeName/file-stem``."""
    return f"{path.parent.name}/{path.stem}"


def expected_file(path: Path) -> Path:
    """Return the expected-report file of an invalid fixture."""
    return path.with_name(path.stem + EXPECTED_SUFFIX)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """All shapes modules together, as a build loads them."""
    graph = bind_prefixes(Graph())
    for path in SHAPE_FILES:
        parse_file(path, graph)
    return graph


@pytest.fixture(scope="module")
def model() -> Graph:
    """The ontology and its vocabularies: part of every data graph, so that concepts can be checked against their scheme."""
    vocabularies = paths.turtle_files(paths.ONTOLOGY_DIR / "vocabularies")
    assert vocabularies, f"{paths.ONTOLOGY_DIR / 'vocabularies'} holds no vocabulary: the scheme checks cannot run"
    graph = Graph()
    for path in paths.turtle_files(paths.ONTOLOGY_DIR):
        parse_file(path, graph)
    return graph


@pytest.fixture(scope="module")
def context(model) -> Graph:
    """The model plus the shared fixture context (a source document, communes, a community…)."""
    graph = Graph()
    graph += model
    return parse_file(CONTEXT_FILE, graph)


def run_shapes(data: Graph, shapes: Graph, inference: str = "none", inplace: bool = False) -> Graph:
    """Validate ``data`` as the build does (no inference, warnings do not break conformance); return the report.

    ``inplace``: ``data`` is this validation's own copy, so pySHACL need not clone it (inference may then add to it).
    """
    _, report, _ = validate(data, shacl_graph=shapes, inference=inference, allow_warnings=True, advanced=True, inplace=inplace)
    return report


def validate_fixture(path: Path, context: Graph, shapes: Graph, inference: str = "none") -> Graph:
    """Return the report for the fixture ``path`` on top of the model and the shared context."""
    data = Graph()
    data += context
    parse_file(path, data)
    return run_shapes(data, shapes, inference, inplace=True)


def path_key(graph: Graph, path) -> str | None:
    """A comparable text for a SHACL path: the IRI, or ``^IRI`` for an inverse path."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + str(inverse)
    raise AssertionError(f"unexpected complex path in a report: {path}")


def result_key(graph: Graph, result) -> tuple:
    """What identifies a result: focus node, path, severity, source shape."""
    return (
        graph.value(result, SH.focusNode),
        path_key(graph, graph.value(result, SH.resultPath)),
        graph.value(result, SH.resultSeverity),
        graph.value(result, SH.sourceShape),
    )


def top_level_results(report: Graph) -> list:
    """The results of the report itself (not the sh:detail results nested in them)."""
    return [r for node in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(node, SH.result)]


def messages_by_language(graph: Graph, node, predicate) -> dict[str, list[str]]:
    """The messages of ``node`` grouped by language tag."""
    found: dict[str, list[str]] = {}
    for message in graph.objects(node, predicate):
        found.setdefault(message.language if isinstance(message, Literal) else None, []).append(str(message))
    return found


def describe(graph: Graph, results) -> str:
    """Readable lines for a failure message."""
    lines = []
    for r in results:
        focus, path, severity, shape = result_key(graph, r)
        english = messages_by_language(graph, r, SH.resultMessage).get("en", ["?"])
        lines.append(f"  {focus} [{path}] {severity} {shape}: {english[0]}")
    return "\n".join(lines) or "  (none)"


# --- the fixtures ---------------------------------------------------------------------


def test_the_shared_context_is_valid(context, shapes):
    report = run_shapes(context, shapes)
    results = top_level_results(report)
    assert not results, "context.ttl (and the model under it) must give no result:\n" + describe(report, results)


@pytest.mark.parametrize("path", fixture_files("valid"), ids=fixture_id)
def test_valid_fixture_gives_no_result(path, context, shapes):
    report = validate_fixture(path, context, shapes)
    results = top_level_results(report)
    assert not results, f"{path.name} should give no result, got:\n" + describe(report, results)


@pytest.mark.slow
@pytest.mark.parametrize("path", fixture_files("valid"), ids=fixture_id)
def test_valid_fixture_stays_valid_with_rdfs_inference(path, context, shapes):
    report = validate_fixture(path, context, shapes, inference="rdfs")
    results = top_level_results(report)
    assert not results, f"{path.name} should give no result under RDFS inference, got:\n" + describe(report, results)


@pytest.mark.parametrize("path", fixture_files("invalid"), ids=fixture_id)
def test_invalid_fixture_gives_its_expected_report(path, context, shapes):
    report = validate_fixture(path, context, shapes)
    expected = parse_file(expected_file(path))
    actual_results = top_level_results(report)
    expected_results = top_level_results(expected)
    assert expected_results, f"{expected_file(path).name} expects no result: an invalid fixture must expect some"

    unmatched = list(actual_results)
    missing = []
    for want in expected_results:
        match = next((got for got in unmatched if matches(expected, want, report, got)), None)
        if match is None:
            missing.append(want)
        else:
            unmatched.remove(match)
    assert not missing and not unmatched, (
        f"{path.name}: report differs from {expected_file(path).name}\n"
        f"expected but not reported:\n{describe(expected, missing)}\n"
        f"reported but not expected:\n{describe(report, unmatched)}"
    )
    expected_conforms = expected.value(next(expected.subjects(RDF.type, SH.ValidationReport)), SH.conforms)
    actual_conforms = report.value(next(report.subjects(RDF.type, SH.ValidationReport)), SH.conforms)
    if expected_conforms is not None:
        assert actual_conforms.toPython() == expected_conforms.toPython(), f"{path.name}: sh:conforms"

    for result in actual_results:
        shape = report.value(result, SH.sourceShape)
        messages = messages_by_language(report, result, SH.resultMessage)
        assert len(messages.get("fr", [])) == 1 and len(messages.get("en", [])) == 1, (
            f"{path.name}: result of {shape} should carry one French and one English message, got {messages}"
        )
        assert messages == messages_by_language(shapes, shape, SH.message), (
            f"{path.name}: the messages of {shape}'s result are not the shape's own"
        )


def matches(expected: Graph, want, report: Graph, got) -> bool:
    """Whether the reported result ``got`` is the expected result ``want`` (value and messages when given)."""
    if result_key(expected, want) != result_key(report, got):
        return False
    value = expected.value(want, SH.value)
    if value is not None and value != report.value(got, SH.value):
        return False
    wanted_messages = set(expected.objects(want, SH.resultMessage))
    return wanted_messages <= set(report.objects(got, SH.resultMessage))


# --- coverage -------------------------------------------------------------------------


def named_shapes(shapes: Graph) -> set[URIRef]:
    """Every shape named by an IRI in shapes/."""
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    found |= set(shapes.objects(None, SH.property))
    return {s for s in found if isinstance(s, URIRef)}


def targeted_shapes(shapes: Graph) -> set[URIRef]:
    """The named node shapes with a target: each has its own fixture folder."""
    return {s for s in named_shapes(shapes) if any(shapes.value(s, t) is not None for t in TARGET_PARAMETERS)}


def component_parameters(shapes: Graph) -> set[URIRef]:
    """The parameters of the constraint components the shapes declare themselves (such as tlsh:notBefore)."""
    return {
        shapes.value(parameter, SH.path)
        for component in shapes.subjects(RDF.type, SH.ConstraintComponent)
        for parameter in shapes.objects(component, SH.parameter)
    }


def constraint_bearing(shapes: Graph, shape) -> bool:
    """Whether ``shape`` itself has a constraint parameter (of SHACL Core or of our own components)."""
    parameters = CONSTRAINT_PARAMETERS | component_parameters(shapes)
    return any(shapes.value(shape, p) is not None for p in parameters)


def expected_source_shapes() -> Counter:
    """How often each shape is the source of a result in the expected reports."""
    counts: Counter = Counter()
    for path in fixture_files("invalid"):
        expected = parse_file(expected_file(path))
        counts.update(expected.value(r, SH.sourceShape) for r in top_level_results(expected))
    return counts


def test_every_targeted_shape_has_valid_and_invalid_fixtures(shapes):
    missing = []
    for shape in sorted(targeted_shapes(shapes)):
        folder = FIXTURES_DIR / shape.removeprefix(SHAPES_BASE)
        valid = list(folder.glob("valid-*.ttl"))
        invalid = [p for p in folder.glob("invalid-*.ttl") if not p.name.endswith(EXPECTED_SUFFIX)]
        if not valid or not invalid:
            missing.append(folder.name)
    assert not missing, f"fixture folders without a valid-*.ttl and an invalid-*.ttl: {missing}"


def test_every_fixture_folder_is_named_after_a_shape(shapes):
    names = {s.removeprefix(SHAPES_BASE) for s in targeted_shapes(shapes)}
    strays = sorted(p.name for p in FIXTURES_DIR.iterdir() if p.is_dir() and p.name not in names)
    assert not strays, f"fixture folders named after no targeted shape: {strays}"


def test_every_invalid_fixture_has_an_expected_report():
    lonely = [p.name for p in fixture_files("invalid") if not expected_file(p).is_file()]
    assert not lonely, f"invalid fixtures without their {EXPECTED_SUFFIX}: {lonely}"


def test_every_constraint_is_exercised_by_an_invalid_fixture(shapes):
    covered = expected_source_shapes()
    # An operand of sh:node is exercised when a shape that uses it reports a result.
    for shape in list(covered):
        for operand in shapes.objects(shape, SH.node):
            covered[operand] += 1
    unexercised = sorted(
        str(s) for s in named_shapes(shapes) if constraint_bearing(shapes, s) and covered[s] == 0
    )
    assert not unexercised, f"shapes that no invalid fixture makes report: {unexercised}"


def test_expected_reports_name_only_existing_shapes(shapes):
    unknown = sorted(str(s) for s in expected_source_shapes() if s not in named_shapes(shapes))
    assert not unknown, f"expected reports name shapes that do not exist: {unknown}"


# --- the shapes files -----------------------------------------------------------------


def test_there_is_one_shapes_module_per_ontology_module():
    assert sorted(p.stem for p in SHAPE_FILES) == sorted(SHAPE_MODULES)


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_shapes_file_parses_and_is_canonical(path):
    assert len(parse_file(path)) > 0
    assert non_canonical_files([path]) == [], f"run: tierslieux format {path.relative_to(REPO_ROOT)}"


def test_every_constraint_bearing_shape_has_a_severity_and_messages_in_french_and_english(shapes):
    problems = []
    for shape in sorted(named_shapes(shapes)):
        if not constraint_bearing(shapes, shape):
            continue
        severities = list(shapes.objects(shape, SH.severity))
        if len(severities) != 1 or severities[0] not in (SH.Violation, SH.Warning, SH.Info):
            problems.append(f"{shape}: sh:severity {severities}")
        messages = messages_by_language(shapes, shape, SH.message)
        if sorted(messages) != ["en", "fr"] or any(len(m) != 1 for m in messages.values()):
            problems.append(f"{shape}: sh:message by language {messages}")
    assert not problems, "\n".join(problems)


def test_no_shape_uses_sparql_constraints(shapes):
    users = sorted(str(s) for p in FORBIDDEN_PARAMETERS for s in shapes.subjects(p, None))
    assert not users, f"pySHACL drops the language tags of sh:sparql messages; use a constraint component: {users}"


def test_targeted_shapes_with_their_own_severity_have_no_property_shapes(shapes):
    # pySHACL (allow_warnings) lets a node shape of severity Warning mask its property shapes' violations.
    mixed = sorted(
        str(s) for s in targeted_shapes(shapes)
        if shapes.value(s, SH.severity) is not None and shapes.value(s, SH.property) is not None
    )
    assert not mixed, f"split these: node-level severity and property shapes in one shape: {mixed}"


def test_targeted_shapes_name_their_property_shapes(shapes):
    anonymous = sorted(
        str(s) for s in targeted_shapes(shapes) for p in shapes.objects(s, SH.property) if isinstance(p, BNode)
    )
    assert not anonymous, f"targeted shapes with anonymous property shapes (name them, so reports can be traced): {anonymous}"


def test_shapes_use_only_declared_terms_and_schemes(shapes):
    schemes = {URIRef(VOCAB_BASE + slug) for slug in SCHEMES}
    used_schemes = {
        term for term in shapes.all_nodes() if isinstance(term, URIRef) and term.startswith(VOCAB_BASE)
    }
    assert used_schemes <= schemes, f"unknown schemes: {sorted(used_schemes - schemes)}"
    assert used_schemes == schemes, f"schemes no shape checks: {sorted(schemes - used_schemes)}"
    ours = {t for t in shapes.all_nodes() if isinstance(t, URIRef) and t.startswith(str(TL._NS))}
    for term in ours:
        getattr(TL, term.removeprefix(str(TL._NS)))  # AttributeError names a term namespaces.py does not declare


@pytest.mark.parametrize("base", sorted(TYPING_SHAPES), ids=lambda c: c.removeprefix(str(TL._NS)))
def test_typing_shapes_target_every_subclass_of_the_ontology(base, shapes, model):
    subclasses = {c for c in model.transitive_subjects(RDFS.subClassOf, base) if c != base}
    targeted = set(shapes.objects(TYPING_SHAPES[base], SH.targetClass))
    assert subclasses, f"the ontology declares no subclass of {base}"
    assert targeted == subclasses, (
        f"{TYPING_SHAPES[base]} targets {sorted(targeted - subclasses)} too many, "
        f"{sorted(subclasses - targeted)} missing"
    )


def test_every_class_the_shapes_target_is_declared_by_the_ontology(shapes, model):
    declared = set(model.subjects(RDF.type, OWL.Class)) | set(model.subjects(RDF.type, RDFS.Class))
    targeted = {c for c in shapes.objects(None, SH.targetClass) if c.startswith(str(TL._NS))}
    assert targeted <= declared, f"classes the ontology does not declare: {sorted(targeted - declared)}"


def test_docs_list_every_rule_with_its_severity_and_messages(shapes):
    doc = (REPO_ROOT / "docs" / "shapes.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in doc.splitlines() if line.startswith("| `tlsh:")}
    problems = []
    for shape in sorted(named_shapes(shapes)):
        if not constraint_bearing(shapes, shape):
            continue
        name = "tlsh:" + shape.removeprefix(SHAPES_BASE)
        row = rows.get(name)
        if row is None:
            problems.append(f"{name}: no row")
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in row.strip().strip("|").split(" | ")]
        severity = shapes.value(shape, SH.severity).removeprefix(str(SH))
        wanted = [severity] + [m[0] for m in messages_by_language(shapes, shape, SH.message).values()]
        problems += [f"{name}: row lacks {w!r}" for w in wanted if w not in cells]
    stale = sorted(set(rows) - {"tlsh:" + s.removeprefix(SHAPES_BASE) for s in named_shapes(shapes)})
    problems += [f"{name}: row for a shape that no longer exists" for name in stale]
    assert not problems, "docs/shapes.md is out of date:\n" + "\n".join(problems)
