"""``make bench`` (its explorer part): the explorer's first view on the real graph and on 100,000 generated places,
written to ``benchmarks/FIRST-VIEW.md`` (raw figures in ``first-view.json`` beside it).

Issue 17's target is a first view (every place for the map, the facet counts, the first page of the list; see
``harness/explorer.py``) under 300 ms on the repository's graph and under 1 s on 100,000 generated places.
``run.py`` measures the view on its own datasets (0.1 M and 1 M triples are about 3,500 and 38,000 places); this
stage adds the 100,000 places the target names. Per dataset: the data is generated (kept in ``--cache`` while the
generator is unchanged), built without validation (the view does not depend on it), served by ``tierslieux serve``
with its defaults (answers not kept, ``TIERSLIEUX_ANSWER_CACHE_MB=0``, as ``run.py`` serves it), then:

- **first answer**: seconds from the process's start to its first answer to ``ASK {}`` (cold start);
- **right after start**: the first view sent at once, while each worker reads the release's places index (its
  requests wait for it, up to their time limit; answers that were not 200 are counted beside the figure);
- **index read**: seconds from the start until every worker answers from the index (``X-Places-Index: used``);
- **once read**: the median of five views then, the figure the target is judged on; the view right after a start
  is reported beside it, because a user who opens the page in the first seconds after a start sees that one.

Run ``python benchmarks/first_view.py`` (``--datasets real,100000`` by default; ``--smoke`` for 30 places).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from harness import datasets, explorer, machine, servers  # noqa: E402

DEFAULT_DATASETS = "real,100000"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=DEFAULT_DATASETS, help=f"comma-separated: 'real' or numbers of places to generate (default {DEFAULT_DATASETS})")
    parser.add_argument("--smoke", action="store_true", help="30 generated places, to check the stage runs (the report is not a measurement)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "bench", help="folder for generated graphs, builds and logs")
    parser.add_argument("--out", type=Path, default=HERE / "FIRST-VIEW.md", help="the Markdown report (first-view.json is written beside it)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of `tierslieux serve`")
    parser.add_argument("--build-timeout", type=float, default=1800.0, help="seconds one build may take")
    args = parser.parse_args(argv)
    if args.smoke:
        args.datasets = "30"
    return args


def target_seconds(dataset: datasets.Dataset) -> float:
    """The first view's target on ``dataset``: 300 ms on the real graph, 1 s on generated places."""
    return explorer.TARGETS_SECONDS["real" if dataset.places is None else "large"]


def measure(dataset: datasets.Dataset, args: argparse.Namespace) -> dict:
    """Prepare, build and serve ``dataset``, then time its first view; failures are recorded in ``errors``."""
    folder = args.cache / dataset.key
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    result: dict = {"key": dataset.key, "label": dataset.label, "places": dataset.places, "target_seconds": target_seconds(dataset), "errors": []}
    try:
        data_dir, result["data"] = datasets.prepare_data(dataset, args.cache, logs / "generate.log")
        build_dir = folder / "explorer-build"
        say(f"[{dataset.key}] building {data_dir} (no validation)")
        result["build"] = datasets.build_without_validation(data_dir, build_dir, logs / "explorer-build.log", args.build_timeout)
    except datasets.StepFailed as error:
        result["errors"].append(str(error))
        return result
    say(f"[{dataset.key}] {result['build']['triples']:,} triples in {result['build']['seconds']:.0f} s; serving")
    server = servers.ours(build_dir, servers.free_port(), args.workers, logs / "explorer-serve.log")
    try:
        server.start()
        result["first_answer_seconds"] = server.wait_ready(600)
        result["view"] = explorer.measure_first_view(f"http://127.0.0.1:{server.port}", started_at=server.started_at)
        result["memory"] = server.memory()
    except (servers.ServerFailed, OSError) as error:
        result["errors"].append(f"tierslieux serve: {error}")
    finally:
        server.stop()
    return result


def verdict(result: dict) -> str:
    """Whether the view once the index is read meets the dataset's target (whole, and by how much it misses)."""
    view = result.get("view") or {}
    indexed = view.get("indexed_median_seconds")
    if indexed is None:
        return "not measured: " + ("; ".join(result["errors"]) or "the index was not read in time")
    if view.get("indexed_failures"):
        return "NOT met (answers that were not 200)"
    if indexed <= result["target_seconds"]:
        return "met"
    return f"NOT met ({indexed / result['target_seconds']:.1f}× the target)"


def render(results: dict) -> str:
    """The Markdown report of ``results`` (what :func:`main` writes to ``first-view.json``)."""
    text = explorer.view_text
    lines = [
        "# The explorer's first view",
        "",
        f"Measured by `python benchmarks/first_view.py {results['command']}` on {results['date']} ({results['minutes']:.0f} minutes), "
        f"commit {results['machine'].get('commit', '?')}, on {results['machine'].get('cpu', '?')}. "
        "Benchmark figures on a shared machine, not timed tests; raw numbers in `first-view.json`. "
        "Method: the module docstring of `benchmarks/first_view.py`.",
        "",
        "| dataset | triples | build | first answer after start | first view right after start | next views (before the index) | index read by every worker (after start) | first view once read (median of 5) | target | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results["datasets"]:
        view = result.get("view") or {}
        build = result.get("build") or {}
        index_after = view.get("index_read_after_start_seconds")
        lines.append(
            f"| {result['label']} | {build.get('triples', 0):,} | {build.get('seconds', 0):.0f} s | "
            f"{text(result.get('first_answer_seconds'))} | {text(view.get('first_seconds'), view.get('first_failures'))} | "
            f"{text(view.get('again_median_seconds'), view.get('again_failures'))} | "
            f"{'–' if index_after is None else f'{index_after:.1f} s'} | {text(view.get('indexed_median_seconds'), view.get('indexed_failures'))} | "
            f"{text(result['target_seconds'])} | {verdict(result)} |"
        )
    lines += [
        "",
        "The target is judged on the view once every worker has read the release's places index "
        "(`src/tierslieux/service/places/index.py`), which each worker starts reading as soon as it opens a release; "
        "while it is being read, the requests it will answer wait for it (up to their time limit, then 503 with `Retry-After`), "
        "which is what the view right after a start shows. Answers that were not 200 are counted beside each figure.",
        "",
    ]
    return "\n".join(lines)


def say(message: str) -> None:
    """Print a progress line with the time."""
    print(f"{datetime.datetime.now():%H:%M:%S} {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Measure every dataset of ``--datasets`` and write the report; return the exit status (1 if a dataset failed)."""
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        wanted = [datasets.parse_dataset(text, args.seed) for text in args.datasets.split(",") if text.strip()]
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    measured = [measure(dataset, args) for dataset in wanted]
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv[1:] if argv is None else argv),
        "machine": {"cpu": machine.cpu_model(), "commit": machine.git_state(ROOT).get("commit")},
        "minutes": (time.perf_counter() - started) / 60,
        "datasets": measured,
    }
    from tierslieux.rdfio import write_atomically

    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(args.out.with_name("first-view.json"), json.dumps(results, indent=1) + "\n")
    write_atomically(args.out, render(results))
    for result in measured:
        say(f"[{result['key']}] {verdict(result)}")
    say(f"wrote {args.out}")
    return 1 if any(result["errors"] for result in measured) else 0


if __name__ == "__main__":
    sys.exit(main())
