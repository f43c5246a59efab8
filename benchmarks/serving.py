"""``make bench`` (its serving part): this service against Oxigraph server holding the same release in memory.

Issue 14 restates the speed targets against the engine's real limit: Oxigraph
server with the dump **in memory**. This script serves one built release from
five servers at once and measures them back to back, query by query (every
server for one query, then the next), so that drift on the machine hits all
alike:

* ``oxigraph-memory``: ``oxigraph serve --union-default-graph``, the dump
  loaded through its Graph Store endpoint (the reference);
* ``oxigraph-disk``: ``oxigraph serve-read-only`` on a store ``oxigraph load`` wrote;
* ``ours-memory``: ``tierslieux serve`` holding the release in memory, nothing kept
  (``STORE_IN_MEMORY=true``, ``ANSWER_CACHE_MB=0``): every answer computed;
* ``ours-disk``: the same on the on-disk store (``STORE_IN_MEMORY=false``);
* ``ours-kept``: in memory with answers kept (the defaults), for repeated requests.

Queries: the ad-hoc mix a user sends to ``/sparql``, with a parameter that
changes on every request (a region, a box, a word of a name, a place: drawn
once from the graph, the same sequence for every server), ``ASK {}`` (the fixed
cost of a request), and one repeated identical request (what kept answers are
for). Every cell is run at 1 and 4 clients. Throughput ratios are against
``oxigraph-memory`` in the same run.

Run ``python benchmarks/serving.py`` (``--build-dir`` for another release,
e.g. a generated 1 M-triple one under ``.cache/bench``); it writes
``benchmarks/SERVING.md`` and ``benchmarks/SERVING.json`` (``--out`` for another name; ``--render`` writes the
report again from its JSON).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import shutil
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from harness import machine, servers  # noqa: E402
from harness.load import HttpRequest, run_cell  # noqa: E402

from tierslieux.rdfio import write_atomically  # noqa: E402
from tierslieux.release import BuildLayout, Release  # noqa: E402

REFERENCE = "oxigraph-memory"
SERVERS = ("oxigraph-memory", "oxigraph-disk", "ours-memory", "ours-disk", "ours-kept")
CONCURRENCY = (1, 4)
PREFIXES = """PREFIX tl: <https://w3id.org/tiers-lieux/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""


def ad_hoc_queries(values: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each ad-hoc query's texts, one per drawn parameter (a request uses text number ``n % len``)."""
    return {
        "places of a region": [
            PREFIXES + f"SELECT ?place ?label WHERE {{ ?place tl:locality/tl:department/tl:region <{region}> ; rdfs:label ?label }}"
            for region in values["regions"]
        ],
        "places in a box": [
            PREFIXES + "SELECT ?place ?lat ?long WHERE { ?place geo:lat ?lat ; geo:long ?long "
            f"FILTER(?lat > {lat:.3f} && ?lat < {lat + 1.5:.3f} && ?long > {long:.3f} && ?long < {long + 2:.3f}) }}"
            for lat, long in (tuple(map(float, box.split())) for box in values["boxes"])
        ],
        "lookup by a word of the name": [
            PREFIXES + "SELECT ?place ?label WHERE { ?place a tl:ThirdPlace ; rdfs:label ?label "
            f'FILTER(CONTAINS(LCASE(STR(?label)), "{word}")) }} LIMIT 20'
            for word in values["words"]
        ],
        "one place": [f"SELECT ?p ?o WHERE {{ <{place}> ?p ?o }}" for place in values["places"]],
        "ASK {}": ["ASK {}"],
    }


def draw_values(server: servers.Server, count: int, seed: int) -> dict[str, list[str]]:
    """Parameters drawn from the graph itself (through ``server``), ``count`` of each, reproducibly."""
    def column(sparql: str) -> list[str]:
        request = server.sparql_request(PREFIXES + sparql)
        answer = urllib.request.urlopen(
            urllib.request.Request(f"http://{servers.HOST}:{server.port}{request.path}", data=request.body, headers=request.headers), timeout=120
        )
        rows = json.loads(answer.read())["results"]["bindings"]
        return sorted(next(iter(row.values()))["value"] for row in rows)

    chance = random.Random(seed)
    regions = column("SELECT DISTINCT ?r WHERE { ?d tl:region ?r }")
    places = column("SELECT ?p WHERE { ?p a tl:ThirdPlace }")
    labels = column("SELECT ?l WHERE { ?p a tl:ThirdPlace ; rdfs:label ?l }")
    words = sorted({w.lower() for label in labels for w in label.split() if len(w) >= 5 and w.isalpha()})
    return {
        "regions": [chance.choice(regions) for _ in range(count)],
        "places": [chance.choice(places) for _ in range(count)],
        "words": [chance.choice(words) for _ in range(count)],
        "boxes": [f"{chance.uniform(42.0, 50.0):.3f} {chance.uniform(-4.5, 7.0):.3f}" for _ in range(count)],
    }


def start_servers(release: Release, work: Path, workers: int, started: dict[str, servers.Server]) -> tuple[dict, dict]:
    """Start the five servers on ``release`` (see the module docstring) into ``started``, so that the caller stops
    whichever started; return how long each took to answer and how long the two Oxigraph stores took to load."""
    store = work / "oxigraph-store"
    shutil.rmtree(store, ignore_errors=True)
    loads = {"oxigraph-disk": servers.oxigraph_load(store, release.quads_dump, work / "oxigraph-load.log", 1800)}
    planned = {
        "oxigraph-disk": servers.oxigraph(store, servers.free_port(), work / "oxigraph-disk.log"),
        "oxigraph-memory": servers.oxigraph_in_memory(servers.free_port(), work / "oxigraph-memory.log"),
    }
    for name, in_memory, kept_mb in (("ours-memory", "true", "0"), ("ours-disk", "false", "0"), ("ours-kept", "true", "64")):
        server = servers.ours(release.folder.parent.parent, servers.free_port(), workers, work / f"{name}.log")
        server.name = name
        server.env = {**server.env, "TIERSLIEUX_STORE_IN_MEMORY": in_memory, "TIERSLIEUX_ANSWER_CACHE_MB": kept_mb}
        planned[name] = server
    for name, server in planned.items():
        server.start()
        started[name] = server
    ready = {name: server.wait_ready(600) for name, server in started.items()}
    loads["oxigraph-memory"] = servers.load_over_http(started["oxigraph-memory"], release.quads_dump, 1800)
    return ready, loads


def measure(started: dict[str, servers.Server], texts: dict[str, list[str]], requests: int, budget: float) -> list[dict]:
    """Every query at every concurrency on every server, back to back; one row per (query, clients, server)."""
    rows = []
    repeated = texts["places of a region"][0]
    cells = [(name, variants) for name, variants in texts.items()] + [("repeated identical request", [repeated])]
    for query, variants in cells:
        for clients in CONCURRENCY:
            for name, server in started.items():
                def make(number: int, server=server, variants=variants) -> HttpRequest:
                    return server.sparql_request(variants[number % len(variants)])

                run_cell(servers.HOST, server.port, make, concurrency=clients, max_requests=min(20, requests), time_budget=0.5, request_timeout=120)
                cell = run_cell(servers.HOST, server.port, make, concurrency=clients, max_requests=requests, time_budget=budget, request_timeout=120)
                rows.append({"query": query, "clients": clients, "server": name, **cell.as_dict()})
                print(f"{query:32} {clients} {name:16} {cell.qps:8.1f} q/s  p95 {cell.p95_ms or 0:8.1f} ms  failures {cell.failures}", flush=True)
    return rows


def memory_of(started: dict[str, servers.Server]) -> dict[str, float]:
    """The proportional set size of each server with all its processes, in MiB."""
    figures = {}
    for name, server in started.items():
        pids = servers.descendants(server.process.pid)
        figures[name] = round(sum(servers.process_memory(pid).get("pss_mib", 0.0) for pid in pids), 1)
    return figures


def report(results: dict) -> str:
    """The Markdown report of ``results``."""
    by_cell: dict[tuple[str, int], dict[str, dict]] = {}
    for row in results["rows"]:
        by_cell.setdefault((row["query"], row["clients"]), {})[row["server"]] = row
    lines = [
        "# Serving speed against Oxigraph server in memory",
        "",
        f"Measured {results['date']} by `{results.get('command', 'python benchmarks/serving.py')}` on {results['machine']['cpu_model']} "
        f"({results['machine']['usable_cores']} cores, load average at start {results['machine']['load_average_start']}), release of "
        f"{results['quads']:,} quads, `tierslieux serve` with {results['workers']} workers. Each cell: up to "
        f"{results['requests']} requests or {results['budget']} s, after a warm-up; servers measured back to back per query.",
        "Throughput in answers per second; the ratio is to `oxigraph-memory` (Oxigraph server holding the dump in memory) "
        "in the same cell. `ours-memory` and `ours-disk` keep no answer (every answer computed); `ours-kept` holds the "
        "release in memory and keeps answers per release (the default settings, for a release within `IN_MEMORY_MAX_QUADS`).",
        "",
        "| query | clients | " + " | ".join(SERVERS) + " | ours-memory p95 ms |",
        "|---|---|" + "---|" * len(SERVERS) + "---|",
    ]
    for (query, clients), cell in by_cell.items():
        reference = cell.get(REFERENCE, {}).get("qps") or 0
        figures = []
        for name in SERVERS:
            qps = cell.get(name, {}).get("qps")
            if qps is None:
                figures.append("–")
            elif name == REFERENCE or not reference:
                figures.append(f"{qps:,.0f}")
            else:
                figures.append(f"{qps:,.0f} ({qps / reference:.2f}×)")
        p95 = cell.get("ours-memory", {}).get("p95_ms")
        lines.append(f"| {query} | {clients} | " + " | ".join(figures) + f" | {p95 if p95 is None else round(p95, 1)} |")
    lines += ["", "Memory (PSS of every process of the server, MiB, after the run):", ""]
    lines += [f"- {name}: {mib:,.1f}" for name, mib in results["memory"].items()]
    lines += ["", "Start: " + "; ".join(f"{name} answered after {seconds:.2f} s" for name, seconds in results["ready_seconds"].items())]
    lines += [f"Oxigraph in memory loaded the dump over HTTP in {results['load_seconds']['oxigraph-memory']:.2f} s; "
              f"`oxigraph load` + `optimize` took {results['load_seconds']['oxigraph-disk']:.2f} s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure and write the report; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build", help="build folder whose current release is served")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of `tierslieux serve`")
    parser.add_argument("--requests", type=int, default=300, help="most requests per cell")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per cell")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "SERVING.md")
    parser.add_argument("--render", action="store_true", help="measure nothing: write --out again from the .json beside it")
    args = parser.parse_args(argv)
    if args.render:
        write_atomically(args.out, report(json.loads(args.out.with_suffix(".json").read_text(encoding="utf-8"))))
        return 0
    layout = BuildLayout(args.build_dir)
    if layout.manifest() is None:
        print(f"error: no release in {args.build_dir}: run `make build` first", file=sys.stderr)
        return 2
    release = layout.current_release.resolved()
    work = ROOT / ".cache" / "serving"
    work.mkdir(parents=True, exist_ok=True)
    started: dict[str, servers.Server] = {}
    try:
        ready, loads = start_servers(release, work, args.workers, started)
        texts = ad_hoc_queries(draw_values(started[REFERENCE], args.requests, args.seed))
        rows = measure(started, texts, args.requests, args.budget)
        results = {
            "command": "python benchmarks/serving.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine.describe(),
            "quads": release.manifest()["triples"],
            "workers": args.workers,
            "requests": args.requests,
            "budget": args.budget,
            "rows": rows,
            "memory": memory_of(started),
            "ready_seconds": ready,
            "load_seconds": loads,
        }
    finally:
        for server in started.values():
            server.stop()
    write_atomically(args.out.with_suffix(".json"), json.dumps(results, indent=1) + "\n")
    write_atomically(args.out, report(results))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
