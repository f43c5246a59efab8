"""The release held in memory (stores/held_in_memory.py): the same answers as the on-disk store, forked query processes
that share the graph, the time and memory limits kept, and the registry's choice between memory and disk."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from tierslieux.release import BuildLayout, Release
from tierslieux.service.stores import StoreRegistry
from tierslieux.stores.base import QueryOutOfMemory, QueryTimeout, StoreError
from tierslieux.stores.embedded import EmbeddedStore
from tierslieux.stores.query_processes import IsolatedStore

from ..ports import free_port
from ..servers import TIERSLIEUX, start_server, stop_server
from .processes import (
    children,
    command_line,
    cpu_seconds,
    descendants,
    has_ended,
    is_holder,
    is_query_process,
)
from .test_limits_hold import ENDLESS_COUNT

#: Questions whose answers do not depend on blank-node labels (the dump's are canonical, the on-disk store's random).
SAME_ANSWERS = [
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    (
        "SELECT ?place ?name WHERE { ?place a <https://w3id.org/tiers-lieux/ontology#ThirdPlace> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY ?place ?name LIMIT 50"
    ),
    (
        "SELECT ?r (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p <https://w3id.org/tiers-lieux/ontology#locality>/"
        "<https://w3id.org/tiers-lieux/ontology#department>/<https://w3id.org/tiers-lieux/ontology#region> ?r } GROUP BY ?r ORDER BY ?r"
    ),
    "ASK { <https://w3id.org/tiers-lieux/ontology#ThirdPlace> a <http://www.w3.org/2002/07/owl#Class> }",
]
#: The order of the whole graph with itself: a few GiB, past a small memory limit within a second.
ORDER_BOMB = "SELECT * {?a ?b ?c . ?d ?e ?f} ORDER BY ?c ?f LIMIT 10"


def rows(store, text: str) -> list:
    """An answer as plain values (a boolean, or the rows' terms as strings)."""
    outcome = store.query(text)
    if outcome.kind == "boolean":
        return [outcome.boolean]
    return [[None if term is None else str(term) for term in row] for row in outcome.rows]


def open_held(built: BuildLayout, **options) -> IsolatedStore:
    """The built release held in memory, with two query processes unless told otherwise."""
    release = built.current_release.resolved()
    settings = {"processes": 2, "default_timeout": 30.0, **options}
    return IsolatedStore.open(release.store_dir, held_dump=release.quads_dump, **settings)


@pytest.fixture(scope="module")
def held(built: BuildLayout):
    """The built release held in memory, as the service holds it."""
    store = open_held(built, memory_mb=2048)
    yield store
    store.close()


@pytest.fixture(scope="module")
def on_disk(built: BuildLayout) -> EmbeddedStore:
    """The release's on-disk store, queried in this process."""
    return EmbeddedStore.open(built.store_dir)


@pytest.mark.parametrize("text", SAME_ANSWERS)
def test_the_release_in_memory_answers_as_its_store_on_disk(held, on_disk, text):
    expected = rows(on_disk, text)
    assert expected, "a question without answer shows nothing"
    assert rows(held, text) == expected


def test_counts_and_graphs_are_the_release_s(held, on_disk, built):
    assert held.triples_count() == on_disk.triples_count() == built.manifest()["triples"]
    assert held.graphs() == on_disk.graphs()


def holder_of(store: IsolatedStore) -> int:
    """The process id of the holder of ``store``'s release."""
    return store.pool.holder.process.pid


def test_query_processes_are_forked_from_the_holder_and_share_the_graph(built):
    store = open_held(built)
    try:
        holder = holder_of(store)
        assert sorted(store.pool.pids()) == sorted(children(holder)), "the query processes are not the holder's children"
        for pid in store.pool.pids():
            memory = _memory(pid)
            # A process that loaded the graph itself would hold it in private pages; a forked one shares the holder's.
            assert memory["Private_Dirty"] < memory["Shared_Dirty"] / 4, memory
    finally:
        store.close()


def _memory(pid: int) -> dict[str, int]:
    """The kB figures of ``/proc/PID/smaps_rollup``."""
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        figures[name] = int(value.split()[0])
    return figures


def test_a_query_past_its_time_limit_is_killed_and_replaced(held):
    before = set(held.pool.pids())
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        rows_of_endless = held.query(ENDLESS_COUNT, timeout=1.0)
        list(rows_of_endless.rows)
    assert time.monotonic() - started < 10
    killed = before - set(held.pool.pids())
    assert len(killed) == 1
    (pid,) = killed
    assert not Path(f"/proc/{pid}").exists(), "the killed query process was left as a zombie or still runs"
    assert cpu_seconds(holder_of(held)) < 5, "the holder computes: queries must run in the forked processes"
    assert rows(held, SAME_ANSWERS[-1]) == [True]
    held.pool.fill()  # a new process is forked in the killed one's place
    assert len(held.pool.pids()) == 2 and pid not in held.pool.pids()


def test_a_query_past_its_memory_limit_is_reported_as_such(built):
    store = open_held(built, processes=1, memory_mb=400)
    try:
        (first,) = store.pool.pids()
        with pytest.raises(QueryOutOfMemory):
            list(store.query(ORDER_BOMB, timeout=60.0).rows)
        assert rows(store, SAME_ANSWERS[-1]) == [True]
        assert store.pool.pids() != [first], "the process past its memory limit was kept"
    finally:
        store.close()


def test_the_holder_ends_once_the_store_is_closed(built):
    store = open_held(built, processes=1)
    holder = store.pool.holder.process
    (child,) = store.pool.pids()
    store.close()
    holder.wait(timeout=30)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists()


def test_a_holder_that_died_is_started_again(built):
    store = open_held(built, processes=1)
    try:
        first = store.pool.holder.process.pid
        (child,) = store.pool.pids()
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 10  # its query process sees its parent gone within a second
        while not has_ended(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert has_ended(child), "a query process outlived its holder"
        assert rows(store, SAME_ANSWERS[-1]) == [True]
        assert store.pool.holder.process.pid != first
        assert children(store.pool.holder.process.pid) == store.pool.pids()
    finally:
        store.close()


def test_a_damaged_dump_is_named(built, tmp_path):
    release = Release(tmp_path / "release")
    (release.folder / "dumps").mkdir(parents=True)
    os.symlink(built.current_release.resolved().store_dir, release.store_dir)
    release.quads_dump.write_text("<http://a> <http://b> .\n", encoding="utf-8")
    with pytest.raises(StoreError, match=r"the release's dump .*tiers-lieux\.nq cannot be read into memory .*line 1"):
        IsolatedStore.open(release.store_dir, held_dump=release.quads_dump, processes=1)


def fake_release(root: Path, *, quads: int, dump: bool = True) -> Release:
    """A release folder with a manifest saying ``quads`` and (if ``dump``) an N-Quads dump."""
    release = Release(root)
    release.dumps_dir.mkdir(parents=True)
    release.manifest_path.write_text(json.dumps({"triples": quads}), encoding="utf-8")
    if dump:
        release.quads_dump.write_text("", encoding="utf-8")
    return release


@pytest.mark.parametrize(
    ("setting", "quads", "dump", "writable", "held"),
    [
        ("auto", 44_770, True, False, True),
        ("auto", 2_000_001, True, False, False),
        ("auto", 44_770, False, False, False),
        ("auto", 44_770, True, True, False),
        (False, 44_770, True, False, False),
        (True, 2_000_001, True, False, True),
    ],
)
def test_the_registry_holds_in_memory_what_fits(tmp_path, setting, quads, dump, writable, held):
    release = fake_release(tmp_path / "release", quads=quads, dump=dump)
    registry = StoreRegistry(tmp_path, writable=writable, in_memory=setting, in_memory_max_quads=2_000_000)
    assert (registry.dump_to_hold(release) == release.quads_dump) is held


def test_holding_in_memory_without_a_dump_says_so(tmp_path):
    release = fake_release(tmp_path / "release", quads=10, dump=False)
    with pytest.raises(StoreError, match="STORE_IN_MEMORY is true but the release has no N-Quads dump"):
        StoreRegistry(tmp_path, in_memory=True).dump_to_hold(release)
    with pytest.raises(ValueError, match='use true, false or "auto"'):
        StoreRegistry(tmp_path, in_memory="yes")


@pytest.mark.slow
def test_each_worker_holds_the_release_before_its_first_request(built, tmp_path):
    """Without the post_worker_init hook only the worker that answered the start-up probe would have read the release."""
    port = free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "2", "--threads", "2", "--build-dir", str(built.root)]
    server = start_server(command, port, tmp_path / "serve.log")
    try:
        deadline = time.monotonic() + 30
        while True:
            holders = [pid for pid in descendants(server.process.pid) if is_holder(pid)]
            # each holder forks its worker's query processes, one per thread
            forked = [len([pid for pid in children(holder) if is_query_process(pid)]) for holder in holders]
            if forked == [2, 2] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert forked == [2, 2], server.log()
    finally:
        stop_server(server.process)


def holder_stores(master: int) -> set[str]:
    """The release stores the holders under ``master`` hold (their command line: … FD STORE_DIR ro MEMORY_MB hold DUMP)."""
    stores = set()
    for pid in descendants(master):
        if is_holder(pid):
            arguments = command_line(pid)
            stores.add(arguments[arguments.index(b"tierslieux.stores.query_processes") + 2].decode())
    return stores


@pytest.mark.slow
def test_a_release_published_later_is_opened_before_any_request_asks(built, tmp_path):
    """Without ``follow_releases`` the workers would open the new release only when a request comes."""
    layout = BuildLayout(tmp_path / "build")
    layout.releases_dir.mkdir(parents=True)
    for name in ("first", "second"):
        shutil.copytree(built.current.resolve(), layout.releases_dir / name, symlinks=True)
    os.symlink("releases/first", layout.current)
    port = free_port()
    command = [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "2", "--threads", "2", "--build-dir", str(layout.root)]
    server = start_server(command, port, tmp_path / "serve.log")
    try:
        second = str((layout.releases_dir / "second" / "store").resolve())
        os.symlink("releases/second", layout.root / "next")
        os.replace(layout.root / "next", layout.current)  # published as a build publishes: one rename, and no request after it
        deadline = time.monotonic() + 30
        while (stores := holder_stores(server.process.pid)) != {second} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert stores == {second}, server.log()[-3000:]
    finally:
        stop_server(server.process)
