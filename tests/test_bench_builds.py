"""The benchmark harness's builds, dataset sizes and report, without measuring any speed.

The builds run for real (``tierslieux build`` and ``build_release``) on tiny
data folders; what is asserted is how the harness records a success or a
failure, never how fast anything was.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import datasets, report  # noqa: E402

SMALL_PLACE = """@prefix schema: <https://schema.org/> .
<https://w3id.org/tiers-lieux/id/place/bench-test> schema:name "Bench"@fr .
"""


def _run_module():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run():
    """``benchmarks/run.py`` imported as a module."""
    return _run_module()


CALIBRATION = datasets.Calibration(per_place=26.0, intercept=5_000.0, fixed=2_000)


@pytest.mark.parametrize(
    ("text", "places", "asked"),
    [("0.1M", round((100_000 - 7_000) / 26), 100_000), ("1M", round((1_000_000 - 7_000) / 26), 1_000_000), ("250k", round((250_000 - 7_000) / 26), 250_000), ("10000", 10_000, None)],
)
def test_a_dataset_is_asked_by_places_or_by_triples(text, places, asked):
    dataset = datasets.parse_dataset(text, 1, CALIBRATION)
    assert (dataset.places, dataset.triples_asked, dataset.key) == (places, asked, f"gen-{places}-s1")
    assert dataset.label.startswith(f"generated, {places:,} places")
    assert datasets.parse_dataset("real", 1).places is None


@pytest.mark.parametrize(("text", "message"), [("1G", "expected 'real', a number of places"), ("0", "expected 'real', a number of places"), ("0k", "at least one triple"), ("many", "expected 'real'")])
def test_a_bad_dataset_name_is_refused_with_its_text(text, message):
    with pytest.raises(ValueError, match=message) as refused:
        datasets.parse_dataset(text, 1, CALIBRATION)
    assert repr(text) in str(refused.value)


def test_a_size_in_triples_needs_the_calibration():
    with pytest.raises(ValueError, match="'1M': a size in triples needs the generator's calibration"):
        datasets.parse_dataset("1M", 1)


def test_the_calibration_predicts_the_generators_size(tmp_path):
    """Two small sizes fix the line; a third size, generated for real, falls on it."""
    from tierslieux.build.generate import generate_lines

    calibration = datasets.calibrate(1, tmp_path, sizes=(20, 120))
    assert 10 < calibration.per_place < 60 and calibration.fixed > 1000
    measured = len(generate_lines(400, 1)) + calibration.fixed
    assert abs(calibration.triples(400) - measured) / measured < 0.02, (calibration, measured)
    assert calibration.places_for(calibration.triples(400)) == 400
    stamp = json.loads((tmp_path / "calibration-s1.json").read_text())
    assert (stamp["per_place"], stamp["fixed"]) == (calibration.per_place, calibration.fixed)
    assert datasets.calibrate(1, tmp_path, sizes=(20, 120)) == calibration  # read back from the cache


def test_default_and_smoke_options(run):
    full = run.parse_args([])
    assert (full.datasets, full.rdflib_cap, full.validation_timeout, full.max_minutes, full.build_engine) == ("real,0.1M,1M", 240.0, 240.0, 55.0, "fast")
    smoke = run.parse_args(["--smoke"])
    assert (smoke.datasets, smoke.requests, smoke.time_budget, smoke.cold_start_repeats, smoke.rdflib_cap) == ("30", 3, 0.5, 1, 6.0)
    assert run.parse_args(["--datasets", "real,10000", "--rdflib-cap", "0"]).rdflib_cap == 0.0


def test_a_spent_budget_stops_the_optional_steps(run):
    args = run.parse_args(["--max-minutes", "1", "--rdflib-cap", "240"])
    args.deadline = time.monotonic() - 1
    assert run.budget_spent(args) == "not measured (budget): the run's 1-minute budget was spent"
    assert run.rdflib_cap(args) == 0.0
    args.deadline = time.monotonic() + 100
    assert run.budget_spent(args) is None and 99 < run.rdflib_cap(args) <= 100
    args.deadline = None
    assert run.rdflib_cap(args) == 240.0


def test_a_result_without_its_seconds_is_a_step_failure_not_a_key_error(tmp_path):
    """The 100,000-place run died of ``KeyError: 'seconds'``: a result lacking a key now names it, the file and the log."""
    log = tmp_path / "build.log"
    result = tmp_path / "result.json"
    result.write_text(json.dumps({"status": 0, "triples": 12}))
    with pytest.raises(datasets.StepFailed, match=r"build wrote a result without seconds to .*result\.json \(log: .*build\.log\)"):
        datasets.read_json_result(result, ("seconds", "triples"), "build", log)
    result.write_text("built 12 triples\n{\"status\": 0")
    with pytest.raises(datasets.StepFailed, match=r"build wrote an unreadable result file .*result\.json"):
        datasets.read_json_result(result, ("seconds",), "build", log)
    with pytest.raises(datasets.StepFailed, match=r"build wrote no result file .*missing\.json"):
        datasets.read_json_result(tmp_path / "missing.json", ("seconds",), "build", log)


def test_a_failed_build_without_validation_names_the_reason_and_the_log(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "broken.ttl").write_text("<https://example.org/a> <https://example.org/b> .\n")
    log = tmp_path / "logs" / "build.log"
    with pytest.raises(datasets.StepFailed) as failed:
        datasets.build_without_validation(data, tmp_path / "build", log, timeout=300)
    message = str(failed.value)
    assert message.startswith("build without validation failed: ") and "broken.ttl" in message, message
    assert f"(log: {log})" in message
    assert "Traceback" in log.read_text()  # the details are in the log
    assert not (tmp_path / "build" / "current").exists()


def test_a_build_whose_validated_run_fails_still_reports_the_other(run, tmp_path):
    """Both builds run for real on a tiny data folder; the validated one is asked for an engine that does not exist."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "place.ttl").write_text(SMALL_PLACE)
    args = run.parse_args(["--smoke", "--build-engine", "no-such-engine"])
    result: dict = {}
    assert run.measure_build(result, data, tmp_path / "build", args, tmp_path / "build.log")
    plain, validated = result["build"]["store_and_dumps"], result["build"]["validated"]
    assert plain["triples"] == result["triples"] > 1000 and plain["rate"] > 0
    assert plain["phases_from"] == "manifest" and plain["phases"]
    assert validated["engine"] == "no-such-engine" and "rate" not in validated
    assert validated["error"].startswith("tierslieux build --engine no-such-engine exited with status 2 (log: "), validated["error"]
    text, verdict = report.judge_build(result["build"])
    assert text.startswith(f"build (store + dumps): {plain['rate']:,.0f} triples/s")
    assert "build with validation (engine no-such-engine): not measured (tierslieux build --engine no-such-engine exited with status 2" in text
    assert verdict == ("**NOT met**" if plain["rate"] < report.MIN_BUILD_RATE else "not measured")


def _builds(plain_rate, validated_rate):
    def one(rate):
        return {"rate": rate, "triples": 1_000_000, "seconds": 1_000_000 / rate} if rate else {"error": "tierslieux build --engine fast ran past 1800 s and was stopped (log: x)"}

    return {"store_and_dumps": one(plain_rate), "validated": {"engine": "fast", **one(validated_rate)}}


@pytest.mark.parametrize(
    ("plain", "validated", "verdict"),
    [(250_000, 120_000, "met"), (250_000, 60_000, "**NOT met**"), (50_000, None, "**NOT met**"), (250_000, None, "not measured")],
)
def test_the_build_verdict_is_the_validated_builds_and_shows_both_figures(plain, validated, verdict):
    text, found = report.judge_build(_builds(plain, validated))
    assert found == verdict
    assert f"build (store + dumps): {plain:,} triples/s (1,000,000 triples in" in text
    if validated:
        assert f"build with validation (engine fast): {validated:,} triples/s (1,000,000 triples in" in text
    else:
        assert "build with validation (engine fast): not measured (tierslieux build --engine fast ran past 1800 s" in text


def _cell(qps, p95):
    return {"qps": qps, "ok": 10, "sent": 10, "failures": {}, "median_ms": p95 / 2, "p95_ms": p95, "max_ms": p95}


def fixture_results() -> dict:
    """A results.json of the current layout: one 1 M-triple dataset, rdflib-endpoint capped after one query."""
    queries = ["alpha", "beta"]
    ours = {"queries": {q: {"warmup": {"status": 200, "seconds": 0.01, "rows": 3}, "cells": {"1": _cell(100.0, 20.0), "4": _cell(200.0, 40.0 if q == "alpha" else 80.0)}} for q in queries}}
    ours["probe"] = {"query": "ASK {}", "cells": {"1": _cell(600.0, 2.0), "4": _cell(1_200.0, 4.0)}}
    oxigraph = {"queries": {q: {"warmup": {"status": 200, "seconds": 0.01, "rows": 3}, "cells": {"1": _cell(100.0, 10.0), "4": _cell(250.0, 10.0 if q == "alpha" else 70.0)}} for q in queries}}
    oxigraph["probe"] = {"query": "ASK {}", "cells": {"1": _cell(2_000.0, 0.5), "4": _cell(4_000.0, 1.0)}}
    cap = "not run: the 240 s time cap for rdflib-endpoint on this dataset was reached"
    rdflib = {"queries": {"alpha": {"warmup": {"status": 200, "seconds": 0.5, "rows": 3}, "cells": {"1": _cell(5.0, 300.0), "4": _cell(10.0, 900.0)}}, "beta": {"skipped": cap}}}
    dataset = {
        "key": "gen-38309-s1",
        "label": "generated, 38,309 places (≈ 1 M triples asked, seed 1)",
        "places": 38309,
        "triples": 1_000_123,
        "queries": queries,
        "errors": [],
        "targets": {report.OURS: ours, report.OXIGRAPH: oxigraph, report.RDFLIB: rdflib},
        "servers": {"oxigraph": {"load_seconds": 12.5, "start_seconds": 0.04}},
        "memory": {},
        "cold_start": {"runs": [1.5], "median_seconds": 1.5},
        "validation": {"reference": {"error": "validation (reference) ran past 240 s and was stopped (log: v.log)"}, "fast": {"available": True, "parse_seconds": None, "validate_seconds": 30.0, "conforms": True, "results": 9}},
        "build": {
            "store_and_dumps": {"seconds": 10.0, "triples": 1_000_123, "rate": 100_012.3, "phases": {"store": 4.0, "dumps": 6.0}, "phases_from": "manifest"},
            "validated": {"engine": "fast", "seconds": 40.0, "triples": 1_000_123, "rate": 25_003.1, "phases": None, "phases_from": None},
        },
    }
    settings = {"concurrencies": [1, 4], "max_requests": 200, "time_budget": 5.0, "request_timeout": 60.0, "workers": 2, "cold_start_repeats": 1, "rdflib_cap_seconds": 240.0, "rdflib_start_timeout": 600.0, "validation_timeout": 240.0, "build_engine": "fast", "max_minutes": 55.0}
    machine = {"cpu_model": "Test CPU", "cores": 2, "usable_cores": 2, "memory_gib": 8, "os": "Linux", "python": "3.11", "packages": {k: "1" for k in ("pyoxigraph", "rdflib", "rdflib-endpoint", "fastapi", "uvicorn", "pyshacl", "tierslieux", "flask", "gunicorn")}, "oxigraph_server": "oxigraph 0.5", "load_average_start": [0, 0, 0]}
    return {"date": "2026-01-01T00:00:00+00:00", "mode": "full", "command": "python benchmarks/run.py", "seconds": 3000.0, "machine": machine, "settings": settings, "datasets": [dataset]}


def test_the_report_of_a_fixture_judges_every_target_from_its_numbers():
    text = report.render(fixture_results())
    table = text.split("## Targets\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table[0] == "| Target | Dataset | Measured | Same target, Oxigraph server (the engine alone) | Verdict |"
    rows = [[cell.strip() for cell in row.strip("|").split(" | ")] for row in table[2:]]
    targets = {(row[0], row[-1]) for row in rows}
    references = {row[0]: row[3] for row in rows}
    assert ("≥ 0.7× oxigraph throughput on every named query (4 clients)", "met") in targets  # 200 / 250 = 0.8
    assert ("≥ 10× rdflib-endpoint throughput on every named query (4 clients)", "not measured") in targets  # one query capped
    assert ("p95 ≤ 50 ms on every named query (1 client)", "met") in targets
    assert ("p95 ≤ 50 ms on every named query (4 clients)", "**NOT met**") in targets  # beta: 80 ms
    assert ("cold start ≤ 2 s", "met") in targets
    assert ("build ≥ 100,000 triples/s", "**NOT met**") in targets  # 100,012 without validation, 25,003 with
    # beside each target, what Oxigraph server reaches on it in the same run
    assert references["≥ 0.7× oxigraph throughput on every named query (4 clients)"] == "`ASK {}` (no work for the engine): this service 1,200 q/s, Oxigraph server 4,000 q/s (0.30×)"
    assert references["≥ 10× rdflib-endpoint throughput on every named query (4 clients)"] == "Oxigraph server itself: 1/1 measured queries at ≥ 10×; lowest 25.00 (`alpha`)"  # 250 / 10
    assert references["p95 ≤ 50 ms on every named query (1 client)"] == "Oxigraph server itself: 2/2 queries within; worst 10.0 ms (`alpha`)"
    assert references["p95 ≤ 50 ms on every named query (4 clients)"] == "Oxigraph server itself: 1/2 queries within; worst 70.0 ms (`beta`)"
    assert references["cold start ≤ 2 s"] == "Oxigraph server: 0.04 s to its first answer"
    assert references["build ≥ 100,000 triples/s"] == "`oxigraph load` + `optimize` of the N-Quads dump, the store alone (no dumps, no validation): 80,010 triples/s (12.5 s)"
    assert "- `ASK {}` on each SPARQL endpoint (the probe: no work for the engine, so the fixed cost of a request): tierslieux 1 client 600 q/s (median 1.00 ms), 4 clients 1,200 q/s (median 2.00 ms); oxigraph 1 client 2,000 q/s (median 0.25 ms), 4 clients 4,000 q/s (median 0.50 ms)" in text
    assert "| build (store + dumps): 100,012 triples/s (1,000,123 triples in 10.0 s); build with validation (engine fast): 25,003 triples/s (1,000,123 triples in 40.0 s) |" in text
    assert "- Build (store + dumps): 100,012 triples/s (1,000,123 triples in 10.0 s); phases (from the build's manifest): store 4.0 s, dumps 6.0 s" in text
    assert "- Build with validation (engine fast): 25,003 triples/s (1,000,123 triples in 40.0 s); phases not reported" in text
    assert "- Validation, pySHACL (reference): validation (reference) ran past 240 s and was stopped (log: v.log)" in text
    beta = [row for row in text.split("### Named queries, 4 clients\n", 1)[1].splitlines() if row.startswith("| `beta` |")]
    assert len(beta) == 1 and "| not measured (cap) | – | – |" in beta[0]
    assert "rdflib-endpoint, `beta`: not run: the 240 s time cap" in text


def test_an_earlier_results_json_still_renders():
    """``--render`` on the results.json of an earlier layout (one build, maybe a bound) keeps working."""
    earlier = fixture_results()
    earlier["datasets"][0]["build"] = {"error": "not run with its validation", "rate_upper_bound": 4_070.9, "rate_without_validation": 7_682.6, "phases": {"store": 1.0}}
    for key in ("rdflib_start_timeout", "validation_timeout", "build_engine", "max_minutes"):
        del earlier["settings"][key]
    for run in earlier["datasets"][0]["targets"].values():
        run.pop("probe", None)  # not measured before the probe existed
    text = report.render(earlier)
    assert "| ≥ 0.7× oxigraph throughput on every named query (4 clients) | gen-38309-s1 | 2/2 measured queries meet it; lowest 0.80 (`alpha`) | – | met |" in text
    assert "`ASK {}` on each SPARQL endpoint" not in text
    assert "| build ≥ 100,000 triples/s | gen-38309-s1 | < 4,071 triples/s (not run with its validation) | `oxigraph load` + `optimize` of the N-Quads dump, the store alone (no dumps, no validation): 80,010 triples/s (12.5 s) | **NOT met** |" in text
    assert "- Build without validation: 7,683 triples/s; phases: store 1.0 s" in text
