"""The named queries rewritten for speed (issue 5) still give the answers of their former text.

The former texts are kept in ``tests/fixtures/queries-before/``. Each is run
with its rewritten namesake of ``queries/`` on a generated graph of 300 places
and on the repository's graph, with the parameters bound both ways the project
binds them (a ``VALUES`` block as the service does, pyoxigraph substitutions as
``tierslieux query`` does); the answers must be the same rows, in the same order
when the query has an ORDER BY, with the same columns in the same order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.queries.expected import CASES_FILE, Case, ResultSet
from tierslieux.build.builder import build_release
from tierslieux.build.generate import generate_graph
from tierslieux.paths import QUERIES_DIR
from tierslieux.queries.named import NamedQuery, load_named_queries, parse_named_query
from tierslieux.queries.parameters import bind_parameters, inject_values, substitutions
from tierslieux.release import BuildLayout

BEFORE_DIR = Path(__file__).resolve().parent / "fixtures" / "queries-before"
BEFORE = {path.stem: parse_named_query(path) for path in sorted(BEFORE_DIR.glob("*.rq"))}
AFTER = load_named_queries(QUERIES_DIR)

#: Parameter values besides the defaults and those of tests/queries/cases.json, chosen to reach every branch
#: (each data-quality problem, a threshold nothing is below), kinds with many or no narrower kinds, a zero radius.
EXTRA_CASES = {
    "places-by-kind": [{"kind": "kind:tiers-lieu"}, {"kind": "kind:coworking"}, {"kind": "kind:fablab"}],
    "data-quality-summary": [{"precision": "0"}, {"precision": "1"}],
    "data-quality-report": [
        {"problem": problem}
        for problem in ("missing-website", "missing-commune", "missing-kind", "low-geocoding-precision", "no-such-problem")
    ]
    + [{"problem": "low-geocoding-precision", "precision": "0.9"}],
    "places-near": [{"lat": "48.8566", "long": "2.3522", "radius": "20"}, {"lat": "45.7640", "long": "4.8357", "radius": "0"}],
    "communes-with-most-places": [{"min": "1"}],
    "places-founded-in": [{"year": "2015"}],
    # a letter most names hold, a text in capitals, an accented one, and one found in an alternative label only
    "places-by-name": [{"text": "a"}, {"text": "LAB"}, {"text": "café"}, {"text": "aubuisson"}],
}


def cases(name: str) -> list[dict[str, str]]:
    """The parameter sets ``name`` is compared with: its defaults, its cases.json cases and :data:`EXTRA_CASES`."""
    listed = json.loads(CASES_FILE.read_text(encoding="utf-8")).get(name, {})
    return [{}, *listed.values(), *EXTRA_CASES.get(name, [])]


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """A store built, without validation, from a generated graph of 300 places (and the ontology and vocabularies)."""
    root = tmp_path_factory.mktemp("rewrites")
    data_dir = root / "data"
    data_dir.mkdir()
    # N-Triples is Turtle, and the build reads data/**/*.ttl
    generate_graph(300, 5, out=data_dir / "generated.nt").rename(data_dir / "generated.ttl")
    build_release(root / "build", data_dir=data_dir, validate=False)
    return ox.Store.read_only(str(BuildLayout(root / "build").store_dir.resolve()))


def answers(store: ox.Store, query: NamedQuery, params: dict[str, str]) -> dict[str, ResultSet]:
    """Run ``query`` with ``params`` bound as a VALUES block and as substitutions."""
    bound = bind_parameters(query, params)
    return {
        "VALUES": ResultSet.of(store.query(inject_values(query.text, bound), use_default_graph_as_union=True)),
        "substitutions": ResultSet.of(store.query(query.text, use_default_graph_as_union=True, substitutions=substitutions(bound))),
    }


def assert_same_answers(store: ox.Store, name: str) -> int:
    """Assert the former and the rewritten ``name`` agree on every case; return how many rows were compared."""
    before, after = BEFORE[name], AFTER[name]
    ordered = Case(before, "default").ordered
    compared = 0
    for params in cases(name):
        old, new = answers(store, before, params), answers(store, after, params)
        for how in old:
            assert new[how].variables == old[how].variables, f"{name} {params} ({how}): columns {new[how].variables}, before {old[how].variables}"
            problems = new[how].differences(old[how], ordered)
            assert not problems, f"{name} {params} ({how}): " + "; ".join(problems)
            compared += len(old[how].rows)
    return compared


def test_every_former_text_has_a_current_query():
    assert BEFORE, f"no former query texts in {BEFORE_DIR}"
    assert set(BEFORE) <= set(AFTER), f"former texts without a named query: {sorted(set(BEFORE) - set(AFTER))}"
    for name in BEFORE:
        assert BEFORE[name].parameters == AFTER[name].parameters, f"{name}: the parameters or their defaults changed"
        assert BEFORE[name].text != AFTER[name].text, f"{name}: not rewritten; remove its former text"


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_rewritten_query_answers_as_before_on_a_generated_graph(generated_store: ox.Store, name: str):
    assert assert_same_answers(generated_store, name) > 0, f"{name}: no rows on the generated graph, nothing was compared"


@pytest.mark.slow  # the whole repository graph, census included; the generated graph above is the quick check
@pytest.mark.parametrize("name", sorted(BEFORE))
def test_rewritten_query_answers_as_before_on_the_repository_graph(built: BuildLayout, name: str):
    store = ox.Store.read_only(str(built.store_dir.resolve()))
    assert assert_same_answers(store, name) > 0, f"{name}: no rows on the repository's graph, nothing was compared"
