"""The query processes' answers: rows written as SPARQL TSV come back term for term, and stop at the cap.

A small store with awkward terms (tabs, newlines, quotes, non-ASCII text,
language tags, datatypes, blank nodes, unbound variables) is queried through
real query processes (:class:`tierslieux.stores.query_processes.IsolatedStore`) and
compared with the same query run by pyoxigraph in this process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from tierslieux.formats import RESULT_FORMATS
from tierslieux.service.results import TooManyResults, render
from tierslieux.stores.base import StoreError
from tierslieux.stores.query_processes import CHUNK_ITEMS, IsolatedStore

EX = "https://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPH = ox.NamedNode(EX + "graph")

AWKWARD = [
    ox.Literal("tab\there, newline\nthere, quote \" and backslash \\"),
    ox.Literal("Tiers-lieu « La Coroutine », Saint-Étienne-du-Rouvray", language="fr"),
    ox.Literal("Third place", language="en-GB"),
    ox.Literal("042", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("not a number", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("2019-09-01", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("POINT(1.08 49.38)", datatype=ox.NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")),
    ox.BlankNode("b0"),
    ox.NamedNode(EX + "place/caf%C3%A9?x=1#frag"),
    ox.Literal("emoji 🌱 and zero-width\u200bjoiner"),
]
#: Rows enough to span several messages of CHUNK_ITEMS rows.
MANY = 3 * CHUNK_ITEMS + 17


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    """An on-disk Oxigraph store: the awkward terms, and MANY plain rows."""
    folder = tmp_path_factory.mktemp("runner") / "store"
    store = ox.Store(str(folder))
    subject = ox.NamedNode(EX + "s")
    for index, term in enumerate(AWKWARD):
        store.add(ox.Quad(subject, ox.NamedNode(f"{EX}p{index:02d}"), term, GRAPH))
    store.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}row/{i}"), ox.NamedNode(EX + "n"), ox.Literal(i), GRAPH) for i in range(MANY))
    store.flush()
    del store
    return folder


@pytest.fixture(scope="module")
def isolated(store_dir):
    """Query processes on the store (closed after the module)."""
    store = IsolatedStore.open(store_dir, processes=2, default_timeout=60)
    yield store
    store.close()


def direct(store_dir: Path, sparql: str) -> list[tuple]:
    """The rows of ``sparql`` as pyoxigraph gives them in this process."""
    store = ox.Store.read_only(str(store_dir))
    result = store.query(sparql, use_default_graph_as_union=True)
    width = len(result.variables)
    return [tuple(row[i] for i in range(width)) for row in result]


def through_processes(isolated: IsolatedStore, sparql: str, max_rows: int | None = None) -> list[tuple]:
    """The rows of ``sparql`` read from a query process."""
    outcome = isolated.query(sparql, max_rows=max_rows)
    width = len(outcome.variables)
    return [tuple(row[i] for i in range(width)) for row in outcome.rows]


AWKWARD_QUERY = f"SELECT ?p ?o ?missing WHERE {{ <{EX}s> ?p ?o OPTIONAL {{ ?o <{EX}nothing> ?missing }} }} ORDER BY ?p"


def test_awkward_terms_come_back_term_for_term(store_dir, isolated):
    """Every awkward term, and the unbound variable, crosses the process boundary unchanged."""
    expected = direct(store_dir, AWKWARD_QUERY)
    assert len(expected) == len(AWKWARD)
    got = through_processes(isolated, AWKWARD_QUERY)
    assert got == expected
    assert [row[2] for row in got] == [None] * len(AWKWARD)


def test_awkward_terms_render_like_the_engine_does(store_dir, isolated):
    """The service's SPARQL JSON of the answer equals pyoxigraph's own serialisation of it."""
    json_format = RESULT_FORMATS[0]
    body, count = render(isolated.query(AWKWARD_QUERY), json_format, max_rows=100)
    store = ox.Store.read_only(str(store_dir))
    reference = store.query(AWKWARD_QUERY, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    assert count == len(AWKWARD)
    assert body == reference


def test_many_rows_arrive_in_several_chunks_in_order(store_dir, isolated):
    """An answer bigger than one message arrives whole and in the engine's order."""
    sparql = f"SELECT ?s ?n WHERE {{ ?s <{EX}n> ?n }} ORDER BY ?n"
    got = through_processes(isolated, sparql)
    assert len(got) == MANY
    assert got == direct(store_dir, sparql)


@pytest.mark.parametrize("max_rows", [0, 1, 7, MANY - 1])
def test_query_process_stops_one_row_past_the_cap(isolated, max_rows):
    """With ``max_rows`` the process sends exactly ``max_rows + 1`` rows: enough to see the limit is passed."""
    got = through_processes(isolated, f"SELECT ?s WHERE {{ ?s <{EX}n> ?n }}", max_rows=max_rows)
    assert len(got) == max_rows + 1


def test_answer_at_the_cap_is_complete(isolated):
    """An answer of exactly ``max_rows`` rows is not cut."""
    got = through_processes(isolated, f"SELECT ?s WHERE {{ ?s <{EX}n> ?n }} LIMIT 5", max_rows=5)
    assert len(got) == 5


def test_render_refuses_an_answer_over_the_cap(isolated):
    """The service's renderer sees the extra row and refuses the answer (HTTP 422 upstream)."""
    with pytest.raises(TooManyResults) as raised:
        render(isolated.query(f"SELECT ?s WHERE {{ ?s <{EX}n> ?n }}", max_rows=10), RESULT_FORMATS[0], max_rows=10)
    assert raised.value.limit == 10


def test_the_process_serves_the_next_query_after_a_capped_one(isolated):
    """Stopping at the cap leaves the query process usable: its pool keeps it and it answers again."""
    through_processes(isolated, f"SELECT ?s WHERE {{ ?s <{EX}n> ?n }}", max_rows=2)
    before = set(isolated.pool.pids())
    assert before
    assert len(through_processes(isolated, AWKWARD_QUERY)) == len(AWKWARD)
    assert set(isolated.pool.pids()) & before


def test_open_starts_every_query_process(store_dir):
    """Opening the store starts the pool's processes up front: concurrent clients do not wait for one to start."""
    store = IsolatedStore.open(store_dir, processes=3, default_timeout=60)
    try:
        pids = store.pool.pids()
        assert len(set(pids)) == 3
        assert all(Path(f"/proc/{pid}").exists() for pid in pids)
    finally:
        store.close()
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids), "closing the store leaves query processes running"


def _opened_files(pid: int) -> set[Path]:
    """The files ``pid`` has open."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.add(Path(fd.readlink()))
        except OSError:
            pass
    return found


def test_query_processes_on_disk_are_forked_by_a_holder_that_never_opens_the_store(store_dir):
    """A read-only store's query processes are forked (a fresh interpreter costs a quarter of a second of CPU each, and
    a worker starts one per thread) by a holder that holds no graph: each child opens the on-disk store itself, since
    RocksDB's handle must not cross a fork."""
    store = IsolatedStore.open(store_dir, processes=2, default_timeout=60)
    try:
        holder = store.pool.holder.process.pid
        assert Path(f"/proc/{holder}/cmdline").read_bytes().split(b"\0")[-3:-1] == [b"hold", b"-"]
        tasks = Path(f"/proc/{holder}/task").glob("*/children")
        assert sorted(int(pid) for task in tasks for pid in task.read_text().split()) == sorted(store.pool.pids())
        inside = lambda pid: any(store_dir in path.parents for path in _opened_files(pid))  # noqa: E731
        assert not inside(holder), "the holder opened the store: its RocksDB handle would cross the fork"
        assert all(inside(pid) for pid in store.pool.pids()), "a forked query process did not open the on-disk store"
        assert [row[0].value for row in store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH.value}> {{ ?s ?p ?o }} }}").rows] == [str(len(AWKWARD) + MANY)]
    finally:
        store.close()


def test_open_refuses_a_folder_that_is_not_a_store_and_leaves_no_process(tmp_path):
    """A folder that is not an Oxigraph store is refused with a message saying to rebuild; no query process is left."""
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "CURRENT").write_text("garbage\n")
    with pytest.raises(StoreError, match="rebuild it with `tierslieux build`"):
        IsolatedStore.open(tmp_path / "store", processes=2, default_timeout=60)
    leftovers = [p for p in Path("/proc").glob("[0-9]*") if _runs_on(p, tmp_path / "store")]
    assert leftovers == []


def _runs_on(proc: Path, store: Path) -> bool:
    try:
        return str(store).encode() in (proc / "cmdline").read_bytes()
    except OSError:
        return False


def test_query_processes_end_when_their_parent_is_killed(store_dir):
    """A worker killed outright (SIGKILL: no clean-up runs) leaves no query process behind holding the store."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tierslieux.stores.query_processes import IsolatedStore\n"
        "store = IsolatedStore.open(Path(sys.argv[1]), processes=2)\n"
        "print(' '.join(map(str, store.pool.pids())), flush=True)\n"
        "sys.stdin.read()\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script, str(store_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    children = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(children) == 2
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)], "query processes outlived their parent"


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by init, counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
