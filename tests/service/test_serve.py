"""``tierslieux serve`` and ``make serve``: real processes, read-only store shared by workers, clear failures."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tierslieux.build.builder import build_release
from tierslieux.release import BuildLayout

from ..ports import free_port
from ..servers import TIERSLIEUX, start_server, stop_server
from .processes import children, descendants, is_query_process

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_serve(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``tierslieux serve ARGS`` to completion (only for the cases where it must refuse to start)."""
    return subprocess.run(
        [str(TIERSLIEUX), "serve", *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}, check=False
    )


def get_json(url: str) -> dict:
    """GET ``url`` asking for SPARQL JSON."""
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_serve_without_a_store(tmp_path):
    done = run_serve("--build-dir", str(tmp_path / "nothing-here"), "--port", str(free_port()))
    assert done.returncode == 3
    assert f"Error: no store at {tmp_path / 'nothing-here' / 'current' / 'store'}: run `tierslieux build` first" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_with_a_damaged_store(tmp_path):
    store = tmp_path / "build" / "current" / "store"
    store.mkdir(parents=True)
    (store / "CURRENT").write_text("not a rocksdb manifest\n")
    done = run_serve("--build-dir", str(tmp_path / "build"), "--port", str(free_port()))
    assert done.returncode == 3
    assert f"Error: the store at {store} cannot be opened (" in done.stderr
    assert "rebuild it with `tierslieux build`" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_several_writers(built):
    done = run_serve("--build-dir", str(built.root), "--workers", "2", env={"TIERSLIEUX_UPDATE_TOKEN": "t"})
    assert done.returncode == 2
    assert "use --workers 1" in done.stderr


def test_serve_help_names_gunicorn_options():
    done = subprocess.run([str(TIERSLIEUX), "serve", "--help"], capture_output=True, text=True, check=True)
    for option in ("--host", "--port", "--workers", "--build-dir"):
        assert option in done.stdout


@pytest.mark.slow
def test_workers_share_the_read_only_store(live_server, built):
    """Two gunicorn workers answer concurrently from one store on disk."""
    workers = children(live_server.process.pid)
    assert len(workers) == 2, live_server.log()
    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: get_json(f"{live_server.endpoint}?query={query}"), range(24)))
    counts = {int(a["results"]["bindings"][0]["n"]["value"]) for a in answers}
    assert counts == {sum(built.manifest()["graphs"].values())}
    assert "Using worker: gthread" in live_server.log()


@pytest.mark.slow  # a real server process
def test_each_worker_logs_its_places_index_in_gunicorn_s_log(live_server):
    """The service's own INFO lines reach gunicorn's error log (they reached no handler before); on the built store,
    since an external store is never indexed."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and live_server.log().count("the places index of") < 2:
        time.sleep(0.2)
    lines = [line for line in live_server.log().splitlines() if "the places index of" in line]
    assert len(lines) == 2, live_server.log()[-3000:]  # one per worker
    assert all(re.search(r"\[INFO\] the places index of .+ is read: \d+ places in [\d.]+ s$", line) for line in lines), lines


@pytest.mark.slow
def test_new_release_is_served_without_restart(tmp_path):
    """Publishing a release (the `current` symlink swaps) is picked up by the running workers."""
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    root = tmp_path / "build"
    build_release(root, validate=False, data_dir=data)
    port = free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "1", "--build-dir", str(root)]
    server = start_server(command, port, tmp_path / "serve.log")
    try:
        ask = urllib.parse.quote("ASK { <https://w3id.org/tiers-lieux/id/place/test-release> ?p ?o }")
        assert get_json(f"{server.endpoint}?query={ask}")["boolean"] is False
        (data / "curated" / "zz-test-release.ttl").write_text(
            "<https://w3id.org/tiers-lieux/id/place/test-release> <http://www.w3.org/2000/01/rdf-schema#label> \"Test\"@fr .\n"
        )
        build_release(root, validate=False, data_dir=data)
        assert get_json(f"{server.endpoint}?query={ask}")["boolean"] is True
    finally:
        stop_server(server.process)


@pytest.mark.slow
def test_make_serve(built, tmp_path):
    """`make serve` builds if needed, then runs `tierslieux serve` on the given host and port."""
    port = free_port()
    # `-o setup`: the virtual environment is the one running these tests; do not reinstall it.
    command = ["make", "-s", "-o", "setup", "serve", f"BUILD_DIR={built.root}", "HOST=127.0.0.1", f"PORT={port}"]
    log_path = tmp_path / "make-serve.log"
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        from ..servers import wait_until_serving

        wait_until_serving(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", process, log_path, timeout=180)
        answer = get_json(f"http://127.0.0.1:{port}/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"))
        assert answer["boolean"] is True
        assert f"Listening at: http://127.0.0.1:{port}" in log_path.read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # make and the server it started share this new session
        process.wait(timeout=30)


def test_layout_matches_the_build_contract(built):
    """The service reads BUILD_DIR/current/store, where the build contract puts the store."""
    from tierslieux.service.stores import StoreRegistry

    assert StoreRegistry(built.root).store_dir == BuildLayout(built.root).store_dir


@pytest.mark.slow
def test_threads_and_query_processes_are_one_setting(built, tmp_path):
    """``--threads N``: each worker handles N requests at once and starts N query processes, one for each."""
    port = free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "1", "--threads", "2", "--build-dir", str(built.root)]
    server = start_server(command, port, tmp_path / "serve.log", env={"TIERSLIEUX_UPDATE_TOKEN": "", "TIERSLIEUX_QUERY_PROCESSES": "5"})
    try:
        assert "1 worker(s) of 2 thread(s)" in server.log()
        assert len([pid for pid in descendants(server.process.pid) if is_query_process(pid)]) == 2
    finally:
        stop_server(server.process)
