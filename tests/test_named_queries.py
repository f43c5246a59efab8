"""The named queries of queries/: headers, typed parameter binding, expected results on the repository's data,
and the three ways to run them (``tierslieux query`` locally or on an endpoint, ``/queries/{name}`` on the service)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

# The service tests' fixtures: a release built from the repository's data (unvalidated: validation is
# tested elsewhere) and `tierslieux serve` on it as a real process on a free loopback port.
from tests.ports import free_port
from tests.queries.expected import EXPECTED_DIR, Case, ResultSet, all_cases
from tierslieux import namespaces
from tierslieux.build.statistics import statistics_quads
from tierslieux.cli import main
from tierslieux.paths import QUERIES_DIR
from tierslieux.queries.named import NamedQuery, QueryParameter, load_named_queries
from tierslieux.queries.parameters import (
    ParameterError,
    bind_parameters,
    inject_values,
    outermost_where_brace,
    parse_value,
    query_form,
    substitutions,
)
from tierslieux.release import BuildLayout

QUERIES = load_named_queries(QUERIES_DIR)
CASES = all_cases(QUERIES)
TIERSLIEUX = Path(sys.executable).with_name("tierslieux")
XSD = "http://www.w3.org/2001/XMLSchema#"
MALICIOUS = '" } ; DROP ALL ; #'
ECHO_QUERY = """\
# title: Echo
# description: Returns its parameter, to see how it was bound.
# param: text string -- any text
SELECT ?text (STRLEN(?text) AS ?length) WHERE { }
"""


@pytest.fixture(scope="session")
def store(built: BuildLayout) -> ox.Store:
    """The built store, opened read-only as ``tierslieux query`` opens it."""
    return ox.Store.read_only(str(built.store_dir.resolve()))


def run_case(store: ox.Store, case: Case) -> ResultSet:
    """Run a case with its parameters bound by pyoxigraph substitutions."""
    bound = bind_parameters(case.query, case.params)
    return ResultSet.of(store.query(case.query.text, use_default_graph_as_union=True, substitutions=substitutions(bound)))


def expected(case: Case) -> ResultSet:
    """The reviewed expected answer of a case."""
    return ResultSet.parse(case.expected_path.read_bytes())


# --- the queries themselves ------------------------------------------------------------------------------------


def test_there_are_at_least_fifteen_named_queries():
    assert len(QUERIES) >= 15, sorted(QUERIES)


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_header_is_complete_and_defaults_are_typed(query: NamedQuery):
    assert len(query.title) >= 10 and len(query.description) >= 40, "title and description should say what the query is for"
    names = [p.name for p in query.parameters]
    assert len(names) == len(set(names)), f"parameter declared twice: {names}"
    assert "format" not in names, "'format' is reserved on /queries/{name} for the answer's format"
    for parameter in query.parameters:
        assert re.search(rf"\?{parameter.name}\b", query.text), f"?{parameter.name} is not used in the query"
        assert parameter.description, f"parameter {parameter.name} has no description"
        # every parameter has a default, so that each query runs as it is and has an expected result
        assert parameter.default is not None, f"parameter {parameter.name} has no default"
        parse_value(query.name, parameter, parameter.default)  # raises on a default of the wrong type


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_query_uses_only_the_project_prefixes_and_declared_terms(query: NamedQuery):
    for prefix, iri in re.findall(r"PREFIX\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>", query.text, re.IGNORECASE):
        assert namespaces.PREFIXES.get(prefix) == iri, f"PREFIX {prefix}: <{iri}> disagrees with namespaces.PREFIXES"
    for term in set(re.findall(r"\btl:([A-Za-z]\w*)", query.text)):
        assert hasattr(namespaces.TL, term), f"tl:{term} is not a term of the ontology (namespaces.TL)"


#: Queries that read a single-valued property of places (docs/merging.md) from the union on purpose.
READ_EVERY_SOURCE = {
    "place-card": "it lists every fact with the named graph it comes from",
    "data-quality-report": "a website or coordinates stated by any source count as present",
    "data-quality-summary": "a website or coordinates stated by any source count as present",
}
_SINGLE_VALUED = re.compile(r"wgs84:lat|wgs84:long|tl:geocodingPrecision|geo:hasGeometry|tl:address|tl:foundingDate|tl:website|tl:status\b|tl:inMetropolis")


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_a_query_showing_one_value_per_place_reads_the_resolved_view(query: NamedQuery):
    # Sources may disagree on these (two points for one place): the published value is graph/resolved's when they do.
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#"))
    if not _SINGLE_VALUED.search(body) or query.name in READ_EVERY_SOURCE and "graph/resolved" not in body:
        return
    assert "<https://w3id.org/tiers-lieux/graph/resolved>" in body, (
        f"{query.name} reads a single-valued property from the union of the sources: read graph/resolved first "
        "(tierslieux.queries.published, docs/merging.md), or list it in READ_EVERY_SOURCE with the reason")


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_query_is_a_select_that_projects_its_parameters(query: NamedQuery):
    # Oxigraph substitutes only projected variables (SEP-0007), so every parameter must be in the SELECT clause.
    bound = bind_parameters(query, {})
    results = ox.Store().query(query.text, substitutions=substitutions(bound))
    assert isinstance(results, ox.QuerySolutions), "named queries are SELECT queries (their answers are tables)"
    projected = [v.value for v in results.variables]
    assert [p.name for p in query.parameters] == projected[: len(query.parameters)], (
        "parameters come first in the SELECT clause, in the order of the header"
    )


def test_every_case_has_an_expected_file_and_no_file_is_orphaned():
    expected_files = {p.name for p in EXPECTED_DIR.glob("*.srj")}
    wanted = {c.expected_path.name for c in CASES}
    assert wanted - expected_files == set(), "run `python -m tests.queries.expected` and review the new files"
    assert expected_files - wanted == set(), "expected files without a query or case"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_query_gives_its_reviewed_result_on_the_repository_data(case: Case, store: ox.Store):
    result = run_case(store, case)
    assert result.rows, "an expected result with no row checks nothing: choose parameter values that find something"
    assert result.differences(expected(case), case.ordered) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_values_block_binding_gives_the_same_result_as_substitution(case: Case, store: ox.Store):
    bound = bind_parameters(case.query, case.params)
    text = inject_values(case.query.text, bound)
    result = ResultSet.of(store.query(text, use_default_graph_as_union=True))
    assert result.differences(expected(case), case.ordered) == []


def test_results_hold_no_blank_nodes(store: ox.Store):
    # Blank nodes could not be compared with an expected file, nor used by a client in a next query.
    for case in CASES:
        for row in run_case(store, case).rows:
            assert not any(term.startswith("_:") for _, term in row), f"{case.id}: {row}"


def test_wikidata_queries_tell_linked_places_from_the_others():
    # The repository has no accepted Wikidata link yet, so the linked side is checked on a small graph.
    store = ox.Store()
    store.load(
        b"""
        @prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://w3id.org/tiers-lieux/id/region/94> rdfs:label "Corse"@fr .
        <https://w3id.org/tiers-lieux/id/place/a> a tl:ThirdPlace ; rdfs:label "A"@fr ;
            tl:region <https://w3id.org/tiers-lieux/id/region/94> ; tl:wikidataItem <http://www.wikidata.org/entity/Q1> .
        <https://w3id.org/tiers-lieux/id/place/b> a tl:ThirdPlace ; rdfs:label "B"@fr ;
            tl:region <https://w3id.org/tiers-lieux/id/region/94> .
        <https://w3id.org/tiers-lieux/id/place/c> a tl:ThirdPlace ; rdfs:label "C"@fr .
        """,
        format=ox.RdfFormat.TURTLE,
    )
    links = QUERIES["wikidata-links"]
    for linked, place, item in (("true", "a", "http://www.wikidata.org/entity/Q1"), ("false", "b", None)):
        bound = bind_parameters(links, {"linked": linked})
        for text, options in ((links.text, {"substitutions": substitutions(bound)}), (inject_values(links.text, bound), {})):
            rows = list(store.query(text, **options))
            assert [r["place"].value for r in rows] == [f"https://w3id.org/tiers-lieux/id/place/{place}"], (linked, text)
            assert (rows[0]["item"].value if rows[0]["item"] else None) == item
    # The coverage reads the statistics the build counts (build/statistics.py): counted here as the build does, over
    # the union of the named graphs.
    release = ox.Store()
    release.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("https://w3id.org/tiers-lieux/graph/test")) for q in store)
    release.extend(statistics_quads(release))
    coverage = {
        (r["region"].value if r["region"] else None): (int(r["linked"].value), int(r["notLinked"].value))
        for r in release.query(QUERIES["wikidata-coverage"].text, use_default_graph_as_union=True)
    }
    assert coverage == {"https://w3id.org/tiers-lieux/id/region/94": (1, 1), None: (0, 1)}


# --- places within a distance: the equirectangular approximation against the haversine formula -----------------

EARTH_RADIUS_KM = 6371.0088


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of the mean Earth radius."""
    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@pytest.mark.parametrize("centre", [("50.6366", "3.0635", "25"), ("45.7640", "4.8357", "60"), ("43.6047", "1.4442", "150")])
def test_places_near_agrees_with_haversine(store: ox.Store, centre: tuple[str, str, str]):
    lat, long, radius = centre
    query = QUERIES["places-near"]
    bound = bind_parameters(query, {"lat": lat, "long": long, "radius": radius})
    rows = list(store.query(query.text, use_default_graph_as_union=True, substitutions=substitutions(bound)))
    assert rows, "the centre was chosen so that places are found"
    found = {}
    for row in rows:
        truth = haversine(float(lat), float(long), float(row["placeLat"].value), float(row["placeLong"].value))
        distance = float(row["distance"].value)
        # documented precision: within 0.5 % + 10 m of the great-circle distance up to 150 km
        assert abs(distance - truth) <= 0.005 * truth + 0.01, (row["place"], distance, truth)
        found[row["place"].value] = truth
    # and nothing clearly inside the circle is missed
    every = store.query(
        "SELECT DISTINCT ?place ?lat ?long WHERE { ?place a <https://w3id.org/tiers-lieux/ontology#ThirdPlace> ; "
        "<http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat ; <http://www.w3.org/2003/01/geo/wgs84_pos#long> ?long }",
        use_default_graph_as_union=True,
    )
    for row in every:
        truth = haversine(float(lat), float(long), float(row["lat"].value), float(row["long"].value))
        if truth < float(radius) * 0.995:
            assert row["place"].value in found, (row["place"], truth)
        if truth > float(radius) * 1.005:
            assert row["place"].value not in found, (row["place"], truth)


# --- parameters: typed, validated, bound as terms ----------------------------------------------------------------

GOOD_VALUES = [
    ("iri", "https://w3id.org/tiers-lieux/id/place/la-coroutine", ox.NamedNode("https://w3id.org/tiers-lieux/id/place/la-coroutine")),
    ("iri", "place:la-coroutine", ox.NamedNode("https://w3id.org/tiers-lieux/id/place/la-coroutine")),
    ("iri", "tlid:series/roumics", ox.NamedNode("https://w3id.org/tiers-lieux/id/series/roumics")),
    ("iri", "urn:isbn:0-486-27557-4", ox.NamedNode("urn:isbn:0-486-27557-4")),
    ("string", " Café « tiers-lieu » ", ox.Literal(" Café « tiers-lieu » ")),
    ("integer", "+042", ox.Literal("42", datatype=ox.NamedNode(XSD + "integer"))),
    ("integer", "-3", ox.Literal("-3", datatype=ox.NamedNode(XSD + "integer"))),
    ("decimal", "50.6366", ox.Literal("50.6366", datatype=ox.NamedNode(XSD + "decimal"))),
    ("decimal", "3", ox.Literal("3.0", datatype=ox.NamedNode(XSD + "decimal"))),
    ("decimal", "-.5", ox.Literal("-0.5", datatype=ox.NamedNode(XSD + "decimal"))),
    ("boolean", "TRUE", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
    ("boolean", "0", ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean"))),
    ("date", "2013-11-30", ox.Literal("2013-11-30", datatype=ox.NamedNode(XSD + "date"))),
    ("year", "2010", ox.Literal("2010", datatype=ox.NamedNode(XSD + "gYear"))),
]
BAD_VALUES = [
    ("iri", "la-coroutine"),
    ("iri", "https://example.org/a b"),
    ("iri", "https://example.org/>{}"),
    ("iri", "nosuchprefix-but-no-scheme"),
    ("integer", "4.2"),
    ("integer", "12abc"),
    ("integer", ""),
    ("decimal", "1e3"),
    ("decimal", "NaN"),
    ("decimal", "3,5"),
    ("boolean", "yes"),
    ("date", "2013-02-30"),
    ("date", "30/11/2013"),
    ("date", "2013"),
    ("year", "13"),
    ("year", "2010-01"),
]


@pytest.mark.parametrize(("type_", "raw", "term"), GOOD_VALUES)
def test_a_valid_value_becomes_a_typed_term(type_: str, raw: str, term):
    assert parse_value("q", QueryParameter("p", type_, None, ""), raw) == term


@pytest.mark.parametrize(("type_", "raw"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_the_parameter_and_its_type(type_: str, raw: str):
    with pytest.raises(ParameterError) as error:
        parse_value("some-query", QueryParameter("where", type_, None, ""), raw)
    message = str(error.value)
    assert "'some-query'" in message and "'where'" in message and f"expected {type_}" in message and repr(raw) in message


def test_unknown_and_missing_parameters_are_refused_by_name():
    query = NamedQuery("echo", "Echo", "d", ECHO_QUERY, Path("echo.rq"), (QueryParameter("text", "string", None, "any"),))
    with pytest.raises(ParameterError, match=r"parameter 'txt': unknown parameter; this query's parameters: text"):
        bind_parameters(query, {"txt": "a", "text": "b"})
    with pytest.raises(ParameterError, match=r"parameter 'text': required and not given \(expected string"):
        bind_parameters(query, {})


def test_a_malicious_string_stays_one_literal_with_both_bindings():
    query = NamedQuery("echo", "Echo", "d", ECHO_QUERY, Path("echo.rq"), (QueryParameter("text", "string", None, "any"),))
    bound = bind_parameters(query, {"text": MALICIOUS})
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("kept")))
    for text, options in (
        (ECHO_QUERY, {"substitutions": substitutions(bound)}),
        (inject_values(ECHO_QUERY, bound), {}),
    ):
        rows = list(store.query(text, **options))
        assert len(rows) == 1 and rows[0]["text"] == ox.Literal(MALICIOUS), text
        assert rows[0]["length"].value == str(len(MALICIOUS))
    assert len(store) == 1, "nothing was dropped"
    injected = inject_values(ECHO_QUERY, bound)
    assert '"\\" } ; DROP ALL ; #"' in injected, injected


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "WHERE {"),
        ("select * { ?s ?p ?o }", "{ ?s"),
        ("PREFIX e: <http://e/#a>\n# WHERE { in a comment\nCONSTRUCT { ?s e:where '}' } WHERE { ?s ?p ?o }", "WHERE { ?s ?p ?o"),
        ("SELECT ?where WHERE { ?where ?p ?o { SELECT ?x WHERE { ?x ?y ?z } } }", "WHERE { ?where"),
        ('ASK { FILTER("}{" != """a\n}""") }', '{ FILTER'),
        ("DESCRIBE ?s WHERE { ?s ?p ?o }", "WHERE {"),
    ],
)
def test_values_go_at_the_start_of_the_outermost_where_group(text: str, where: str):
    brace = outermost_where_brace(text)
    assert text[brace] == "{"
    assert text.find(where) <= brace < text.find(where) + len(where), (text[:brace], where)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("# description: the address of each movement\nSELECT ?address WHERE { ?s ?p ?address }", "SELECT"),
        ("PREFIX a: <http://example.org/ADD#>\nask { ?s a:MOVE ?o }", "ASK"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", "CONSTRUCT"),
        ('INSERT DATA { <http://e/s> <http://e/p> "SELECT" }', None),
    ],
)
def test_query_form_ignores_comments_strings_and_iris(text: str, form: str | None):
    # SPARQLWrapper's guess reads comment words ("address" as ADD) and would send such a query as an update.
    assert query_form(text) == form


def test_a_query_without_where_group_cannot_take_parameters():
    with pytest.raises(ValueError, match="no WHERE group"):
        outermost_where_brace("DESCRIBE <http://example.org/x>")


# --- tierslieux query ---------------------------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(main, ["query", *args], catch_exceptions=False)


def test_query_list_shows_every_query_and_its_parameters():
    result = invoke("--list")
    assert result.exit_code == 0, result.output
    for query in QUERIES.values():
        assert f"{query.name}: {query.title}" in result.output
        for p in query.parameters:
            assert f"--param {p.name}=<{p.type}>" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-query"], "unknown query 'no-such-query'; known queries: "),
        (["places-by-kind", "--param", "knd=kind:fablab"], "parameter 'knd': unknown parameter; this query's parameters: kind"),
        (["places-by-kind", "--param", "kind=fablab"], "parameter 'kind': expected iri"),
        (["places-founded-in", "-p", "year=twenty-ten"], "parameter 'year': expected year (a year as YYYY), got 'twenty-ten'"),
        (["places-by-kind", "--param", "kind"], "'kind' is not NAME=VALUE"),
        ([], "give one of: a query NAME, --file Q.rq or -e 'SELECT …'"),
        (["timeline", "-e", "ASK {}"], "give one of: a query NAME, --file Q.rq or -e 'SELECT …'"),
        (["-e", "ASK {}", "--param", "x=1"], "--param binds the parameters of a named query"),
        (["-e", "ASK {}", "--format", "turtle"], "--format turtle cannot carry a SELECT/ASK answer"),
    ],
)
def test_query_refuses_bad_names_and_values_with_exit_2(args: list[str], message: str, built: BuildLayout):
    result = invoke(*args, "--build-dir", str(built.root))
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_query_without_a_build_says_how_to_make_one(tmp_path: Path):
    result = invoke("timeline", "--build-dir", str(tmp_path))
    assert result.exit_code == 1
    assert f"no store at {tmp_path / 'current' / 'store'}: run `tierslieux build` first" in result.output


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_query_command_prints_the_expected_result_as_json(case: Case, built: BuildLayout):
    params = [arg for k, v in case.params.items() for arg in ("--param", f"{k}={v}")]
    result = CliRunner().invoke(main, ["query", case.query.name, *params, "--format", "json", "--build-dir", str(built.root)])
    assert result.exit_code == 0, result.output
    assert ResultSet.parse(result.stdout_bytes).differences(expected(case), case.ordered) == []


@pytest.mark.parametrize(
    ("fmt", "engine"), [("xml", ox.QueryResultsFormat.XML), ("tsv", ox.QueryResultsFormat.TSV)]
)
def test_query_command_writes_the_other_result_formats(fmt: str, engine, built: BuildLayout):
    case = next(c for c in CASES if c.id == "series-events")
    result = CliRunner().invoke(main, ["query", "series-events", "--format", fmt, "--build-dir", str(built.root)])
    assert result.exit_code == 0, result.output
    assert ResultSet.parse(result.stdout_bytes, engine).differences(expected(case), case.ordered) == []


def test_query_command_writes_csv_and_a_table(built: BuildLayout):
    case = next(c for c in CASES if c.id == "series-events")
    rows = expected(case).rows
    csv = CliRunner().invoke(main, ["query", "series-events", "-f", "csv", "--build-dir", str(built.root)])
    lines = csv.stdout_bytes.decode().splitlines()
    assert lines[0].split(",")[:2] == ["series", "event"] and len(lines) == len(rows) + 1
    table = CliRunner().invoke(main, ["query", "series-events", "--build-dir", str(built.root)])
    assert table.output.rstrip().endswith(f"({len(rows)} rows)")
    assert "tlid:series/grand-ramdam-des-tiers-lieux" in table.output  # IRIs shown as prefixed names


def test_query_command_runs_a_query_file_and_a_query_text_like_the_named_query(built: BuildLayout, tmp_path: Path):
    case = next(c for c in CASES if c.id == "series-events")
    text = inject_values(case.query.text, bind_parameters(case.query, case.params))  # its defaults, written in
    (tmp_path / "q.rq").write_text(text, encoding="utf-8")
    for args in (["--file", str(tmp_path / "q.rq")], ["-e", text]):
        result = invoke(*args, "--format", "json", "--build-dir", str(built.root))
        assert result.exit_code == 0, result.output
        assert ResultSet.parse(result.stdout_bytes).differences(expected(case), case.ordered) == []


def test_query_command_writes_a_construct_answer_in_an_rdf_syntax(built: BuildLayout):
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/tiers-lieux/id/place/la-coroutine> AS ?s) ?s ?p ?o }"
    result = invoke("-e", construct, "--format", "ntriples", "--build-dir", str(built.root))
    assert result.exit_code == 0, result.output
    triples = list(ox.parse(result.stdout_bytes, ox.RdfFormat.N_TRIPLES))
    assert triples and {t.subject.value for t in triples} == {"https://w3id.org/tiers-lieux/id/place/la-coroutine"}
    table = invoke("-e", construct, "--build-dir", str(built.root))
    assert table.exit_code == 0 and f"({len(triples)} rows)" in table.output


def test_query_command_reports_a_syntax_error_in_a_file_by_name(built: BuildLayout, tmp_path: Path):
    (tmp_path / "broken.rq").write_text("SELECT * WHERE { ?s ?p }", encoding="utf-8")
    result = invoke("--file", str(tmp_path / "broken.rq"), "--build-dir", str(built.root))
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'broken.rq'}: " in result.output


# --- /queries/ on the service (Flask test client) --------------------------------------------------------------


@pytest.fixture(scope="module")
def client(built: BuildLayout):
    from tierslieux.service import create_app

    return create_app({"TESTING": True, "BUILD_DIR": built.root}).test_client()


def test_queries_index_lists_every_query_as_json_and_html(client):
    listing = client.get("/queries/", headers={"Accept": "application/json"})
    assert listing.status_code == 200
    described = {q["name"]: q for q in listing.get_json()["queries"]}
    assert set(described) == set(QUERIES)
    kind = described["places-by-kind"]["parameters"][0]
    assert kind == {"name": "kind", "type": "iri", "default": "kind:espace-du-faire", "required": False, "description": kind["description"]}
    assert described["timeline"]["url"].endswith("/queries/timeline")
    page = client.get("/queries/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for query in QUERIES.values():
        assert f'href="http://localhost/queries/{query.name}"' in html
    assert "&lt;https://w3id.org/tiers-lieux/ontology#&gt;" in html  # the SPARQL text is escaped


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_queries_route_gives_the_expected_result(case: Case, client):
    response = client.get(f"/queries/{case.query.name}", query_string=case.params, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["X-Result-Rows"] == str(len(expected(case).rows))
    assert ResultSet.parse(response.data).differences(expected(case), case.ordered) == []


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/queries/nope", 404, "No named query 'nope'"),
        ("/queries/places-founded-in?year=10", 400, "parameter 'year': expected year (a year as YYYY), got '10'"),
        ("/queries/places-by-kind?kind=not%20an%20iri", 400, "parameter 'kind': expected iri"),
        ("/queries/places-by-kind?colour=red", 400, "parameter 'colour': unknown parameter"),
        ("/queries/places-by-kind?kind=kind:fablab&kind=kind:coworking", 400, "parameter 'kind': given 2 times"),
        ("/queries/timeline?format=turtle", 406, "Cannot produce format='turtle'"),
    ],
)
def test_queries_route_refuses_bad_requests_with_a_message(client, url: str, status: int, message: str):
    response = client.get(url)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_queries_route_negotiates_the_format(client):
    case = next(c for c in CASES if c.id == "series-events")
    csv = client.get("/queries/series-events", headers={"Accept": "text/csv"})
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("series,event,")
    xml = client.get("/queries/series-events?format=xml")
    assert xml.mimetype == "application/sparql-results+xml"
    assert ResultSet.parse(xml.data, ox.QueryResultsFormat.XML).differences(expected(case), case.ordered) == []


def test_queries_route_binds_a_malicious_string_as_one_literal(client):
    response = client.get("/queries/places-by-name", query_string={"text": MALICIOUS, "format": "json"})
    assert response.status_code == 200
    result = ResultSet.parse(response.data)
    assert result.rows == []  # no place is called that; and the store still answers the next query
    assert client.get("/queries/series-events?format=json").status_code == 200


# --- through a real server: /queries/{name} over HTTP and `tierslieux query --endpoint` ------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_live_queries_route_gives_the_expected_result(case: Case, live_server):
    url = f"{live_server.url}/queries/{case.query.name}?" + urllib.parse.urlencode(case.params)
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        body = response.read()
    assert ResultSet.parse(body).differences(expected(case), case.ordered) == []


@pytest.mark.slow
def test_live_queries_route_answers_400_for_a_bad_value(live_server):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{live_server.url}/queries/places-near?radius=far", timeout=30)
    assert error.value.code == 400
    assert "parameter 'radius': expected decimal" in error.value.read().decode()


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_query_command_against_the_live_endpoint(case: Case, live_server, tmp_path: Path, monkeypatch):
    params = [arg for k, v in case.params.items() for arg in ("--param", f"{k}={v}")]
    # run in a folder with no local build to fall back on: the answer can only come from the endpoint; in-process
    # (the console script as a real process is tested below, once)
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["query", case.query.name, *params, "--format", "json", "--endpoint", live_server.endpoint])
    assert done.exit_code == 0, done.output
    assert ResultSet.parse(done.stdout_bytes).differences(expected(case), case.ordered) == []


@pytest.mark.slow
def test_a_malicious_string_reaches_the_live_endpoint_as_one_literal(live_server, tmp_path: Path):
    (tmp_path / "echo.rq").write_text(ECHO_QUERY, encoding="utf-8")
    done = subprocess.run(
        [str(TIERSLIEUX), "query", "echo", "--queries-dir", str(tmp_path), "--param", f"text={MALICIOUS}",
         "--format", "json", "--endpoint", live_server.endpoint],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    bindings = json.loads(done.stdout)["results"]["bindings"]
    assert bindings == [
        {"text": {"type": "literal", "value": MALICIOUS}, "length": {"type": "literal", "datatype": XSD + "integer", "value": str(len(MALICIOUS))}}
    ]
    with urllib.request.urlopen(f"{live_server.url}/queries/series-events?format=json", timeout=30) as response:
        assert response.status == 200  # the store is untouched and still answers


@pytest.mark.slow
def test_query_command_reports_an_unreachable_endpoint(tmp_path: Path):
    done = subprocess.run(
        [str(TIERSLIEUX), "query", "timeline", "--endpoint", f"http://127.0.0.1:{free_port()}/sparql"],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert re.search(r"error: the store at http://127\.0\.0\.1:\d+/sparql cannot be reached", done.stderr.decode()), done.stderr.decode()


def test_queries_route_reports_a_named_query_that_does_not_parse(built: BuildLayout, tmp_path: Path):
    from tierslieux.service import create_app

    (tmp_path / "broken.rq").write_text("# title: Broken query\n# description: A query with a syntax error.\nSELECT ?x WHERE { ?x ", "utf-8")
    client = create_app({"TESTING": True, "BUILD_DIR": built.root, "QUERIES_DIR": tmp_path}).test_client()
    response = client.get("/queries/broken")
    assert response.status_code == 500
    assert "The named query 'broken' (broken.rq) does not parse" in response.get_data(as_text=True)
