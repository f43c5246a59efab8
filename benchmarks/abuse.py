"""A bounded load-and-abuse run: hostile clients and cheap clients at once against a real ``tierslieux serve``.

``python benchmarks/abuse.py [--seconds 60] [--hostile 8] [--cheap 4]`` builds
the repository's graph into a temporary folder (or uses ``--build-dir``),
starts ``tierslieux serve`` with its defaults (or ``--threads``), and for
``--seconds`` runs ``--hostile`` clients sending the hostile corpus of
``tests/service/test_hardening.py`` (issue 13's reproducers) in turn and
``--cheap`` clients sending a cheap ``ASK``; with ``--each S``, it then
sends each request of the corpus alone from every hostile client at once for
``S`` seconds (issue 13: "while any of them runs from 8 clients at once"). It reports, per kind of client,
requests and answers by status, the cheap queries' p50/p95/p99, the peak
memory of the whole service (gunicorn, workers, holders, query processes; PSS,
so that pages shared by forked processes count once; sampled from /proc every 0.2 s) and whether a gunicorn worker died. The
report is written to ``benchmarks/abuse.md`` and replaces the "Load and
abuse" section of ``benchmarks/RESULTS.md`` (between its markers; ``run.py``
appends ``abuse.md`` again when it rewrites that file).
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from harness.load import Client, HttpRequest, percentile  # noqa: E402
from harness.servers import children, descendants, free_port, process_memory  # noqa: E402

from tests.service.test_hardening import CORPUS, QUICK  # noqa: E402  (the corpus the tests attack with)
from tierslieux.service.gunicorn_settings import DEFAULT_THREADS  # noqa: E402

BEGIN, END = "<!-- abuse: written by benchmarks/abuse.py -->", "<!-- /abuse -->"


def pss_bytes(pids: list[int]) -> int:
    """Proportional set size of ``pids`` together: pages shared between them (a holder's graph and the query processes
    forked from it) counted once."""
    return int(sum(process_memory(pid).get("pss_mib", 0.0) for pid in pids) * 2**20)


def request_for(case) -> HttpRequest:
    """The HTTP request of one corpus case."""
    params = list(case.params)
    if case.post:
        path = "/sparql" + ("?" + urllib.parse.urlencode(params) if params else "")
        return HttpRequest("POST", path, {"Content-Type": "application/sparql-query"}, case.query.encode("utf-8"))
    return HttpRequest("GET", "/sparql?" + urllib.parse.urlencode([("query", case.query), *params]))


@dataclass
class Round:
    """What one round of the attack measured."""

    statuses: dict[str, Counter]
    latencies: list[float]
    peak_bytes: int
    wall_seconds: float

    def cheap_figures(self) -> str:
        """p50, p95, p99 and max of the cheap answers, in milliseconds."""
        if not self.latencies:
            return "no cheap answer"
        ms = [s * 1000 for s in self.latencies]
        return f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, p99 {percentile(ms, 99):.0f} ms, max {max(ms):.0f} ms"

    def by_status(self, kind: str) -> str:
        """The answers of one kind of client, counted by status."""
        return ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses[kind].items()))


def attack(port: int, server_pid: int, hostile: list[HttpRequest], hostile_clients: int, cheap_clients: int, seconds: float) -> Round:
    """``hostile_clients`` send ``hostile`` in turn while ``cheap_clients`` send a cheap ASK, for ``seconds``."""
    cheap = HttpRequest("GET", "/sparql?" + urllib.parse.urlencode({"query": QUICK}))
    statuses: dict[str, Counter] = {"hostile": Counter(), "cheap": Counter()}
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    peak = 0

    def hostile_client(offset: int) -> None:
        client = Client("127.0.0.1", port, 120)
        index = offset
        while time.monotonic() < stop:
            answer = client.send(hostile[index % len(hostile)])
            index += 1
            with lock:
                statuses["hostile"][str(answer.status)] += 1

    def cheap_client() -> None:
        client = Client("127.0.0.1", port, 120)
        while time.monotonic() < stop:
            answer = client.send(cheap)
            with lock:
                statuses["cheap"][str(answer.status)] += 1
                if answer.status == 200:
                    latencies.append(answer.seconds)

    threads = [threading.Thread(target=hostile_client, args=(i * 3,)) for i in range(hostile_clients)]
    threads += [threading.Thread(target=cheap_client) for _ in range(cheap_clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, pss_bytes(descendants(server_pid)))
        time.sleep(0.2)
    return Round(statuses, latencies, peak, time.monotonic() - started)


def run(args: argparse.Namespace) -> str:
    """Run the load and return the Markdown section."""
    build_dir = args.build_dir
    if build_dir is None:
        from tierslieux.build.builder import build_release

        build_dir = Path(tempfile.mkdtemp(prefix="abuse-build-"))
        build_release(build_dir, validate=False)
    port = free_port()
    tierslieux = Path(sys.executable).with_name("tierslieux")
    command = [str(tierslieux), "serve", "--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads), "--build-dir", str(build_dir)]
    log = open(Path(tempfile.gettempdir()) / f"abuse-serve-{port}.log", "wb")  # noqa: SIM115 -- the server's lifetime
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TIERSLIEUX_UPDATE_TOKEN": ""})
    cases = [case for case in CORPUS if case.expected != frozenset({200})]
    each: list[tuple[str, Round]] = []
    try:
        deadline = time.monotonic() + 60
        probe = Client("127.0.0.1", port, 5)
        while probe.send(HttpRequest("GET", "/sparql?query=ASK%7B%7D")).status != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server did not start: see {log.name}")
            time.sleep(0.2)
        probe.close()
        before = set(children(server.pid))
        mixed = attack(port, server.pid, [request_for(case) for case in cases], args.hostile, args.cheap, args.seconds)
        if args.each:
            for case in cases:
                each.append((case.name, attack(port, server.pid, [request_for(case)], args.hostile, args.cheap, args.each)))
        after = set(children(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    died = "none" if before == after else f"{len(before - after)} replaced"
    settings = ", ".join(f"`{k}={v}`" for k, v in sorted(os.environ.items()) if k.startswith("TIERSLIEUX_") and "TOKEN" not in k and "PASSWORD" not in k)
    each_option = f" --each {args.each}" if args.each else ""
    lines = [
        BEGIN,
        "## Load and abuse",
        "",
        f"Measured by `python benchmarks/abuse.py --seconds {args.seconds} --hostile {args.hostile} --cheap {args.cheap}{each_option}` on "
        f"{datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}: `tierslieux serve --workers {args.workers} --threads {args.threads}` "
        f"({settings or 'other settings default'}) on the repository's graph; {args.hostile} clients send issue 13's hostile corpus "
        f"({len(cases)} requests, `tests/service/test_hardening.py`) in turn while {args.cheap} send a cheap `ASK`, for {mixed.wall_seconds:.0f} s. "
        "A shared 2-core machine: figures, not targets. The server keeps its default limits, not the tests' smaller ones: "
        "the answer the tests send over a 1 MB limit is within the default 64 MiB here, and a 200.",
        "",
        "| clients | kind | requests | answers by status |",
        "|---|---|---|---|",
    ]
    for kind, count in (("hostile", args.hostile), ("cheap", args.cheap)):
        lines.append(f"| {count} | {kind} | {sum(mixed.statuses[kind].values())} | {mixed.by_status(kind)} |")
    lines.append("")
    if mixed.latencies:
        lines.append(f"Cheap queries: {mixed.cheap_figures()} over {len(mixed.latencies)} answers.")
    lines.append(f"Peak memory of the whole service (PSS, shared pages counted once): {mixed.peak_bytes / 2**20:.0f} MiB.")
    if each:
        lines += [
            "",
            f"Then each request of the corpus alone, sent by all {args.hostile} hostile clients at once for {args.each:g} s "
            f"while the {args.cheap} cheap clients ask on:",
            "",
            "| request | hostile answers by status | cheap answers | cheap p50, p95, p99, max | peak PSS |",
            "|---|---|---|---|---|",
        ]
        for name, round_ in each:
            lines.append(
                f"| {name} | {round_.by_status('hostile')} | {round_.by_status('cheap')} | {round_.cheap_figures()} | {round_.peak_bytes / 2**20:.0f} MiB |"
            )
        lines.append("")
    lines += [f"gunicorn workers died during the whole run: {died}.", END]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the marked section of ``path`` with ``section`` (appended when absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    """Parse the command line, run, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients send (bounded run)")
    parser.add_argument("--hostile", type=int, default=8, help="clients sending the hostile corpus")
    parser.add_argument("--cheap", type=int, default=4, help="clients sending a cheap ASK")
    parser.add_argument("--each", type=float, default=0.0, help="then send each request of the corpus alone from every hostile client, for that many seconds each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="threads per worker (default: the service's)")
    parser.add_argument("--build-dir", type=Path, default=None, help="a folder written by `tierslieux build` (default: build one)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    section = run(args)
    args.out.with_name("abuse.md").write_text(section, encoding="utf-8")
    write_section(args.out, section)
    print(section)


if __name__ == "__main__":
    main()
