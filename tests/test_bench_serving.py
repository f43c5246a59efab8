"""benchmarks/serving.py: its ad-hoc queries run on the real graph and find something, and its report states the ratios."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import serving  # noqa: E402

from tierslieux.release import BuildLayout  # noqa: E402
from tierslieux.stores.held_in_memory import read_dump  # noqa: E402


@pytest.fixture(scope="module")
def release_store(tmp_path_factory) -> ox.Store:
    """The repository's graph, built and read into memory as the service holds it."""
    from tierslieux.build.builder import build_release

    root = tmp_path_factory.mktemp("serving")
    build_release(root, validate=False)
    return read_dump(BuildLayout(root).current_release.quads_dump)


@pytest.mark.slow  # the whole release loaded, census included
def test_every_ad_hoc_query_parses_and_most_parameters_find_places(release_store):
    regions = [str(r["r"].value) for r in release_store.query(serving.PREFIXES + "SELECT DISTINCT ?r WHERE { ?d tl:region ?r }")][:3]
    places = [str(r["p"].value) for r in release_store.query(serving.PREFIXES + "SELECT ?p WHERE { ?p a tl:ThirdPlace } LIMIT 3")]
    values = {"regions": regions, "places": places, "words": ["atelier", "fablab", "tiers"], "boxes": ["45.000 4.000", "48.000 2.000"]}
    texts = serving.ad_hoc_queries(values)
    assert set(texts) == {"places of a region", "places in a box", "lookup by a word of the name", "one place", "ASK {}"}
    for name, variants in texts.items():
        answers = [release_store.query(text, use_default_graph_as_union=True) for text in variants]
        if name == "ASK {}":
            assert all(bool(a) for a in answers)
        else:
            assert sum(1 for a in answers if list(a)) >= len(variants) - 1, f"{name}: the parameters drawn find nothing"


def test_the_report_gives_each_server_its_ratio_to_oxigraph_in_memory():
    rows = [
        {"query": "q", "clients": 1, "server": name, "qps": qps, "p95_ms": 3.0}
        for name, qps in zip(serving.SERVERS, (100.0, 50.0, 80.0, 20.0, 200.0), strict=True)
    ]
    results = {
        "date": "2026-12-03", "machine": {"cpu_model": "cpu", "usable_cores": 2, "load_average_start": [0.1]}, "quads": 10, "workers": 2,
        "requests": 5, "budget": 1, "rows": rows, "memory": {"ours-memory": 1.0}, "ready_seconds": {"ours-memory": 1.0},
        "load_seconds": {"oxigraph-memory": 0.1, "oxigraph-disk": 0.2},
    }
    text = serving.report(results)
    assert "| q | 1 | 100 | 50 (0.50×) | 80 (0.80×) | 20 (0.20×) | 200 (2.00×) | 3.0 |" in text
