"""The benchmark harness (``benchmarks/run.py``) in its smoke mode, so that ``make bench`` cannot rot.

These tests assert that the harness runs the three real servers and writes a
well-formed report; they assert no speed (the benchmark reports speed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import compare, load, report  # noqa: E402

from tierslieux.paths import QUERIES_DIR
from tierslieux.queries.named import load_named_queries

NAMED = sorted(load_named_queries(QUERIES_DIR))


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert load.percentile(values, 95) == 19.0
    assert load.percentile(values, 50) == 10.0
    assert load.percentile([7.0], 95) == 7.0


def test_result_rows_reads_select_and_ask_answers():
    assert compare.result_rows(b'{"head": {"vars": ["x"]}, "results": {"bindings": [{}, {}, {}]}}') == 3
    assert compare.result_rows(b'{"head": {}, "boolean": false}') == 1
    assert compare.result_rows(b"<html>oops</html>") is None


def _dataset(ours_qps, other_cell, other_warmup="200"):
    queries = {"q": {"warmup": {"status": 200}, "cells": {"4": {"qps": ours_qps, "ok": 10, "failures": {}}}}}
    other = {"q": {"warmup": {"status": other_warmup}, **({"cells": {"4": other_cell}} if other_cell else {})}}
    return {"targets": {report.OURS: {"queries": queries}, report.RDFLIB: {"queries": other}}}


def test_ratio_is_a_lower_bound_when_the_other_server_timed_out():
    measured = report.ratio(_dataset(50.0, {"qps": 2.0, "ok": 4, "failures": {}}), report.RDFLIB, "q", "4", 60.0)
    assert measured == (25.0, False)
    timed_out = report.ratio(_dataset(50.0, None, other_warmup="timeout"), report.RDFLIB, "q", "4", 60.0)
    assert timed_out == (3000.0, True)
    never_answered = report.ratio(_dataset(50.0, {"qps": 0.0, "ok": 0, "failures": {"timeout": 4}}), report.RDFLIB, "q", "4", 60.0)
    assert never_answered == (3000.0, True)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """Run ``benchmarks/run.py --smoke`` once into a temporary folder; return (report text, results, output)."""
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--cache", str(folder / "cache"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out.read_text(encoding="utf-8"), json.loads((folder / "results.json").read_text(encoding="utf-8")), done.stdout


@pytest.mark.slow
def test_smoke_run_measures_every_named_query_on_the_three_servers(smoke):
    _, results, output = smoke
    (dataset,) = results["datasets"]
    assert dataset["errors"] == [], dataset["errors"]
    assert dataset["triples"] > 0
    assert dataset["queries"] == NAMED
    for target in (report.OURS, report.OXIGRAPH):
        probe = dataset["targets"][target]["probe"]
        assert probe["query"] == "ASK {}"
        for concurrency in ("1", "4"):
            assert probe["cells"][concurrency]["ok"] == probe["cells"][concurrency]["sent"] >= 1, (target, probe)
        queries = dataset["targets"][target]["queries"]
        assert sorted(queries) == NAMED
        for name, entry in queries.items():
            assert "skipped" not in entry, (target, name, entry.get("skipped"))
            for concurrency in ("1", "4"):
                cell = entry["cells"][concurrency]
                assert cell["ok"] == cell["sent"] >= 1, (target, name, concurrency, cell)
                assert cell["median_ms"] <= cell["p95_ms"] <= cell["max_ms"]
                assert cell["qps"] > 0
    # rdflib-endpoint may fail a query, but then the reason is recorded, never dropped
    rdflib_queries = dataset["targets"][report.RDFLIB]["queries"]
    assert sorted(rdflib_queries) == NAMED
    for name, entry in rdflib_queries.items():
        assert "cells" in entry or entry["skipped"], name
    assert "[gen-30-s1] rdflib-endpoint" in output


@pytest.mark.slow
def test_smoke_run_sends_the_same_query_to_each_server(smoke):
    _, results, _ = smoke
    (dataset,) = results["datasets"]
    ours = dataset["targets"][report.OURS]["queries"]
    oxigraph = dataset["targets"][report.OXIGRAPH]["queries"]
    different = {q: (ours[q]["warmup"]["rows"], oxigraph[q]["warmup"]["rows"]) for q in NAMED if ours[q]["warmup"]["rows"] != oxigraph[q]["warmup"]["rows"]}
    assert different == {}, f"row counts differ between the service and Oxigraph server: {different}"


@pytest.mark.slow
def test_smoke_run_measures_build_validation_cold_start_and_memory(smoke):
    _, results, _ = smoke
    (dataset,) = results["datasets"]
    plain, validated = dataset["build"]["store_and_dumps"], dataset["build"]["validated"]
    assert validated["engine"] == "fast"
    for build in (plain, validated):
        assert build["triples"] == dataset["triples"] and build["seconds"] > 0 and build["rate"] > 0, build
    assert plain["phases"] and all(seconds >= 0 for seconds in plain["phases"].values()), plain
    reference = dataset["validation"]["reference"]
    assert reference["available"] and reference["conforms"] is True and reference["validate_seconds"] > 0
    fast = dataset["validation"]["fast"]
    if fast["available"]:  # the fast engine judges the same graph as pySHACL
        assert (fast["conforms"], fast["results"]) == (reference["conforms"], reference["results"])
    assert len(dataset["cold_start"]["runs"]) == 1 and dataset["cold_start"]["median_seconds"] > 0
    workers = dataset["memory"][report.OURS]["workers"]
    assert len(workers) == results["settings"]["workers"]
    assert all(w["rss_mib"] > 0 for w in workers)
    assert dataset["memory"][report.OXIGRAPH]["main"]["rss_mib"] > 0
    assert dataset["servers"]["oxigraph"]["load_seconds"] > 0


@pytest.mark.slow
def test_smoke_report_is_a_well_formed_results_table(smoke):
    text, results, _ = smoke
    for heading in ("# Benchmark results", "## Machine", "## Method", "## Targets", "### Named queries, 1 client", "### Named queries, 4 clients"):
        assert f"\n{heading}\n" in f"\n{text}", heading
    assert results["machine"]["cpu_model"] in text
    assert "| Target | Dataset | Measured | Same target, Oxigraph server (the engine alone) | Verdict |" in text
    assert "- `ASK {}` on each SPARQL endpoint (the probe: no work for the engine, so the fixed cost of a request): tierslieux 1 client " in text
    for concurrency in ("1 client", "4 clients"):
        section = text.split(f"### Named queries, {concurrency}\n", 1)[1].lstrip("\n").split("\n\n", 1)[0]
        lines = section.splitlines()
        assert lines[0].startswith("| Query | Rows (ours / oxigraph / rdflib) | tierslieux median ms | tierslieux p95 ms | tierslieux q/s |")
        assert lines[0].endswith("| ours ÷ oxigraph | ours ÷ rdflib-endpoint |")
        columns = lines[0].count("|")
        rows = lines[2:]
        assert [re.match(r"\| `([^`]+)` \|", row)[1] for row in rows] == NAMED
        assert all(row.count("|") - row.count("\\|") == columns for row in rows)
    targets = text.split("## Targets\n\n", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    verdicts = [row.rsplit("|", 2)[1].strip() for row in targets]
    assert verdicts and set(verdicts) <= {"met", "**NOT met**", "not measured"}
    assert any(row.startswith("| cold start ≤ 2 s |") for row in targets)
    (build_row,) = [row for row in targets if row.startswith("| build ≥ 100,000 triples/s |")]
    assert "build (store + dumps): " in build_row and "build with validation (engine fast): " in build_row
    assert any("0.7× oxigraph" in row for row in targets) and any("10× rdflib-endpoint" in row for row in targets)


# --- benchmarks/first_view.py: the explorer's first view on the real graph and 100,000 places (make bench) ---


def _first_view_result(indexed, errors=(), indexed_failures=None):
    view = {"first_seconds": 0.9, "again_median_seconds": 0.5, "index_read_after_seconds": 12.0 if indexed else None,
            "indexed_median_seconds": indexed, "indexed_failures": indexed_failures or {}}
    return {"key": "gen-100000-s1", "label": "generated, 100,000 places (seed 1)", "target_seconds": 1.0, "errors": list(errors),
            "build": {"triples": 2_597_408, "seconds": 180.0}, "first_answer_seconds": 3.8, "view": view}


def test_a_view_s_answers_that_were_not_200_are_reported_beside_its_time():
    from harness import explorer

    assert explorer.failed([200, 503, 200, 503, 500]) == {"503": 2, "500": 1}
    assert explorer.view_text(0.0421, {}) == "42 ms"
    assert explorer.view_text(30.1, {"503": 2}) == "30,100 ms (503 ×2)"
    assert explorer.view_text(None) == "–"


def test_first_view_verdict_is_judged_on_the_view_once_the_index_is_read():
    import first_view

    assert first_view.verdict(_first_view_result(0.58)) == "met"
    assert first_view.verdict(_first_view_result(0.05, indexed_failures={"503": 2})) == "NOT met (answers that were not 200)"
    assert first_view.verdict(_first_view_result(2.5)) == "NOT met (2.5× the target)"
    assert first_view.verdict(_first_view_result(None)) == "not measured: the index was not read in time"
    assert first_view.verdict(_first_view_result(None, ["tierslieux serve: exited"])) == "not measured: tierslieux serve: exited"


@pytest.mark.slow
def test_first_view_smoke_run_builds_serves_and_reports(tmp_path):
    out = tmp_path / "FIRST-VIEW.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "first_view.py"), "--smoke", "--cache", str(tmp_path / "cache"), "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((tmp_path / "first-view.json").read_text(encoding="utf-8"))
    (measured,) = results["datasets"]
    assert measured["places"] == 30 and measured["errors"] == []
    assert measured["build"]["triples"] > 1000
    view = measured["view"]
    assert view["index_read_after_seconds"] is not None, "every worker should have read the places index"
    assert len(view["indexed_runs"]) == 5 and all(seconds > 0 for seconds in view["indexed_runs"])
    assert view["first_failures"] == view["again_failures"] == view["indexed_failures"] == {}
    rows = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("| generated, 30 places")]
    assert len(rows) == 1 and rows[0].count("|") == 11, rows
