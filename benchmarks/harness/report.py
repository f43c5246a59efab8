"""Write the benchmark's results (the dictionary ``run.py`` collects) as Markdown, with the issue's targets judged."""

from __future__ import annotations

from collections.abc import Iterable

from . import explorer
from .compare import PROBE_REQUESTS_FACTOR

OURS, OXIGRAPH, RDFLIB = "tierslieux", "oxigraph", "rdflib-endpoint"
TARGETS = (OURS, OXIGRAPH, RDFLIB)
#: the concurrency at which throughput ratios are judged (the issue's reference figures used four clients)
JUDGED_CONCURRENCY = "4"
MIN_RATIO_OXIGRAPH = 0.7
MIN_RATIO_RDFLIB = 10.0
MAX_P95_MS = 50.0
MAX_COLD_START_S = 2.0
MIN_BUILD_RATE = 100_000
#: the p95 target applies to graphs of about a million triples
P95_TARGET_MIN_TRIPLES = 900_000


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**NOT met**")


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def cell(dataset: dict, target: str, query: str, concurrency: str) -> dict | None:
    """Return the measured cell of ``target`` for ``query`` at ``concurrency`` (None when not measured)."""
    entry = dataset.get("targets", {}).get(target, {}).get("queries", {}).get(query, {})
    return entry.get("cells", {}).get(concurrency)


def ratio(dataset: dict, other: str, query: str, concurrency: str, request_timeout: float, server: str = OURS) -> tuple[float | None, bool]:
    """Return (``server``'s q/s ÷ other's q/s, whether it is only a lower bound) for one query.

    ``server`` is this service unless told (Oxigraph server, to show what the
    engine itself reaches). When the other server answered nothing in time, its
    rate is at most one answer per request timeout, so the ratio is a lower
    bound. None when ``server`` was not measured or neither answered.
    """
    mine = cell(dataset, server, query, concurrency)
    theirs = cell(dataset, other, query, concurrency)
    entry = dataset.get("targets", {}).get(other, {}).get("queries", {}).get(query)
    if mine is None:
        return (0.0, False) if dataset.get("targets", {}).get(server) else (None, False)
    if theirs and theirs["ok"] and theirs["qps"] > 0:
        return mine["qps"] / theirs["qps"], False
    if entry is not None and ((theirs and not theirs["ok"]) or entry.get("warmup", {}).get("status") == "timeout"):
        return mine["qps"] * request_timeout, True
    return None, False


def _ratio_text(value: tuple[float | None, bool]) -> str:
    number, bound = value
    if number is None:
        return "–"
    return f"> {number:,.1f}" if bound else f"{number:,.2f}"


def _rows_text(dataset: dict, query: str) -> str:
    counts = []
    for target in TARGETS:
        warm = dataset.get("targets", {}).get(target, {}).get("queries", {}).get(query, {}).get("warmup")
        counts.append("–" if not warm or warm.get("rows") is None else str(warm["rows"]))
    flag = "" if len({c for c in counts if c != "–"}) <= 1 else " ≠"
    return " / ".join(counts) + flag


def skip_text(reason: str) -> str:
    """Return the few words a table cell shows for a query not measured for ``reason``."""
    if "time cap" in reason:
        return "not measured (cap)"
    if "budget" in reason:
        return "not measured (budget)"
    if "timeout" in reason:
        return "timeout"
    if reason.startswith(("not run", "load cells not run")):
        return "not run"
    return "error" if reason else "–"


def _cell_text(found: dict | None, entry: dict | None) -> list[str]:
    warm = (entry or {}).get("warmup") or {}
    reason = (entry or {}).get("skipped", "")
    if found is None and isinstance(warm.get("status"), int) and 200 <= warm["status"] < 300:
        return [f"({warm['seconds'] * 1000:,.1f}, warm-up only)", "–", skip_text(reason) if reason else "–"]
    if found is None:
        return [skip_text(reason), "–", "–"]
    qps = _num(found["qps"], 1)
    if found["failures"]:
        qps += " (" + ", ".join(f"{n}× {k}" for k, n in sorted(found["failures"].items())) + ")"
    return [_num(found["median_ms"]), _num(found["p95_ms"]), qps]


def query_table(dataset: dict, queries: list[str], concurrency: str, request_timeout: float) -> list[str]:
    """Return the Markdown table of every query's latencies, rates and ratios at ``concurrency``."""
    header = ["Query", "Rows (ours / oxigraph / rdflib)"]
    for target in TARGETS:
        header += [f"{target} median ms", f"{target} p95 ms", f"{target} q/s"]
    header += ["ours ÷ oxigraph", "ours ÷ rdflib-endpoint"]
    rows = []
    for query in queries:
        row = [f"`{query}`", _rows_text(dataset, query)]
        for target in TARGETS:
            entry = dataset.get("targets", {}).get(target, {}).get("queries", {}).get(query)
            row += _cell_text(cell(dataset, target, query, concurrency), entry)
        row += [_ratio_text(ratio(dataset, other, query, concurrency, request_timeout)) for other in (OXIGRAPH, RDFLIB)]
        rows.append(row)
    return _table(header, rows)


def _worst(values: dict[str, float | None], lowest: bool) -> tuple[str, float] | None:
    known = {k: v for k, v in values.items() if v is not None}
    if not known:
        return None
    name = (min if lowest else max)(known, key=known.get)
    return name, known[name]


def _throughput_rows(dataset: dict, timeout: float) -> list[list[str]]:
    rows = []
    name, queries = dataset["key"], dataset.get("queries", [])
    for other, minimum in ((OXIGRAPH, MIN_RATIO_OXIGRAPH), (RDFLIB, MIN_RATIO_RDFLIB)):
        label = f"≥ {minimum:g}× {other} throughput on every named query ({JUDGED_CONCURRENCY} clients)"
        reference = probe_text(dataset, JUDGED_CONCURRENCY) if other == OXIGRAPH else _oxigraph_against_rdflib(dataset, timeout)
        ratios = {q: ratio(dataset, other, q, JUDGED_CONCURRENCY, timeout) for q in queries}
        measured = {q: r for q, (r, _) in ratios.items() if r is not None}
        if not measured or not dataset.get("targets", {}).get(other):
            rows.append([label, name, dataset.get("targets_error", {}).get(other, "not measured"), reference, _verdict(None)])
            continue
        meeting = [q for q, r in measured.items() if r >= minimum]
        worst = _worst(measured, lowest=True)
        text = f"{len(meeting)}/{len(measured)} measured queries meet it; lowest {_ratio_text(ratios[worst[0]])} (`{worst[0]}`)"
        unmeasured = len(queries) - len(measured)
        if unmeasured:
            text += f"; {unmeasured} not measured (see the notes)"
        # a miss on a measured query is a miss; all measured ones meeting it is not enough when some were not measured
        ok = False if len(meeting) < len(measured) else (True if not unmeasured else None)
        rows.append([label, name, text, reference, _verdict(ok)])
    return rows


def probe_text(dataset: dict, concurrency: str) -> str:
    """Return what this service and Oxigraph server answer the ``ASK {}`` probe at, and the ratio ("–" when not measured).

    The engine has no work there, so the ratio is about what a query that costs
    the engine next to nothing can reach.
    """
    rates = {target: ((dataset.get("targets", {}).get(target, {}).get("probe") or {}).get("cells", {}).get(concurrency) or {}).get("qps") for target in (OURS, OXIGRAPH)}
    if not rates[OURS] or not rates[OXIGRAPH]:
        return "–"
    return f"`ASK {{}}` (no work for the engine): this service {rates[OURS]:,.0f} q/s, Oxigraph server {rates[OXIGRAPH]:,.0f} q/s ({rates[OURS] / rates[OXIGRAPH]:.2f}×)"


def _oxigraph_against_rdflib(dataset: dict, timeout: float) -> str:
    ratios = {q: ratio(dataset, RDFLIB, q, JUDGED_CONCURRENCY, timeout, server=OXIGRAPH) for q in dataset.get("queries", [])}
    measured = {q: r for q, (r, _) in ratios.items() if r is not None}
    if not measured:
        return "–"
    worst = _worst(measured, lowest=True)
    meeting = sum(1 for r in measured.values() if r >= MIN_RATIO_RDFLIB)
    return f"Oxigraph server itself: {meeting}/{len(measured)} measured queries at ≥ {MIN_RATIO_RDFLIB:g}×; lowest {_ratio_text(ratios[worst[0]])} (`{worst[0]}`)"


def _p95_rows(results: dict, dataset: dict) -> list[list[str]]:
    rows = []
    queries = dataset.get("queries", [])
    for concurrency in map(str, results["settings"]["concurrencies"]):
        label = f"p95 ≤ {MAX_P95_MS:g} ms on every named query ({concurrency} client{'s' if concurrency != '1' else ''})"
        found = {}
        for target in (OURS, OXIGRAPH):
            p95 = {q: (cell(dataset, target, q, concurrency) or {}).get("p95_ms") for q in queries}
            if any(v is not None for v in p95.values()):
                within = [q for q, v in p95.items() if v is not None and v <= MAX_P95_MS]
                worst = _worst(p95, lowest=False)
                found[target] = (len(within) == len(queries), f"{len(within)}/{len(queries)} queries within; worst {worst[1]:,.1f} ms (`{worst[0]}`)")
        reference = f"Oxigraph server itself: {found[OXIGRAPH][1]}" if OXIGRAPH in found else "–"
        if OURS not in found:
            rows.append([label, dataset["key"], "not measured", reference, _verdict(None)])
        else:
            rows.append([label, dataset["key"], found[OURS][1], reference, _verdict(found[OURS][0])])
    return rows


def _oxigraph_start_text(dataset: dict) -> str:
    seconds = dataset.get("servers", {}).get("oxigraph", {}).get("start_seconds")
    return "–" if seconds is None else f"Oxigraph server: {seconds:.2f} s to its first answer"


def _oxigraph_load_text(dataset: dict) -> str:
    seconds, triples = dataset.get("servers", {}).get("oxigraph", {}).get("load_seconds"), dataset.get("triples")
    if not seconds or not triples:
        return "–"
    return f"`oxigraph load` + `optimize` of the N-Quads dump, the store alone (no dumps, no validation): {triples / seconds:,.0f} triples/s ({seconds:.1f} s)"


def judge(results: dict) -> list[list[str]]:
    """Return the rows of the targets table: target, dataset, what was measured, what Oxigraph server reaches, verdict.

    The fourth column is the same target measured on Oxigraph server (or its
    loader) in the same run: what the engine under this service reaches alone.
    """
    timeout = results["settings"]["request_timeout"]
    rows = []
    for dataset in results["datasets"]:
        name = dataset["key"]
        rows += _throughput_rows(dataset, timeout)
        if (dataset.get("triples") or 0) >= P95_TARGET_MIN_TRIPLES:
            rows += _p95_rows(results, dataset)
        cold = dataset.get("cold_start", {})
        label = f"cold start ≤ {MAX_COLD_START_S:g} s"
        if "median_seconds" in cold:
            rows.append([label, name, f"{cold['median_seconds']:.2f} s (median of {len(cold['runs'])})", _oxigraph_start_text(dataset), _verdict(cold["median_seconds"] <= MAX_COLD_START_S)])
        else:
            rows.append([label, name, cold.get("error", "not measured"), _oxigraph_start_text(dataset), _verdict(None)])
        measured, verdict = judge_build(dataset.get("build", {}))
        rows.append([f"build ≥ {MIN_BUILD_RATE:,} triples/s", name, measured, _oxigraph_load_text(dataset), verdict])
    return rows


def _build_label(key: str, build: dict) -> str:
    return "build (store + dumps)" if key == "store_and_dumps" else f"build with validation (engine {build.get('engine', '?')})"


def _build_figure(key: str, build: dict) -> str:
    label = _build_label(key, build)
    if "rate" not in build:
        return f"{label}: not measured ({build.get('error', 'not run')})"
    return f"{label}: {build['rate']:,.0f} triples/s ({build['triples']:,} triples in {build['seconds']:.1f} s)"


def build_summary(build: dict) -> str:
    """Return the two build figures (store + dumps, with validation) as one line of text."""
    return "; ".join(_build_figure(key, build.get(key, {})) for key in ("store_and_dumps", "validated"))


def judge_build(build: dict) -> list[str]:
    """Return (what was measured, verdict) for the build target, both figures shown.

    The target is judged on the build a user runs, with validation: met only
    when that rate reaches it. Without it, a store-and-dumps rate below the
    target already misses it (validation only adds time); above it, the
    target is not measured.
    """
    if "store_and_dumps" not in build and "validated" not in build:
        return _judge_legacy_build(build)
    plain, validated = build.get("store_and_dumps", {}), build.get("validated", {})
    text = build_summary(build)
    if "rate" in validated:
        return [text, _verdict(validated["rate"] >= MIN_BUILD_RATE)]
    if "rate" in plain and plain["rate"] < MIN_BUILD_RATE:
        return [text, _verdict(False)]
    return [text, _verdict(None)]


def _judge_legacy_build(build: dict) -> list[str]:
    """The build row of a results.json written before both builds were measured (one build, maybe a bound)."""
    if "rate" in build:
        return [f"{build['rate']:,.0f} triples/s ({build['triples']:,} triples in {build['seconds']:.1f} s, validation included)", _verdict(build["rate"] >= MIN_BUILD_RATE)]
    if "rate_upper_bound" in build:
        bound = build["rate_upper_bound"]
        return [f"< {bound:,.0f} triples/s ({build['error']})", _verdict(False if bound < MIN_BUILD_RATE else None)]
    return [build.get("error", "not measured"), _verdict(None)]


def _phases_text(build: dict) -> str:
    phases = build.get("phases")
    if not phases:
        return "phases not reported (the build's manifest.json has no \"phases\")"
    source = {"manifest": "from the build's manifest", "build result": "as `build_release` reports them", "wrapped functions": "timed around the build's functions"}.get(build.get("phases_from"), "")
    return "phases" + (f" ({source})" if source else "") + ": " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())


def _build_lines(build: dict) -> list[str]:
    if "store_and_dumps" not in build and "validated" not in build:  # a results.json of the earlier layout
        if "rate" in build:
            lines = [f"- Build (`tierslieux build`): {build['seconds']:.1f} s, {build['rate']:,.0f} triples/s; {_phases_text(build)}"]
            if build.get("rate_without_validation"):
                lines.append(f"- Build without its validation and the parse feeding it: {build['rate_without_validation']:,.0f} triples/s")
            return lines
        lines = [f"- Build: {build.get('error', 'not run')}"]
        if build.get("rate_without_validation"):
            lines.append(f"- Build without validation: {build['rate_without_validation']:,.0f} triples/s; {_phases_text(build)}")
        return lines
    lines = []
    for key in ("store_and_dumps", "validated"):
        found = build.get(key, {})
        figure = _build_figure(key, found)
        lines.append(f"- {figure[0].upper()}{figure[1:]}" + (f"; {_phases_text(found)}" if "rate" in found else ""))
    return lines


def _runs_text(results: dict) -> str:
    runs = results.get("runs") or [{"command": results["command"], "date": results["date"], "seconds": results["seconds"], "datasets": [d["key"] for d in results["datasets"]]}]
    parts = [f"`{r['command']}` on {r['date']} ({', '.join(r['datasets'])}; {r['seconds'] / 60:.0f} minutes)" for r in runs]
    return f"Measured ({results['mode']} mode) by " + ", then ".join(parts) + "."


def _git_text(git: dict | None) -> str:
    if not git:
        return "commit not recorded"
    text = f"commit {git['commit']}"
    if git["uncommitted"]:
        shown = ", ".join(f"`{path}`" for path in git["uncommitted"][:12])
        more = f" and {len(git['uncommitted']) - 12} more" if len(git["uncommitted"]) > 12 else ""
        text += f", with uncommitted changes (work in progress in the shared tree) to {shown}{more}"
    return text


def _workers_text(settings: dict) -> str:
    threads = settings.get("threads")
    return f"{settings['workers']} gthread workers" + (f" of {threads} threads (tierslieux serve's default)" if threads else "")


def _machine_lines(results: dict) -> list[str]:
    machine = results["machine"]
    packages = machine["packages"]
    rows = [
        ["CPU", f"{machine['cpu_model']}, {machine['cores']} cores ({machine['usable_cores']} usable)"],
        ["Memory", f"{machine['memory_gib']} GiB"],
        ["OS", machine["os"]],
        ["Python", machine["python"]],
        ["pyoxigraph / Oxigraph server", f"{packages['pyoxigraph']} / {machine['oxigraph_server']}"],
        ["rdflib / rdflib-endpoint", f"{packages['rdflib']} / {packages['rdflib-endpoint']} (FastAPI {packages['fastapi']}, uvicorn {packages['uvicorn']})"],
        ["pySHACL", packages["pyshacl"]],
        ["This service", f"tierslieux {packages['tierslieux']}: Flask {packages['flask']} on gunicorn {packages['gunicorn']}, {_workers_text(results['settings'])}, each with its query processes"],
        ["Load average (1, 5, 15 min)", f"{machine['load_average_start']} when the first run started, {results.get('load_average_end')} when the last one ended (per dataset below)"],
        ["Code measured", _git_text(machine.get("git"))],
    ]
    return _table(["", ""], rows)


def _worker_text(worker: dict) -> str:
    text = f"{worker.get('rss_mib', '?')} MiB RSS ({worker.get('pss_mib', '?')} MiB PSS)"
    kids = worker.get("children") or []
    if kids:
        text += " + its query process" + ("es" if len(kids) > 1 else "") + " " + ", ".join(f"{k.get('rss_mib', '?')} MiB RSS ({k.get('pss_mib', '?')} MiB PSS)" for k in kids)
    return text


def _memory_text(memory: dict) -> str:
    parts = []
    ours = memory.get(OURS) or {}
    workers = ours.get("workers") or []
    if workers:
        parts.append("this service's workers: " + ", ".join(_worker_text(w) for w in workers))
    if ours.get("main"):
        parts.append(f"gunicorn master {ours['main'].get('rss_mib', '?')} MiB RSS")
    for other in (OXIGRAPH, RDFLIB):
        main = (memory.get(other) or {}).get("main")
        if main:
            parts.append(f"{other} {main.get('rss_mib', '?')} MiB RSS")
    return "; ".join(parts) or "not measured"


def _dataset_lines(results: dict, dataset: dict) -> list[str]:
    lines = [f"## {dataset['label']}", ""]
    if dataset.get("measured_at"):
        load = dataset.get("load_average", {})
        lines.append(f"- Measured from {dataset['measured_at']}; load average (1, 5, 15 min) {load.get('start')} at the start, {load.get('end')} at the end")
    triples = dataset.get("triples")
    lines.append(f"- Triples: {triples:,}" if triples else "- Triples: unknown (not built)")
    if dataset.get("data", {}).get("generate_seconds") is not None:
        data = dataset["data"]
        lines.append(f"- Generated in {data['generate_seconds']:.1f} s ({data['bytes'] / 1e6:,.1f} MB of Turtle){' (cached from an earlier run)' if data.get('cached') else ''}")
    lines += _build_lines(dataset.get("build", {}))
    for engine, label in (("reference", "pySHACL (reference)"), ("fast", "fast path")):
        found = dataset.get("validation", {}).get(engine)
        if not found:
            continue
        if "error" in found:
            lines.append(f"- Validation, {label}: {found['error']}")
        elif not found.get("available", True):
            lines.append(f"- Validation, {label}: not available in this version")
        else:
            parse = f" (+ {found['parse_seconds']:.1f} s parsing)" if found.get("parse_seconds") is not None else ""
            lines.append(f"- Validation, {label}: {found['validate_seconds']:.1f} s{parse}; conforms: {found['conforms']}, {found['results']} results")
    cold = dataset.get("cold_start", {})
    if "runs" in cold:
        lines.append("- Cold start of `tierslieux serve` (process start to first answer): " + ", ".join(f"{s:.2f} s" for s in cold["runs"]))
    view = dataset.get("explorer_first_view")
    if view:
        lines.append(
            f"- The explorer's first view (every place, the facets, the list; benchmarks/harness/explorer.py): "
            f"{explorer.view_text(view['first_seconds'], view.get('first_failures'))} "
            f"right after start, then {explorer.view_text(view['again_median_seconds'], view.get('again_failures'))} (median of {len(view['again_runs'])})"
            + (
                f"; {explorer.view_text(view['indexed_median_seconds'], view.get('indexed_failures'))} once every worker had read the places index "
                + (f"({view['index_read_after_start_seconds']:.1f} s after the start)" if view.get("index_read_after_start_seconds") is not None
                   else f"({view['index_read_after_seconds']:.1f} s after those views)")
                if view.get("indexed_median_seconds") is not None
                else ""
            )
        )
    for other, key in ((OXIGRAPH, "oxigraph"), (RDFLIB, "rdflib-endpoint")):
        info = dataset.get("servers", {}).get(key)
        if info:
            lines.append(f"- {other}: " + "; ".join(f"{k.replace('_', ' ')} {v:.2f} s" if isinstance(v, float) else f"{k.replace('_', ' ')}: {v}" for k, v in info.items()))
    probes = _probe_lines(dataset)
    if probes:
        lines.append("- `ASK {}` on each SPARQL endpoint (the probe: no work for the engine, so the fixed cost of a request): " + "; ".join(probes))
    lines.append(f"- Memory after the run: {_memory_text(dataset.get('memory', {}))}")
    for error in dataset.get("errors", []):
        lines.append(f"- Error: {error}")
    lines.append("")
    queries = dataset.get("queries", [])
    if queries:
        for concurrency in results["settings"]["concurrencies"]:
            lines += [f"### Named queries, {concurrency} client{'s' if concurrency != 1 else ''}", ""]
            lines += query_table(dataset, queries, str(concurrency), results["settings"]["request_timeout"])
            lines.append("")
    notes = []
    for target in TARGETS:
        run = dataset.get("targets", {}).get(target, {})
        for query, entry in run.get("queries", {}).items():
            if entry.get("skipped"):
                notes.append(f"{target}, `{query}`: {entry['skipped']}")
        notes += [f"{target}: {event}" for event in run.get("events", [])]
    if notes:
        lines += ["Notes:", ""] + [f"- {note}" for note in notes] + [""]
    return lines


def _probe_lines(dataset: dict) -> list[str]:
    lines = []
    for target in TARGETS:
        cells = (dataset.get("targets", {}).get(target, {}).get("probe") or {}).get("cells", {})
        figures = [f"{c} client{'s' if c != '1' else ''} {found['qps']:,.0f} q/s (median {found['median_ms']:.2f} ms)" for c, found in cells.items() if found.get("ok")]
        if figures:
            lines.append(f"{target} " + ", ".join(figures))
    return lines


def _build_method(settings: dict) -> str:
    if "build_engine" not in settings:  # a results.json of the earlier layout
        return "Build: `tierslieux build` on the dataset, phases timed inside the one run."
    return (
        "Build, on the dataset (for generated graphs, a data folder holding the generated file; ontology and vocabularies are always included), twice: "
        "store + dumps alone (`build_release(validate=False)`), then as a user runs it "
        f"(`tierslieux build --engine {settings['build_engine']}`, a subprocess timed from outside); phases from the build's `manifest.json` when it has them. "
        f"Validation is also timed alone per engine, pySHACL bounded to {settings['validation_timeout']:g} s. "
        f"rdflib-endpoint gets at most {settings['rdflib_cap_seconds']:g} s of queries per dataset (\"not measured (cap)\" beyond); "
        f"the run's budget is {settings['max_minutes']:g} minutes, after which pySHACL and rdflib-endpoint are \"not measured (budget)\"."
    )


def render(results: dict, observations: str = "") -> str:
    """Return the whole RESULTS.md text for ``results``, ending with ``observations`` (Markdown written by hand) if any."""
    settings = results["settings"]
    lines = [
        "# Benchmark results",
        "",
        _runs_text(results),
        "These are benchmark figures on a shared machine, not timed tests. Raw numbers: `results.json` beside this file.",
        "",
        "## Machine",
        "",
        *_machine_lines(results),
        "",
        "## Method",
        "",
        "- Every named query of `queries/` (not its `federated/` and `qc/` folders), with its parameters' defaults, is sent "
        "over loopback HTTP to three servers on the same data, one server at a time: this service (`/queries/{name}`), "
        "Oxigraph server (`oxigraph serve-read-only --union-default-graph` on the build's N-Quads dump loaded with `oxigraph load`) "
        "and rdflib-endpoint (`rdflib-endpoint serve` on the same dump). The other two receive the same text the service runs "
        "(defaults bound by a `VALUES` block), POSTed as `application/sparql-query`; all answers are SPARQL JSON results.",
        f"- Per query and server: one warm-up request (its row count is shown), then one cell per concurrency "
        f"({', '.join(map(str, settings['concurrencies']))} client threads, each with its own kept-alive `http.client` connection), "
        f"bounded to {settings['max_requests']} requests or {settings['time_budget']:g} s (requests in flight finish), request timeout {settings['request_timeout']:g} s. "
        f"q/s counts successful answers over the cell's wall time; median and p95 (nearest rank) are over successful answers.",
        f"- Ratios divide this service's q/s by the other server's at the same concurrency; targets are judged at {JUDGED_CONCURRENCY} clients. "
        f"\"> x\" is a lower bound: the other server answered nothing within the request timeout.",
        f"- After its named queries, each server answers `ASK {{}}` on its SPARQL endpoint in one cell per concurrency (the probe, "
        f"up to {settings['max_requests'] * PROBE_REQUESTS_FACTOR} requests or {settings['time_budget']:g} s): "
        f"the engine has no work there, so its rate is the server's fixed cost per request. The targets table puts beside each "
        f"target what Oxigraph server (or its loader) reaches on the same target in the same run: the engine alone, without this service around it.",
        f"- The client runs on the same {results['machine']['usable_cores']} cores as the servers (its CPU per request is in `results.json`); "
        f"other work on the machine shows in the load average.",
        f"- {_build_method(settings)} Cold start: `tierslieux serve` from process start to the first answer to `ASK {{}}`, {settings['cold_start_repeats']} times. "
        f"Memory: RSS and PSS (pages shared between processes split fairly) of each gunicorn worker after the run, from /proc.",
        "",
        "## Targets",
        "",
        *_table(["Target", "Dataset", "Measured", "Same target, Oxigraph server (the engine alone)", "Verdict"], judge(results)),
        "",
    ]
    for dataset in results["datasets"]:
        lines += _dataset_lines(results, dataset)
    if observations.strip():
        lines += ["## Observations", "", "Written by hand after the measured run (`benchmarks/observations.md`).", "", observations.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"
