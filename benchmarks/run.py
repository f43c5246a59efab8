"""``make bench``: measure this service against Oxigraph server and rdflib-endpoint; write ``benchmarks/RESULTS.md``.

For each dataset (the repository's graph, generated graphs of N places or
of about N triples) it times pySHACL and the fast validation path, builds
the graph twice (store and dumps alone, then ``tierslieux build --engine
fast`` as a user runs it), measures the service's cold start, runs every
named query at each concurrency against the three servers one after the
other, reads the workers' memory, and writes the report and the raw numbers
(``results.json``). Generated graphs, builds and stores live in
``.cache/bench/`` (outside git). ``--smoke`` runs a tiny, fast version that
the tests use so that the harness cannot rot.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from harness import compare, datasets, explorer, machine, report, servers  # noqa: E402

from tierslieux.service.gunicorn_settings import DEFAULT_THREADS

FULL_DATASETS = "real,0.1M,1M"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Return the command line's options; ``--smoke`` changes the defaults of those not given."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny and fast: 30 generated places, 3 requests per cell")
    parser.add_argument("--datasets", help=f"comma-separated: 'real', numbers of places to generate (10000), or sizes in triples (0.1M, 250k) (default {FULL_DATASETS}; smoke: 30)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "bench", help="folder for generated graphs, builds, stores, logs")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="the Markdown report (results.json is written beside it)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of `tierslieux serve`")
    parser.add_argument("--requests", type=int, help="most requests per cell (default 200; smoke 3)")
    parser.add_argument("--time-budget", type=float, help="seconds per cell after which no request is started (default 5; smoke 0.5)")
    parser.add_argument("--request-timeout", type=float, default=60.0, help="seconds before a request counts as timed out")
    parser.add_argument("--cold-start-repeats", type=int, help="cold starts measured per dataset (default 3; smoke 1)")
    parser.add_argument("--rdflib-cap", type=float, help="seconds after which no new query is sent to rdflib-endpoint on a dataset (default 240; smoke 6)")
    parser.add_argument("--rdflib-start-timeout", type=float, default=600.0, help="seconds rdflib-endpoint may take to load a dataset")
    parser.add_argument("--build-timeout", type=float, default=1800.0, help="seconds one build may take")
    parser.add_argument("--build-engine", default="fast", help="SHACL engine of the validated build (`tierslieux build --engine`)")
    parser.add_argument("--validation-timeout", type=float, help="seconds one validation engine may take (default 240; smoke 120)")
    parser.add_argument("--max-minutes", type=float, help="run budget: once spent, pySHACL and rdflib-endpoint are no longer measured (default 55; 0: none)")
    parser.add_argument("--render", type=Path, metavar="RESULTS_JSON", help="measure nothing: write --out again from a results.json")
    parser.add_argument("--merge", type=Path, metavar="RESULTS_JSON", help="re-measure the given datasets into an earlier results.json (same settings), keeping its others")
    parser.add_argument("--reuse-build", action="store_true", help="to debug the harness: serve an existing build instead of building (build and validation are then not measured)")
    parser.add_argument("--targets", default=",".join(report.TARGETS), help="servers to measure (this service is always measured)")
    args = parser.parse_args(argv)
    smoke = args.smoke
    args.datasets = args.datasets or ("30" if smoke else FULL_DATASETS)
    args.requests = args.requests or (3 if smoke else 200)
    args.time_budget = args.time_budget or (0.5 if smoke else 5.0)
    args.cold_start_repeats = args.cold_start_repeats or (1 if smoke else 3)
    args.rdflib_cap = args.rdflib_cap if args.rdflib_cap is not None else (6.0 if smoke else 240.0)
    args.validation_timeout = args.validation_timeout or (120.0 if smoke else 240.0)
    args.max_minutes = args.max_minutes if args.max_minutes is not None else 55.0
    return args


def measure_build(result: dict, data_dir: Path, out_root: Path, args: argparse.Namespace, log: Path) -> bool:
    """Build ``data_dir`` into ``out_root`` twice and put both timings in ``result["build"]``; False when nothing can be served.

    ``store_and_dumps``: ``build_release(..., validate=False)``, the store and
    dumps alone. ``validated``: ``tierslieux build --engine ENGINE`` run as a user
    runs it (a subprocess, timed from outside). Either may fail: it is then
    recorded with its reason and log, and the other still counts.
    """
    engine = args.build_engine
    builds: dict = {}
    for key, step in (
        ("store_and_dumps", lambda: datasets.build_without_validation(data_dir, out_root, log, args.build_timeout)),
        ("validated", lambda: datasets.build_as_a_user(data_dir, out_root, engine, log, args.build_timeout)),
    ):
        try:
            measured = step()
            builds[key] = {**measured, "rate": measured["triples"] / measured["seconds"]}
        except datasets.StepFailed as error:
            builds[key] = {"error": str(error)}
    builds["validated"]["engine"] = engine
    result["build"] = builds
    triples = next((b["triples"] for b in (builds["validated"], builds["store_and_dumps"]) if b.get("triples")), None)
    if triples is None:
        return False
    result["triples"] = triples
    return (out_root / "current" / "manifest.json").is_file()


def budget_spent(args: argparse.Namespace) -> str | None:
    """Return why an optional step is not run when the run's time budget (``--max-minutes``) is spent, else None."""
    if args.deadline is not None and time.monotonic() >= args.deadline:
        return f"not measured (budget): the run's {args.max_minutes:g}-minute budget was spent"
    return None


def rdflib_cap(args: argparse.Namespace) -> float:
    """Return the seconds rdflib-endpoint may get on this dataset: ``--rdflib-cap``, less when the run's budget runs out sooner."""
    if args.deadline is None:
        return args.rdflib_cap
    return max(0.0, min(args.rdflib_cap, args.deadline - time.monotonic()))


def measure_validation(result: dict, data_dir: Path, args: argparse.Namespace, log: Path) -> None:
    """Time pySHACL and the fast path on ``data_dir``; a failure, a timeout or a spent budget is recorded as such."""
    result["validation"] = {}
    for engine in ("reference", "fast"):
        spent = budget_spent(args) if engine == "reference" else None
        if spent:
            result["validation"][engine] = {"error": spent}
            continue
        try:
            result["validation"][engine] = datasets.timed_validation(engine, data_dir, log, args.validation_timeout)
        except datasets.StepFailed as error:
            result["validation"][engine] = {"error": str(error)}


def measure_ours(result: dict, build_dir: Path, queries: list, settings: compare.Settings, args: argparse.Namespace, logs: Path) -> None:
    """Cold starts of `tierslieux serve`, then every named query on the last one started, then its workers' memory."""
    runs = []
    server = None
    try:
        for attempt in range(args.cold_start_repeats):
            server = servers.ours(build_dir, servers.free_port(), args.workers, logs / "tierslieux.log")
            server.start()
            runs.append(server.wait_ready(120))
            if attempt < args.cold_start_repeats - 1:
                server.stop()
        result["cold_start"] = {"runs": runs, "median_seconds": statistics.median(runs)}
        # before the named queries: the explorer's first view on a service that has computed nothing yet
        result["explorer_first_view"] = explorer.measure_first_view(f"http://127.0.0.1:{server.port}", started_at=server.started_at)
        run = compare.measure(server, lambda q: servers.named_query_request(q.name), queries, settings)
        result["targets"][report.OURS] = run.__dict__
        result["memory"][report.OURS] = server.memory()
    except servers.ServerFailed as error:
        result["cold_start"] = {"error": str(error)}
        result["errors"].append(f"tierslieux serve: {error}")
    finally:
        if server:
            server.stop()


def measure_other(result: dict, server: servers.Server, queries: list, settings: compare.Settings, start_timeout: float, cap: float | None) -> None:
    """Start ``server``, run every named query on it, read its memory; a start-up failure is recorded as the result."""
    info = result["servers"].setdefault(server.name, {})
    try:
        server.start()
        info["start_seconds"] = server.wait_ready(start_timeout)
        run = compare.measure(server, lambda q: server.sparql_request(q.sparql), queries, settings, cap_seconds=cap)
        result["targets"][server.name] = run.__dict__
        result["memory"][server.name] = server.memory()
    except servers.ServerFailed as error:
        result.setdefault("targets_error", {})[server.name] = f"could not start: {error}"
        result["errors"].append(f"{server.name}: {error}")
    finally:
        server.stop()


def run_dataset(dataset: datasets.Dataset, args: argparse.Namespace, settings: compare.Settings, queries: list) -> dict:
    """Measure everything on one dataset and return its results."""
    folder = args.cache / dataset.key
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    result: dict = {"key": dataset.key, "label": dataset.label, "places": dataset.places, "seed": dataset.seed, "errors": [], "targets": {}, "servers": {}, "memory": {}}
    result["queries"] = [q.name for q in queries]
    result["measured_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    result["load_average"] = {"start": machine.load_average()}
    say(f"[{dataset.key}] preparing data")
    try:
        data_dir, result["data"] = datasets.prepare_data(dataset, args.cache, logs / "generate.log")
    except datasets.StepFailed as error:
        result["errors"].append(f"generation: {error}")
        return result
    build_dir = folder / "build"
    manifest = build_dir / "current" / "manifest.json"
    if args.reuse_build and manifest.is_file():
        result["triples"] = json.loads(manifest.read_text())["triples"]
        result["build"] = {"error": "not measured: an earlier build was reused (--reuse-build)"}
    else:
        say(f"[{dataset.key}] timing validation of {data_dir}")
        measure_validation(result, data_dir, args, logs / "validation.log")
        say(f"[{dataset.key}] building {data_dir}")
        if not measure_build(result, data_dir, build_dir, args, logs / "build.log"):
            failures = "; ".join(f"{k}: {b['error']}" for k, b in result["build"].items() if isinstance(b, dict) and b.get("error"))
            result["errors"].append(f"build failed, nothing to serve ({failures})")
            say(f"[{dataset.key}] build failed: {failures}")
            return result
        say(f"[{dataset.key}] {result['triples']:,} triples; " + report.build_summary(result["build"]))
    dump = build_dir / "current" / "dumps" / "tiers-lieux.nq"
    say(f"[{dataset.key}] tierslieux serve")
    measure_ours(result, build_dir, queries, settings, args, logs)
    wanted = set(args.targets.split(","))
    if report.OXIGRAPH in wanted:
        say(f"[{dataset.key}] oxigraph server")
        store = folder / "oxigraph-store"
        shutil.rmtree(store, ignore_errors=True)
        try:
            result["servers"]["oxigraph"] = {"load_seconds": servers.oxigraph_load(store, dump, logs / "oxigraph.log", args.build_timeout)}
            measure_other(result, servers.oxigraph(store, servers.free_port(), logs / "oxigraph.log"), queries, settings, 120, None)
        except Exception as error:  # noqa: BLE001 - recorded in the report, the run goes on
            result["errors"].append(f"oxigraph load: {error}")
    if report.RDFLIB in wanted:
        spent = budget_spent(args)
        if spent:
            say(f"[{dataset.key}] rdflib-endpoint {spent}")
            result.setdefault("targets_error", {})[report.RDFLIB] = spent
            return result
        say(f"[{dataset.key}] rdflib-endpoint")
        server = servers.rdflib_endpoint(dump, servers.free_port(), logs / "rdflib-endpoint.log")
        measure_other(result, server, queries, settings, args.rdflib_start_timeout, rdflib_cap(args))
    return result


def parse_datasets(args: argparse.Namespace) -> list[datasets.Dataset]:
    """Return the datasets of ``--datasets``; sizes in triples (``1M``) are turned into places by calibrating the generator."""
    texts = [text.strip() for text in args.datasets.split(",") if text.strip()]
    if not texts:
        raise ValueError("--datasets names no dataset")
    calibration = None
    if any(datasets.triples_asked(text) is not None for text in texts):
        calibration = datasets.calibrate(args.seed, args.cache)
    return [datasets.parse_dataset(text, args.seed, calibration) for text in texts]


def say(message: str) -> None:
    """Print a progress line with the time."""
    print(f"{datetime.datetime.now():%H:%M:%S} {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the report; return the exit status."""
    args = parse_args(argv)
    if args.render:
        from tierslieux.rdfio import write_atomically

        write_atomically(args.out, report.render(json.loads(args.render.read_text(encoding="utf-8")), observations(args.out)) + abuse_section(args.out))
        say(f"wrote {args.out} from {args.render}")
        return 0
    started = time.perf_counter()
    args.deadline = time.monotonic() + args.max_minutes * 60 if args.max_minutes else None
    try:
        wanted = parse_datasets(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from tierslieux.paths import QUERIES_DIR

    queries = compare.bench_queries(QUERIES_DIR)
    settings = compare.Settings(max_requests=args.requests, time_budget=args.time_budget, request_timeout=args.request_timeout)
    results: dict = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "mode": "smoke" if args.smoke else "full",
        "command": "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine.describe(),
        "settings": {
            "concurrencies": list(settings.concurrencies),
            "max_requests": settings.max_requests,
            "time_budget": settings.time_budget,
            "request_timeout": settings.request_timeout,
            "workers": args.workers,
            "threads": DEFAULT_THREADS,  # `tierslieux serve`'s default: the benchmark does not pass --threads
            "cold_start_repeats": args.cold_start_repeats,
            "rdflib_cap_seconds": args.rdflib_cap,
            "rdflib_start_timeout": args.rdflib_start_timeout,
            "validation_timeout": args.validation_timeout,
            "build_engine": args.build_engine,
            "max_minutes": args.max_minutes,
        },
        "datasets": [],
    }
    if args.merge:
        results = merged(json.loads(args.merge.read_text(encoding="utf-8")), results)
    run_entry = {"command": results["command"] if not args.merge else "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv), "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "datasets": [d.key for d in wanted]}
    results.setdefault("runs", []).append(run_entry)
    for dataset in wanted:
        measured = run_dataset(dataset, args, settings, queries)
        measured["load_average"]["end"] = machine.load_average()
        results["datasets"] = [d for d in results["datasets"] if d["key"] != measured["key"]] + [measured]
        run_entry["seconds"] = time.perf_counter() - started
        write(results, args.out, started)  # a partial report survives an interrupted run
    run_entry["seconds"] = time.perf_counter() - started
    write(results, args.out, started)
    say(f"wrote {args.out}")
    return 0


def merged(earlier: dict, now: dict) -> dict:
    """Return ``earlier`` (an earlier results.json) ready to take this run's datasets in place of its own of the same name.

    The settings must be the same, so that every table compares like with like.
    """
    if earlier["settings"] != now["settings"]:
        raise SystemExit(f"error: --merge: the earlier run's settings {earlier['settings']} differ from this run's {now['settings']}")
    earlier.setdefault("runs", [{"command": earlier["command"], "date": earlier["date"], "seconds": earlier["seconds"], "datasets": [d["key"] for d in earlier["datasets"]]}])
    return earlier


def observations(out: Path) -> str:
    """Return the hand-written ``observations.md`` beside ``out`` (empty when there is none)."""
    path = out.with_name("observations.md")
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def abuse_section(out: Path) -> str:
    """Return the last load-and-abuse report (``abuse.md`` beside ``out``, written by benchmarks/abuse.py), to keep it in the report."""
    path = out.with_name("abuse.md")
    return "\n" + path.read_text(encoding="utf-8") if path.is_file() else ""


def write(results: dict, out: Path, started: float) -> None:
    """Write the report and results.json beside it, each atomically."""
    from tierslieux.rdfio import write_atomically

    results["seconds"] = time.perf_counter() - started
    results["load_average_end"] = machine.load_average()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out.with_name("results.json"), json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    write_atomically(out, report.render(results, observations(out)) + abuse_section(out))


if __name__ == "__main__":
    sys.exit(main())
