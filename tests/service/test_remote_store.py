"""An external store: `tierslieux publish` through the Graph Store Protocol, `tierslieux serve --store URL`, several services on one store.

Every store here is a real ``oxigraph serve`` process on loopback; an HTTP
proxy that demands credentials stands for a store that needs them. (The
protocol, format, limit and page tests run on the remote store too: see the
``backend`` and ``live_server`` fixtures in conftest.py.)
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tierslieux.build.builder import build_release
from tierslieux.release import BuildLayout
from tierslieux.service import create_app
from tierslieux.stores.base import StoreError
from tierslieux.stores.remote import Credentials, RemoteStore

from ..ports import free_port
from ..servers import TIERSLIEUX, OxigraphServer, oxigraph_binary, publish, start_oxigraph, start_server, stop_server, wait_until_serving

REPO_ROOT = Path(__file__).resolve().parents[2]
GRAPHS = "https://w3id.org/tiers-lieux/graph/"
PERSON = "https://w3id.org/tiers-lieux/id/person/"
COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
USER, PASSWORD = "publisher", "correct horse battery staple"

pytestmark = pytest.mark.slow  # `oxigraph serve`, `tierslieux publish` and `tierslieux serve` as real processes


@pytest.fixture
def oxigraph(tmp_path) -> Iterator[OxigraphServer]:
    """An empty Oxigraph server of this test's own."""
    server = start_oxigraph(tmp_path / "oxigraph", tmp_path / "oxigraph.log")
    yield server
    stop_server(server.process)


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``tierslieux ARGS`` to completion."""
    return subprocess.run([str(TIERSLIEUX), *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}, check=False)


def sizes(query_url: str) -> dict[str, int]:
    """Triples per named graph, asked of the store directly."""
    request = urllib.request.Request(
        query_url, data=urllib.parse.urlencode({"query": COUNT_PER_GRAPH}).encode(), headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        rows = json.load(response)["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def put_graph(server: OxigraphServer, graph: str, ntriples: str) -> None:
    """PUT a graph into the store directly."""
    request = urllib.request.Request(
        server.gsp_url + "?" + urllib.parse.urlencode({"graph": graph}), data=ntriples.encode(), method="PUT", headers={"Content-Type": "application/n-triples"}
    )
    urllib.request.urlopen(request, timeout=30).close()


def sparql_json(url: str, query: str) -> dict:
    """GET ``query`` from a service's endpoint as SPARQL JSON."""
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


# --- tierslieux publish ---------------------------------------------------------------------------


def test_publish_loads_one_graph_per_source_and_removes_stale_ones(built, oxigraph):
    stale, foreign = GRAPHS + "curated/removed-source", "http://example.org/someone-elses-graph"
    put_graph(oxigraph, stale, "<http://example.org/s> <http://example.org/p> \"old\" .\n")
    put_graph(oxigraph, foreign, "<http://example.org/s> <http://example.org/p> \"theirs\" .\n")
    done = run("publish", "--store", oxigraph.query_url, "--build-dir", str(built.root))
    assert done.returncode == 0, done.stderr
    manifest = built.manifest()
    assert sizes(oxigraph.query_url) == {**manifest["graphs"], foreign: 1}
    for graph, count in manifest["graphs"].items():
        assert f"PUT {count:>9} triples  {graph}" in done.stderr
    assert f"DELETE {stale} (not in this release)" in done.stderr
    assert done.stdout.startswith(f"published {sum(manifest['graphs'].values())} triples in {len(manifest['graphs'])} named graphs to {oxigraph.gsp_url}")
    # Publishing again replaces each graph instead of adding to it.
    put_graph(oxigraph, stale, "<http://example.org/s> <http://example.org/p> \"old\" .\n")
    again = run("publish", "--store", oxigraph.query_url, "--build-dir", str(built.root), "--keep-other-graphs", "--content-type", "text/turtle")
    assert again.returncode == 0, again.stderr
    assert sizes(oxigraph.query_url) == {**manifest["graphs"], foreign: 1, stale: 1}


def test_publish_without_a_release(tmp_path, oxigraph):
    done = run("publish", "--store", oxigraph.query_url, "--build-dir", str(tmp_path / "nothing"))
    assert done.returncode == 3
    assert done.stderr == f"Error: no release in {tmp_path / 'nothing'}: run `tierslieux build` first\n"


def test_publish_to_a_store_that_does_not_answer(built):
    url = f"http://127.0.0.1:{free_port()}/query"
    done = run("publish", "--store", url, "--build-dir", str(built.root))
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: the store at {url} cannot be queried (the store at {url} cannot be reached ("), done.stderr
    assert "Traceback" not in done.stderr


def test_publish_to_a_wrong_graph_store_endpoint(built, oxigraph):
    done = run("publish", "--store", oxigraph.query_url, "--graph-store", oxigraph.base + "/nowhere", "--build-dir", str(built.root))
    assert done.returncode == 1
    assert f"Error: PUT {oxigraph.base}/nowhere?graph={GRAPHS}" in done.stderr
    assert "answered HTTP 404" in done.stderr and "give it with --graph-store" in done.stderr


def test_publish_needs_the_graph_store_endpoint_of_other_layouts(built):
    done = run("publish", "--store", "http://127.0.0.1:3030/ds/sparql", "--build-dir", str(built.root))
    assert done.returncode == 2
    assert "give it with --graph-store" in done.stderr


# --- a store that needs credentials --------------------------------------------------------------


class AuthProxy:
    """A proxy in front of a store that forwards only requests with the right Basic credentials or bearer token (else 401)."""

    def __init__(self, upstream: str, token: str = "a-token"):
        target = urlsplit(upstream)
        expected = {"Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(), f"Bearer {token}"}
        self.refused = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") not in expected:
                    proxy.refused += 1
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                    self.send_header("Content-Length", "13")
                    self.end_headers()
                    self.wfile.write(b"Unauthorized\n")
                    return
                upstream_connection = http.client.HTTPConnection(target.netloc, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                upstream_connection.request(self.command, self.path, body=body, headers=headers)
                answer = upstream_connection.getresponse()
                payload = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                upstream_connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815 - http.server's naming

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        """Stop the proxy."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def guarded(oxigraph) -> Iterator[AuthProxy]:
    """The test's Oxigraph server behind a proxy that demands credentials."""
    proxy = AuthProxy(oxigraph.base)
    yield proxy
    proxy.close()


def test_publish_and_serve_with_credentials(built, oxigraph, guarded, tmp_path):
    query_url = guarded.base + "/query"
    wrong = run("publish", "--store", query_url, "--build-dir", str(built.root), "--user", USER, env={"TIERSLIEUX_STORE_PASSWORD": "wrong"})
    assert wrong.returncode == 1
    assert "HTTP 401" in wrong.stderr and "check the credentials" in wrong.stderr
    done = run("publish", "--store", query_url, "--build-dir", str(built.root), "--user", USER, env={"TIERSLIEUX_STORE_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    assert sizes(oxigraph.query_url) == built.manifest()["graphs"]

    port = free_port()
    refused = run("serve", "--store", query_url, "--port", str(port))
    assert refused.returncode == 3
    assert "HTTP 401" in refused.stderr and "Traceback" not in refused.stderr
    env = {"TIERSLIEUX_STORE_USER": USER, "TIERSLIEUX_STORE_PASSWORD": PASSWORD}
    server = start_server([str(TIERSLIEUX), "serve", "--store", query_url, "--port", str(port), "--workers", "1"], port, tmp_path / "serve.log", env=env)
    try:
        answer = sparql_json(server.endpoint, "ASK { <https://w3id.org/tiers-lieux/ontology#ThirdPlace> ?p ?o }")
        assert answer["boolean"] is True
    finally:
        stop_server(server.process)
    # A bearer token works too.
    store = RemoteStore.open(query_url, credentials=Credentials(token="a-token"))
    assert store.triples_count() == sum(built.manifest()["graphs"].values())


# --- tierslieux serve --store --------------------------------------------------------------------


def test_serve_on_a_store_that_does_not_answer():
    url = f"http://127.0.0.1:{free_port()}/query"
    done = run("serve", "--store", url, "--port", str(free_port()))
    assert done.returncode == 3
    assert done.stderr.startswith(f"Error: the store at {url} cannot be reached ("), done.stderr
    assert "Traceback" not in done.stderr


def test_serve_on_a_store_whose_default_graph_is_not_the_union(built, oxigraph):
    publish(built, oxigraph)
    done = run("serve", "--store", oxigraph.query_url, "--union", "native", "--port", str(free_port()))
    assert done.returncode == 3
    assert f"Error: the store at {oxigraph.query_url} holds named graphs, but a query without a dataset sees none of them with union='native'" in done.stderr
    assert "--union explicit" in done.stderr


@pytest.mark.parametrize("union", ["parameter", "explicit"])
def test_union_default_graph_modes(built, oxigraph_store, union):
    """Both portable ways to see every graph as the default graph give the embedded store's answers, and FROM still works."""
    remote = create_app({"TESTING": True, "BUILD_DIR": built.root, "STORE_URL": oxigraph_store.query_url, "STORE_UNION": union}).test_client()
    embedded = create_app({"TESTING": True, "BUILD_DIR": built.root}).test_client()
    queries = [
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        f"SELECT (COUNT(*) AS ?n) FROM <{GRAPHS}vocabularies> WHERE {{ ?s ?p ?o }}",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPHS}ontology> {{ ?s ?p ?o }} }}",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    ]
    for query in queries:
        expected = embedded.get("/sparql", query_string={"query": query, "format": "tsv"})
        got = remote.get("/sparql", query_string={"query": query, "format": "tsv"})
        assert got.status_code == expected.status_code == 200
        assert got.data == expected.data, query


def test_native_union_on_a_server_that_has_it(built, tmp_path):
    """Oxigraph server started with --union-default-graph: the default graph is the union (but FROM is overridden: docs/operations.md)."""
    port = free_port()
    location = tmp_path / "store"
    process = subprocess.Popen(
        [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = OxigraphServer(f"http://127.0.0.1:{port}", process, location)
    try:
        wait_until_serving(server.query_url + "?query=ASK%7B%7D", process, tmp_path / "none.log")
        publish(built, server)
        store = RemoteStore.open(server.query_url, union="native")
        outcome = store.query("ASK { <https://w3id.org/tiers-lieux/ontology#ThirdPlace> a <http://www.w3.org/2002/07/owl#Class> }")
        assert outcome.boolean is True
    finally:
        stop_server(process)


def test_remote_store_reconnects_after_the_server_restarts(built, tmp_path):
    """A kept-alive connection the server closed is opened again, once, without the caller seeing it."""
    server = start_oxigraph(tmp_path / "store", tmp_path / "first.log")
    publish(built, server)
    store = RemoteStore.open(server.query_url)
    assert store.query("ASK { ?s ?p ?o }").boolean is True
    stop_server(server.process)
    with pytest.raises(StoreError, match="cannot be reached"):
        store.query("ASK { ?s ?p ?o }")
    port = urlsplit(server.base).port
    process = subprocess.Popen(
        [oxigraph_binary(), "serve", "--location", str(tmp_path / "store"), "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_serving(server.query_url + "?query=ASK%7B%7D", process, tmp_path / "none.log")
        assert store.query("ASK { ?s ?p ?o }").boolean is True
        assert store.query("ASK { ?s ?p ?o }").boolean is True  # on the kept-alive connection
    finally:
        stop_server(process)


# --- two services, one store -----------------------------------------------------------------------


def test_two_services_in_front_of_one_store(tmp_path, oxigraph):
    """Both answer from the same store; a new publication and an update through one service are seen by both."""
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data" / "curated", data / "curated")
    root = tmp_path / "build"
    build_release(root, validate=False, data_dir=data)
    assert run("publish", "--store", oxigraph.query_url, "--build-dir", str(root)).returncode == 0

    token = "two-services-token"
    servers = []
    try:
        for name, env in (("a", {"TIERSLIEUX_UPDATE_TOKEN": token}), ("b", {"TIERSLIEUX_UPDATE_TOKEN": ""})):
            port = free_port()
            command = [str(TIERSLIEUX), "serve", "--store", oxigraph.query_url, "--port", str(port), "--workers", "2", "--build-dir", str(root)]
            servers.append(start_server(command, port, tmp_path / f"serve-{name}.log", env=env))
        a, b = servers
        total = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

        def counts() -> set[int]:
            return {int(sparql_json(s.endpoint, total)["results"]["bindings"][0]["n"]["value"]) for s in servers}

        assert counts() == {sum(BuildLayout(root).manifest()["graphs"].values())}

        (data / "curated" / "zz-new.ttl").write_text(
            f'<{PERSON}published-later> <http://www.w3.org/2000/01/rdf-schema#label> "Published later"@en .\n', encoding="utf-8"
        )
        build_release(root, validate=False, data_dir=data)
        published = run("publish", "--store", oxigraph.query_url, "--build-dir", str(root))
        assert published.returncode == 0, published.stderr
        for server in servers:
            assert sparql_json(server.endpoint, f"ASK {{ <{PERSON}published-later> ?p ?o }}")["boolean"] is True
        assert counts() == {sum(BuildLayout(root).manifest()["graphs"].values())}

        update = f'INSERT DATA {{ GRAPH <{GRAPHS}curated/updates> {{ <{PERSON}updated> <http://www.w3.org/2000/01/rdf-schema#label> "Updated"@en }} }}'
        request = urllib.request.Request(
            a.endpoint, data=update.encode(), headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 204
        assert sparql_json(b.endpoint, f"ASK {{ <{PERSON}updated> ?p ?o }}")["boolean"] is True
        with pytest.raises(urllib.error.HTTPError) as read_only:
            urllib.request.urlopen(urllib.request.Request(b.endpoint, data=update.encode(), headers={"Content-Type": "application/sparql-update"}))
        assert read_only.value.code == 403
    finally:
        for server in servers:
            stop_server(server.process)


def test_an_answer_left_unread_does_not_disturb_the_next_query(oxigraph_store):
    store = RemoteStore.open(oxigraph_store.query_url)
    unread = store.query("SELECT * WHERE { ?s ?p ?o }")
    next(unread.rows)
    assert store.query("ASK { ?s ?p ?o }").boolean is True  # on a second connection: the first is busy
    del unread  # closes its connection
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(next(count.rows)[0].value) == store.triples_count()
