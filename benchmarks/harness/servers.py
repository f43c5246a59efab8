"""The SPARQL servers compared, as child processes on loopback ports.

Each server runs in its own process group (started here, stopped here by
its id); readiness is the first 2xx answer to a trivial ``ASK {}``, so the
time from ``Popen`` to that answer is the server's cold start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .load import Answer, HttpRequest, send_once

HOST = "127.0.0.1"
JSON_RESULTS = "application/sparql-results+json"
_BIN = Path(sys.executable).parent


def free_port() -> int:
    """Return a loopback TCP port that is free now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class ServerFailed(RuntimeError):
    """A server exited or did not answer within its start-up bound; the message quotes its log's end."""


@dataclass
class Server:
    """One server process: how to start it and how to send it a SPARQL query."""

    name: str
    command: list[str]
    log_path: Path
    port: int
    #: path of the SPARQL endpoint (POST application/sparql-query)
    endpoint: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    started_at: float = 0.0

    def start(self) -> None:
        """Start the process (its output goes to ``log_path``)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        log.write(f"\n$ {' '.join(self.command)}\n".encode())
        log.flush()
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        log.close()

    def sparql_request(self, sparql: str) -> HttpRequest:
        """Return the POST request running ``sparql`` on this server, asking for SPARQL JSON results."""
        return HttpRequest(
            "POST",
            self.endpoint,
            {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": JSON_RESULTS},
            sparql.encode("utf-8"),
        )

    def wait_ready(self, timeout: float, probe: HttpRequest | None = None) -> float:
        """Poll until the server answers ``probe`` (default ``ASK {}``) with 2xx; return seconds since start.

        Raises :class:`ServerFailed` when the process exits or ``timeout`` passes first.
        """
        probe = probe or self.sparql_request("ASK {}")
        deadline = self.started_at + timeout
        last: Answer | None = None
        while time.perf_counter() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerFailed(f"{self.name} exited with status {self.process and self.process.returncode}: {self.log_tail()}")
            last = send_once(HOST, self.port, probe, timeout=max(1.0, deadline - time.perf_counter()))
            if isinstance(last.status, int) and 200 <= last.status < 300:
                return time.perf_counter() - self.started_at
            if isinstance(last.status, int) and 400 <= last.status < 500:  # up, but refusing the probe: waiting will not help
                raise ServerFailed(f"{self.name} answered {last.status} to ASK {{}} at {self.endpoint}: {last.body[:200]!r}")
            time.sleep(0.02)
        raise ServerFailed(f"{self.name} did not answer within {timeout:.0f} s (last: {last and last.status}): {self.log_tail()}")

    def log_tail(self, lines: int = 5) -> str:
        """Return the last ``lines`` lines of the server's log, joined."""
        try:
            return " | ".join(self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the process group started by :meth:`start` (SIGTERM, then SIGKILL after 15 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(15)

    def memory(self) -> dict:
        """Return the resident memory of the process and of each child (``workers``), in MiB.

        A worker's own children (the service's query processes) are listed
        under it as ``children``.
        """
        if self.process is None or self.process.poll() is not None:
            return {}
        pid = self.process.pid
        workers = []
        for child in children(pid):
            worker = process_memory(child)
            worker["children"] = [process_memory(grandchild) for grandchild in children(child)]
            workers.append(worker)
        return {"main": process_memory(pid), "workers": workers}


def children(pid: int) -> list[int]:
    """Return the ids of the direct children of ``pid`` (from /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.extend(int(child) for child in task.read_text().split())
    return sorted(found)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (a service's workers, their query processes, a holder's forked ones)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def process_memory(pid: int) -> dict:
    """Return ``{"pid", "rss_mib", "pss_mib"}`` for ``pid``, read from /proc (PSS shares mapped pages fairly)."""
    values = {"pid": pid}
    for file, key, name in (("status", "VmRSS:", "rss_mib"), ("smaps_rollup", "Pss:", "pss_mib")):
        try:
            for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
                if line.startswith(key):
                    values[name] = round(int(line.split()[1]) / 1024, 1)
                    break
        except OSError:
            pass
    return values


def ours(build_dir: Path, port: int, workers: int, log_path: Path) -> Server:
    """This project's service: ``tierslieux serve`` (gunicorn, threaded workers) on the build folder's current store."""
    command = [str(_BIN / "tierslieux"), "serve", "--build-dir", str(build_dir), "--host", HOST, "--port", str(port), "--workers", str(workers)]
    # Run as shipped, access log included (it goes to the log file), except that no answer is kept: every request is
    # computed, as by the servers it is compared with (benchmarks/serving.py measures kept answers).
    return Server("tierslieux", command, log_path, port, "/sparql", env={"TIERSLIEUX_ANSWER_CACHE_MB": "0"})


def oxigraph_load(store_dir: Path, dump: Path, log_path: Path, timeout: float) -> float:
    """Load ``dump`` (N-Quads) into a new Oxigraph server store with ``oxigraph load``, then ``oxigraph optimize`` it
    (as ``tierslieux build`` optimizes its store); return the seconds taken."""
    started = time.perf_counter()
    with log_path.open("ab") as log:
        for command in (["load", "--location", str(store_dir), "--file", str(dump)], ["optimize", "--location", str(store_dir)]):
            subprocess.run([str(_BIN / "oxigraph"), *command], stdout=log, stderr=subprocess.STDOUT, check=True, timeout=timeout)
    return time.perf_counter() - started


def oxigraph(store_dir: Path, port: int, log_path: Path) -> Server:
    """Oxigraph's own server, read-only, with the union of the named graphs as default graph (as this service)."""
    command = [
        str(_BIN / "oxigraph"),
        "serve-read-only",
        "--location",
        str(store_dir),
        "--bind",
        f"{HOST}:{port}",
        "--union-default-graph",
    ]
    return Server("oxigraph", command, log_path, port, "/query")


def oxigraph_in_memory(port: int, log_path: Path) -> Server:
    """Oxigraph's own server on an in-memory store (no --location; load it with :func:`load_over_http`), the union of
    the named graphs as default graph."""
    command = [str(_BIN / "oxigraph"), "serve", "--bind", f"{HOST}:{port}", "--union-default-graph"]
    return Server("oxigraph-memory", command, log_path, port, "/query")


def load_over_http(server: Server, dump: Path, timeout: float) -> float:
    """POST the N-Quads ``dump`` to the Graph Store endpoint (``/store``) of a running Oxigraph server; return the seconds taken."""
    started = time.perf_counter()
    request = urllib.request.Request(
        f"http://{HOST}:{server.port}/store", data=dump.read_bytes(), headers={"Content-Type": "application/n-quads"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        answer.read()
    return time.perf_counter() - started


def rdflib_endpoint(dump: Path, port: int, log_path: Path) -> Server:
    """The rdflib-endpoint package's server (FastAPI on uvicorn, rdflib in memory, union default graph) on ``dump``."""
    command = [str(_BIN / "rdflib-endpoint"), "serve", str(dump), "--host", HOST, "--port", str(port)]
    return Server("rdflib-endpoint", command, log_path, port, "/")


def named_query_request(name: str) -> HttpRequest:
    """Return the request running this service's named query ``name`` with its parameters' defaults."""
    return HttpRequest("GET", f"/queries/{urllib.parse.quote(name)}", {"Accept": JSON_RESULTS})
