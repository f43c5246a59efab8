"""Rebuilds while serving: the build is written aside and swapped in, the running service answers throughout and picks it up;
a refused build changes nothing; a missing or damaged store is reported clearly.

Builds here use the curated data only (the census makes validation slow), through ``tierslieux build`` as a real process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tierslieux.build import builder as build_module
from tierslieux.build.builder import build_release
from tierslieux.release import BuildLayout
from tierslieux.service import create_app

from ..ports import free_port
from ..servers import TIERSLIEUX, LiveServer, start_server, stop_server
from .processes import descendants, is_query_process

pytestmark = pytest.mark.slow  # `tierslieux build` and `tierslieux serve` as real processes

REPO_ROOT = Path(__file__).resolve().parents[2]
PERSON = "https://w3id.org/tiers-lieux/id/person/"
NEW_PERSON = f"""@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{PERSON}rebuilt-person> a <https://w3id.org/tiers-lieux/ontology#Person> ;
    rdfs:label "Rebuilt Person"@en,
        "Rebuilt Person"@fr ;
    dct:source <https://w3id.org/tiers-lieux/id/source/seed-004> .
"""
#: A person with neither label nor source: the shapes refuse it.
BROKEN_PERSON = f"<{PERSON}broken-person> a <https://w3id.org/tiers-lieux/ontology#Person> .\n"
ASK_NEW = f"ASK {{ <{PERSON}rebuilt-person> ?p ?o }}"
ASK_BROKEN = f"ASK {{ <{PERSON}broken-person> ?p ?o }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def curated_copy(tmp_path: Path) -> Path:
    """A data folder holding a copy of the curated data only."""
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data" / "curated", data / "curated")
    return data


def run_build(out: Path, data: Path) -> subprocess.CompletedProcess:
    """``tierslieux build`` (validating) as a real process."""
    return subprocess.run(
        [str(TIERSLIEUX), "build", "--out", str(out), "--data-dir", str(data)], capture_output=True, text=True, timeout=300, check=False
    )


def answer(server: LiveServer, query: str) -> tuple[int, str]:
    """GET ``query``; return the status and the body (an error's body too)."""
    url = server.endpoint + "?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:  # a refused or reset connection is a failed request too
        return 0, repr(error)


class Poller(threading.Thread):
    """A client asking the same questions in a loop, recording (when the question was sent, status, whether the new
    person is there, the count). The time is the sending's: an answer read later on a loaded machine says nothing of
    when the service switched releases."""

    def __init__(self, server: LiveServer):
        super().__init__(daemon=True)
        self.server = server
        self.seen: list[tuple[float, int, bool | None, int | None]] = []
        self.failures: list[tuple[int, str]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            sent = time.monotonic()
            status, body = answer(self.server, ASK_NEW)
            count_status, count_body = answer(self.server, COUNT)
            for code, text in ((status, body), (count_status, count_body)):
                if code != 200:
                    self.failures.append((code, text))
            there = json.loads(body)["boolean"] if status == 200 else None
            count = int(json.loads(count_body)["results"]["bindings"][0]["n"]["value"]) if count_status == 200 else None
            self.seen.append((sent, status, there, count))

    def finish(self) -> None:
        """Stop asking."""
        self.stop.set()
        self.join(timeout=60)


def query_process_stores(server: LiveServer) -> set[str]:
    """The store folders the server's query processes have open."""
    stores = set()
    for pid in descendants(server.process.pid):
        if is_query_process(pid):
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            # python -m tierslieux.stores.query_processes FD STORE_DIR ro|rw MEMORY_MB
            stores.add(arguments[arguments.index(b"tierslieux.stores.query_processes") + 2].decode())
    return stores


def test_rebuild_while_serving(tmp_path):
    """Queries in a loop during a rebuild: none fails, the new data appears once published, and a refused build changes nothing."""
    data = curated_copy(tmp_path)
    out = tmp_path / "build"
    first = run_build(out, data)
    assert first.returncode == 0, first.stderr
    layout = BuildLayout(out)
    first_release = layout.current.resolve()
    port = free_port()
    server = start_server([str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "2", "--build-dir", str(out)], port, tmp_path / "serve.log")
    poller = Poller(server)
    try:
        poller.start()
        time.sleep(1.0)
        (data / "curated" / "zz-rebuilt.ttl").write_text(NEW_PERSON, encoding="utf-8")
        rebuilt = run_build(out, data)
        published_at = time.monotonic()
        assert rebuilt.returncode == 0, rebuilt.stderr
        second_release = layout.current.resolve()
        assert second_release != first_release
        time.sleep(1.5)

        # A build the shapes refuse: the served release stays, nothing half-written is left behind.
        (data / "curated" / "zz-broken.ttl").write_text(BROKEN_PERSON, encoding="utf-8")
        releases_before = sorted(p.name for p in layout.releases_dir.iterdir())
        refused = run_build(out, data)
        assert refused.returncode == 1
        assert "build refused: the graph does not conform to the shapes; the current release is unchanged" in refused.stderr
        assert "broken-person" in refused.stderr
        assert layout.current.resolve() == second_release
        assert sorted(p.name for p in layout.releases_dir.iterdir()) == releases_before
        time.sleep(1.0)
        poller.finish()

        assert not poller.failures, poller.failures[:3]
        assert len(poller.seen) > 10, "too few queries during the rebuild to show anything"
        flags = [there for _, _, there, _ in poller.seen]
        # Absent, then present from the swap on, never absent again: each answer comes from one whole release.
        assert flags[0] is False and flags[-1] is True
        flip = flags.index(True)
        assert all(flags[flip:]), "the new data disappeared after it was served"
        assert all(t <= published_at + 1.0 for t, _, there, _ in poller.seen if there is False)
        counts = {count for _, _, _, count in poller.seen}
        assert len(counts) == 2, f"answers from a half-published release: {sorted(counts)}"
        assert answer(server, ASK_BROKEN) == (200, '{"head":{},"boolean":false}')
        # Each worker re-opened the store: its query processes read the new release only.
        stores = query_process_stores(server)
        assert stores == {str(second_release / "store")}, stores
    finally:
        poller.stop.set()
        stop_server(server.process)


def test_build_is_written_aside_then_swapped(tmp_path, monkeypatch):
    """At the moment of the swap the new release is complete and `current` still names the old one."""
    data = curated_copy(tmp_path)
    out = tmp_path / "build"
    old = build_release(out, validate=False, data_dir=data).release_dir
    swaps = []
    original = build_module._publish

    def watched(layout: BuildLayout, release_dir: Path) -> None:
        assert layout.current.resolve() == old
        assert (release_dir / "manifest.json").is_file() and (release_dir / "dumps" / "tiers-lieux.nq").is_file()
        assert not [p for p in layout.releases_dir.iterdir() if p.name.startswith(".")], "work folder still present at the swap"
        swaps.append(release_dir)
        original(layout, release_dir)

    monkeypatch.setattr(build_module, "_publish", watched)
    new = build_release(out, validate=False, data_dir=data).release_dir
    assert swaps == [new]
    assert BuildLayout(out).current.is_symlink() and BuildLayout(out).current.resolve() == new


def test_unreadable_source_leaves_the_release(tmp_path):
    data = curated_copy(tmp_path)
    out = tmp_path / "build"
    assert run_build(out, data).returncode == 0
    current = BuildLayout(out).current.resolve()
    (data / "curated" / "zz-bad-syntax.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    done = run_build(out, data)
    assert done.returncode == 2
    assert re.search(r"zz-bad-syntax\.ttl:1:\d+", done.stderr), done.stderr
    assert "build refused: the current release is unchanged" in done.stderr
    assert BuildLayout(out).current.resolve() == current
    assert not [p for p in BuildLayout(out).releases_dir.iterdir() if p.name.startswith(".")]


# --- missing or damaged stores -----------------------------------------------------------------------


def _biggest_table(store: Path) -> Path:
    return max(store.glob("*.sst"), key=lambda p: p.stat().st_size)


def _garble_manifest(store: Path) -> None:
    for manifest in store.glob("MANIFEST-*"):
        with manifest.open("r+b") as handle:
            handle.seek(100)
            handle.write(b"\xff" * 200)


CORRUPTIONS = {
    "missing table file": (lambda store: _biggest_table(store).unlink(), r"No such file or directory: .*\.sst"),
    "truncated table file": (lambda store: os.truncate(_biggest_table(store), 1000), r"Sst file size mismatch"),
    "damaged manifest": (_garble_manifest, r"Corruption: "),  # RocksDB names what it found: a checksum, a missing entry…
    "missing CURRENT": (lambda store: (store / "CURRENT").unlink(), r"CURRENT: No such file or directory"),
}


def damaged_copy(built: BuildLayout, tmp_path: Path, corruption: str) -> Path:
    """A build folder whose `current` holds a copy of the built store, damaged as named."""
    root = tmp_path / "damaged"
    store = root / "current" / "store"
    shutil.copytree(built.store_dir, store)
    CORRUPTIONS[corruption][0](store)
    return root


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_serve_refuses_a_damaged_store(built, tmp_path, corruption):
    root = damaged_copy(built, tmp_path, corruption)
    done = subprocess.run(
        [str(TIERSLIEUX), "serve", "--build-dir", str(root), "--port", str(free_port())], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 3
    store = root / "current" / "store"
    assert done.stderr.startswith(f"Error: the store at {store} cannot be opened ("), done.stderr
    assert re.search(CORRUPTIONS[corruption][1], done.stderr), done.stderr
    assert done.stderr.rstrip().endswith("rebuild it with `tierslieux build`")
    assert "Traceback" not in done.stderr


def test_a_damaged_release_published_under_a_running_service_is_a_503(built, tmp_path):
    """The service keeps running and says why it cannot answer; once a good release is back, it answers again."""
    root = tmp_path / "build"
    releases = root / "releases"
    releases.mkdir(parents=True)
    shutil.copytree(built.store_dir, releases / "good" / "store")
    shutil.copytree(built.store_dir, releases / "bad" / "store")
    _biggest_table(releases / "bad" / "store").unlink()
    (root / "current").symlink_to("releases/good")
    client = create_app({"TESTING": True, "BUILD_DIR": root}).test_client()
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200

    def point_at(release: str) -> None:
        link = root / ".current.new"
        link.symlink_to(f"releases/{release}")
        os.replace(link, root / "current")

    point_at("bad")
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    # The message names the damaged release itself, not the `current` link.
    assert text.startswith(f"The store is not available: the store at {(releases / 'bad' / 'store').resolve()} cannot be opened ("), text
    assert ".sst" in text
    # Regression: the registry took the damaged release as seen, so the next request was answered from the old store.
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 503
    point_at("good")
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200
