"""Publishing a built release to an external store through the SPARQL 1.1 Graph Store HTTP Protocol.

Each named graph of the release (one per source) is written to a temporary
N-Triples file from the release's own Oxigraph store and sent with
``PUT <graph-store>?graph=<IRI>``, which replaces that graph as a whole.
Graphs of this project (under ``…/graph/``) that the store holds but the
release does not are deleted. Then the store is asked how many triples each
graph holds, and the counts must equal the release's manifest.

A publication is not one transaction: while it runs, a reader may see some
graphs already replaced and others not yet (see docs/operations.md).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import requests

from ..release import BuildLayout, Release
from .base import QueryFailed, QuerySyntaxError, QueryTimeout, StoreError
from .remote import Credentials, RemoteStore

#: Graphs of this project: those a publication may delete when the release no longer has them.
PROJECT_GRAPHS = "https://w3id.org/tiers-lieux/graph/"
CONTENT_TYPES = ("application/n-triples", "text/turtle")


class PublishError(Exception):
    """The release could not be published (the message names the graph, the URL and the store's answer)."""


@dataclass
class Published:
    """What a publication did."""

    graphs: dict[str, int]
    deleted: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _release(build_dir: Path) -> Release:
    current = BuildLayout(Path(build_dir)).current_release
    if not current.store_dir.is_dir() or not current.manifest_path.is_file():
        raise PublishError(f"no release in {build_dir}: run `tierslieux build` first")
    return current.resolved()


class GraphStoreClient:
    """The Graph Store Protocol operations a publication needs (PUT and DELETE of a named graph)."""

    def __init__(self, url: str, credentials: Credentials | None = None, *, digest: bool = False, timeout: float = 600.0):
        self.url = url
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "tierslieux-publish"
        credentials = credentials or Credentials()
        if credentials.token:
            self.session.headers["Authorization"] = f"Bearer {credentials.token}"
        elif credentials.user is not None:
            auth_class = requests.auth.HTTPDigestAuth if digest else requests.auth.HTTPBasicAuth
            self.session.auth = auth_class(credentials.user, credentials.password or "")
        self.timeout = timeout

    def _check(self, response: requests.Response, action: str, graph: str) -> None:
        if response.status_code in (200, 201, 204) or (action == "DELETE" and response.status_code == 404):
            return
        detail = " ".join(response.text.split())[:500] or response.reason
        hint = ""
        if response.status_code in (401, 403):
            hint = " (check --user/TIERSLIEUX_STORE_PASSWORD, --digest or TIERSLIEUX_STORE_TOKEN)"
        elif response.status_code in (404, 405):
            hint = " (is this the store's Graph Store Protocol endpoint? give it with --graph-store)"
        raise PublishError(f"{action} {self.url}?graph={graph} answered HTTP {response.status_code}: {detail}{hint}")

    def put(self, graph: str, path: Path, content_type: str) -> None:
        """Replace ``graph`` with the triples of the file at ``path``."""
        with path.open("rb") as body:
            try:
                response = self.session.put(
                    self.url, params={"graph": graph}, data=body, headers={"Content-Type": content_type}, timeout=self.timeout
                )
            except requests.RequestException as error:
                raise PublishError(f"PUT {self.url}?graph={graph} failed: {error}") from None
        self._check(response, "PUT", graph)

    def delete(self, graph: str) -> None:
        """Delete ``graph`` (a graph already absent is fine)."""
        try:
            response = self.session.delete(self.url, params={"graph": graph}, timeout=self.timeout)
        except requests.RequestException as error:
            raise PublishError(f"DELETE {self.url}?graph={graph} failed: {error}") from None
        self._check(response, "DELETE", graph)


def _graph_sizes(store: RemoteStore) -> dict[str, int]:
    try:
        outcome = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", union_default_graph=False)
        return {row[0].value: int(row[1].value) for row in outcome.rows if isinstance(row[0], ox.NamedNode)}
    except (StoreError, QueryFailed, QuerySyntaxError, QueryTimeout) as error:
        raise PublishError(f"the store at {store.query_url} cannot be queried ({error or 'no answer in time'})") from None


def publish_release(
    build_dir: Path,
    store: RemoteStore,
    graph_store: GraphStoreClient,
    *,
    content_type: str = "application/n-triples",
    prune: bool = True,
    progress: Callable[[str], None] = lambda message: None,
) -> Published:
    """Publish the current release of ``build_dir`` to the store (see the module docstring); raise :class:`PublishError`."""
    started = time.perf_counter()
    release = _release(build_dir)
    expected: dict[str, int] = (release.manifest() or {})["graphs"]
    before = _graph_sizes(store)
    source = ox.Store.read_only(str(release.store_dir))
    with tempfile.TemporaryDirectory(prefix="tierslieux-publish-") as scratch:
        for graph, count in expected.items():
            path = Path(scratch) / "graph.nt"
            source.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
            graph_store.put(graph, path, content_type)
            progress(f"PUT {count:>9} triples  {graph}")
    deleted = []
    if prune:
        for graph in sorted(set(before) - set(expected)):
            if graph.startswith(PROJECT_GRAPHS):
                graph_store.delete(graph)
                deleted.append(graph)
                progress(f"DELETE {graph} (not in this release)")
    after = _graph_sizes(store)
    wrong = {g: (n, after.get(g, 0)) for g, n in expected.items() if after.get(g, 0) != n}
    if wrong:
        lines = ", ".join(f"{g}: {n} expected, {got} in the store" for g, (n, got) in sorted(wrong.items()))
        raise PublishError(f"the store does not hold what was published: {lines}")
    return Published(graphs=dict(expected), deleted=deleted, seconds=time.perf_counter() - started)
