"""`tierslieux generate`: synthetic graphs that are deterministic, conform to the shapes, follow the real proportions and never pass for real data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import SH

from tierslieux.build.generate import (
    SLUG_PREFIX,
    SYNTHETIC_QID_BASE,
    GeneratorError,
    RealGraph,
    default_output,
    generate_graph,
    generate_lines,
    real_files,
)
from tierslieux.cli import main
from tierslieux.namespaces import ID_BASE, TL, WD
from tierslieux.rdfio import canonical_turtle, parse_file
from tierslieux.validation import validate_graph

TL_NS = str(TL.ThirdPlace).rsplit("#", 1)[0] + "#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def store_of(lines: list[str]) -> ox.Store:
    """Load N-Triples lines into an in-memory Oxigraph store."""
    store = ox.Store()
    store.load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def real_store() -> ox.Store:
    """The real graph the generator learns from (census, curated data, links)."""
    store = ox.Store()
    for path in real_files():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def shares(store: ox.Store, query: str) -> dict[str, float]:
    """Run a query selecting ``?key`` per place (``?place``) and return each key's share of the places."""
    places = {r["place"].value for r in store.query(f"SELECT ?place WHERE {{ ?place a <{TL_NS}ThirdPlace> }}")}
    counts = Counter(r["key"].value for r in store.query(query) if r["place"].value in places)
    return {key: count / len(places) for key, count in counts.items()}


KIND_QUERY = f"SELECT DISTINCT ?place ?key WHERE {{ ?place <{TL_NS}placeKind> ?key }}"
REGION_QUERY = f"""SELECT DISTINCT ?place ?key WHERE {{
    ?place a <{TL_NS}ThirdPlace> ; <{TL_NS}locality> ?commune .
    ?commune <{TL_NS}department> ?department . ?department <{TL_NS}region> ?key }}"""
NETWORK_QUERY = f"SELECT DISTINCT ?place (\"in a network\" AS ?key) WHERE {{ ?place <{TL_NS}partOfNetwork> ?network }}"
WEBSITE_QUERY = f"SELECT DISTINCT ?place (\"website\" AS ?key) WHERE {{ ?place <{TL_NS}website> ?site }}"


@pytest.fixture(scope="module")
def big() -> ox.Store:
    """3,000 synthetic places (seed 5)."""
    return store_of(generate_lines(3000, 5))


@pytest.fixture(scope="module")
def real() -> ox.Store:
    return real_store()


# --- determinism ------------------------------------------------------------------------------


def test_same_places_and_seed_give_byte_identical_files(tmp_path):
    first = generate_graph(120, 7, tmp_path / "a.nt").read_bytes()
    again = generate_graph(120, 7, tmp_path / "b.nt").read_bytes()
    other_seed = generate_graph(120, 8, tmp_path / "c.nt").read_bytes()
    assert first == again
    assert first != other_seed


def test_the_output_is_sorted_n_triples_without_duplicates(tmp_path):
    path = generate_graph(80, 1, tmp_path / "g.nt")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines == sorted(set(lines))
    assert len(store_of(lines)) == len(lines)


def test_turtle_output_is_canonical(tmp_path):
    path = generate_graph(25, 3, tmp_path / "g.ttl")
    graph = parse_file(path)
    assert path.read_text(encoding="utf-8") == canonical_turtle(graph)
    assert len(graph) == len(generate_lines(25, 3))


# --- shapes and proportions -------------------------------------------------------------------


@pytest.mark.slow  # pySHACL on 150 generated places
def test_a_generated_graph_conforms_to_the_shapes():
    graph = Graph().parse(data="".join(generate_lines(150, 9)), format="nt")
    outcome = validate_graph(graph)
    violations = [r for r in outcome.results if r.severity == SH.Violation]
    assert outcome.conforms and not violations, [f"{r.focus_node} {r.path_text}: {r.message('en')}" for r in violations[:10]]


@pytest.mark.parametrize(
    "query",
    [KIND_QUERY, REGION_QUERY, NETWORK_QUERY, WEBSITE_QUERY],
    ids=["kinds", "regions", "networks", "websites"],
)
def test_proportions_follow_the_real_graph(query, big, real):
    expected, got = shares(real, query), shares(big, query)
    assert expected, "the real graph has none of these: the comparison would prove nothing"
    off = {k: (round(expected.get(k, 0), 3), round(got.get(k, 0), 3)) for k in set(expected) | set(got) if abs(expected.get(k, 0) - got.get(k, 0)) > 0.04}
    assert not off, f"shares (real, synthetic) that differ by more than 0.04: {off}"


def test_communes_departments_and_regions_are_real_ones(big, real):
    for cls in ("Commune", "Department", "Region"):
        synthetic = {r["x"].value for r in big.query(f"SELECT DISTINCT ?x WHERE {{ ?p <{TL_NS}locality>|<{TL_NS}department>|<{TL_NS}region> ?x . ?x a <{TL_NS}{cls}> }}")}
        known = {r["x"].value for r in real.query(f"SELECT ?x WHERE {{ ?x a <{TL_NS}{cls}> }}")}
        assert synthetic and synthetic <= known, f"{cls}: {sorted(synthetic - known)[:5]} are not in the real graph"


def test_networks_events_values_and_links_are_present(big):
    def count(query: str) -> int:
        return next(iter(big.query(query)))["n"].value

    assert int(count(f"SELECT (COUNT(DISTINCT ?n) AS ?n) WHERE {{ ?p <{TL_NS}partOfNetwork> ?n . ?n a <{TL_NS}Network> }}")) > 10
    assert int(count(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?e a <{TL_NS}Event> ; <{TL_NS}location> ?p . ?p a <{TL_NS}ThirdPlace> }}")) > 10
    assert int(count(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x <{TL_NS}statesValue> ?v }}")) > 0
    assert int(count(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p <{TL_NS}wikidataItem> ?q }}")) > 100


def test_triples_per_place_stay_close_to_the_census():
    census = RealGraph.load(real_files())
    places = [s for s, t in census.types.items() if str(TL.ThirdPlace) in t]
    per_place = len(generate_lines(2000, 2)) / 2000
    assert 15 < per_place < 40, per_place  # the census has about 27 triples per place (docs/scale.md)
    assert len(places) > 1000


# --- nothing passes for real ------------------------------------------------------------------


def test_every_generated_resource_is_synthetic(big, real):
    real_subjects = {t.subject.value for t in real if isinstance(t.subject, ox.NamedNode)}
    real_places = {r["p"].value for r in real.query(f"SELECT ?p WHERE {{ ?p a <{TL_NS}ThirdPlace> }}")}
    subjects = {t.subject.value for t in big if isinstance(t.subject, ox.NamedNode)}
    invented = subjects - real_subjects
    assert invented and all(s.startswith(ID_BASE) and s.rsplit("/", 1)[1].startswith(SLUG_PREFIX) for s in invented), sorted(
        s for s in invented if SLUG_PREFIX not in s
    )[:5]
    assert not subjects & real_places, "a real place is described in the synthetic graph"
    real_names = {r["n"].value for r in real.query(f"SELECT ?n WHERE {{ ?p a <{TL_NS}ThirdPlace> ; <{LABEL}> ?n }}")}
    synthetic_names = {r["n"].value for r in big.query(f"SELECT ?n WHERE {{ ?p a <{TL_NS}ThirdPlace> ; <{LABEL}> ?n }}")}
    assert not real_names & synthetic_names
    items = [r["q"].value for r in big.query(f"SELECT ?q WHERE {{ ?p <{TL_NS}wikidataItem> ?q }}")]
    assert items and all(int(q.removeprefix(str(WD) + "Q")) > SYNTHETIC_QID_BASE for q in items)
    websites = [r["w"].value for r in big.query(f"SELECT ?w WHERE {{ ?p <{TL_NS}website> ?w }}")]
    assert websites and all(w.endswith(".example.org/") for w in websites)


def test_the_dataset_says_it_is_synthetic(big):
    rows = list(
        big.query(
            "SELECT ?d ?text WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/description> ?text ;"
            " <http://www.w3.org/ns/dcat#keyword> \"synthetic\"@en }"
        )
    )
    assert rows and rows[0]["d"].value.endswith("/id/dataset/synthetic-places-3000-seed-5")
    assert any("SYNTHETIC" in r["text"].value for r in rows) and any("SYNTHÉTIQUES" in r["text"].value for r in rows)
    sources = {r["s"].value for r in big.query(f"SELECT DISTINCT ?s WHERE {{ ?p a <{TL_NS}ThirdPlace> ; <http://purl.org/dc/terms/source> ?s }}")}
    assert sources == {rows[0]["d"].value}


# --- the command and bad input ----------------------------------------------------------------


def test_generate_command_writes_the_file_and_says_how_big(tmp_path):
    out = tmp_path / "g.nt"
    result = CliRunner().invoke(main, ["generate", "--places", "40", "--seed", "4", "--out", str(out)], catch_exceptions=False)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert result.exit_code == 0, result.output
    assert f"{out}: 40 places, {len(lines)} triples ({len(lines) / 40:.1f} per place)" in result.output


def test_generate_command_refuses_an_unknown_format(tmp_path):
    result = CliRunner().invoke(main, ["generate", "--places", "5", "--out", str(tmp_path / "g.csv")])
    assert result.exit_code == 2
    assert "g.csv: write .nt (N-Triples) or .ttl (canonical Turtle)" in result.output
    assert not (tmp_path / "g.csv").exists()


def test_generate_command_refuses_zero_places():
    result = CliRunner().invoke(main, ["generate", "--places", "0"])
    assert result.exit_code == 2 and "--places" in result.output


def test_without_real_places_the_generator_says_so(tmp_path):
    (tmp_path / "census").mkdir()
    (tmp_path / "census" / "empty.ttl").write_text("<https://w3id.org/tiers-lieux/id/x> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n", encoding="utf-8")
    with pytest.raises(GeneratorError, match="no tl:ThirdPlace to take as a template"):
        generate_lines(10, 1, data_dir=tmp_path)


def test_a_broken_real_file_is_named(tmp_path):
    (tmp_path / "curated").mkdir()
    (tmp_path / "curated" / "bad.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(SyntaxError, match="bad.ttl"):
        generate_lines(10, 1, data_dir=tmp_path)


def test_the_default_output_is_under_build(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_output(100, 3) == Path(tmp_path) / "build" / "synthetic" / "places-100-seed-3.nt"
