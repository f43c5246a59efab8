"""Every file of the knowledge model parses, is canonical, conforms, and passes the lint queries."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib.namespace import SH

from tierslieux.build.sources import all_source_files
from tierslieux.commands.format import default_turtle_files, non_canonical_files
from tierslieux.commands.qc import load_sources_store, run_lint
from tierslieux.namespaces import SCHEMES
from tierslieux.paths import DATA_DIR, ONTOLOGY_DIR, QC_QUERIES_DIR, QUERIES_DIR, SHAPES_DIR, VOCABULARY_DIR, turtle_files
from tierslieux.queries.named import load_named_queries, parse_named_query
from tierslieux.rdfio import parse_file
from tierslieux.validation import format_report, load_graph, load_model, load_shapes, validate_graph

from .conftest import REPO_ROOT
from .marks import slow_if_census

MODEL_FILES = default_turtle_files()
QUERY_FILES = sorted(QUERIES_DIR.rglob("*.rq"))
DATA_FILES = turtle_files(DATA_DIR)


def rel(path) -> str:
    """Test id: the path relative to the repository."""
    return str(path.relative_to(REPO_ROOT))


@pytest.mark.parametrize("path", slow_if_census(MODEL_FILES), ids=rel)
def test_turtle_file_parses(path):
    assert len(parse_file(path)) > 0, f"{path} is empty"


@pytest.mark.parametrize("path", slow_if_census(MODEL_FILES), ids=rel)
def test_turtle_file_is_canonical(path):
    assert non_canonical_files([path]) == [], f"{path} is not canonical: run `tierslieux format {rel(path)}`"


@pytest.mark.parametrize("path", QUERY_FILES, ids=rel)
def test_query_file_parses_and_has_a_header(path):
    query = parse_named_query(path)
    assert query.title and query.description
    ox.Store().query(query.text)  # raises SyntaxError with its position


@pytest.fixture(scope="module")
def whole_graph_outcome():
    """The validation of the whole graph: every data file with the ontology and vocabularies."""
    return validate_graph(load_graph(DATA_FILES), shapes=load_shapes(), model=load_model())


@pytest.mark.slow  # pySHACL on the whole graph: 20 s
def test_whole_graph_conforms(whole_graph_outcome):
    assert whole_graph_outcome.conforms, format_report(whole_graph_outcome)


@pytest.mark.slow  # reads the whole graph's pySHACL report (20 s, once)
@pytest.mark.parametrize("path", DATA_FILES, ids=rel)
def test_data_file_has_no_violation(path, whole_graph_outcome):
    # Files refer to each other (sources, places described by several seeds), so each
    # is judged within the whole graph, on the resources it describes.
    subjects = set(parse_file(path).subjects())
    violations = [r for r in whole_graph_outcome.results if r.severity == SH.Violation and r.focus_node in subjects]
    assert not violations, "\n".join(f"{r.focus_node} [{r.path}]: {r.message('en')}" for r in violations)


def test_the_repository_holds_the_knowledge_model():
    """Guards the parametrized tests above against passing on an empty repository."""
    assert len(turtle_files(ONTOLOGY_DIR)) >= 6
    assert len(turtle_files(VOCABULARY_DIR)) == len(SCHEMES)
    assert len(turtle_files(SHAPES_DIR)) >= 5
    assert len(DATA_FILES) >= 6
    assert len(load_named_queries(QC_QUERIES_DIR)) >= 8


@pytest.fixture(scope="module")
def whole_graph_store():
    return load_sources_store(all_source_files())


@pytest.mark.parametrize("query", list(load_named_queries(QC_QUERIES_DIR).values()), ids=lambda q: q.name)
def test_lint_query_finds_nothing_in_the_repository(query, whole_graph_store):
    rows = run_lint(whole_graph_store, query)
    assert rows == [], f"{query.title}: {len(rows)} rows, first: {rows[:5]}"
