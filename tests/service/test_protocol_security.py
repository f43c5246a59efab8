"""Read-only by default: updates need a token, LOAD and file: never pass, SERVICE only reaches the allow-list.

A real HTTP endpoint on a loopback port records every connection it gets: the
refusal tests assert that it got none, and a positive control with the same
endpoint on the allow-list shows that it would have been called.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.both_backends

FORM = "application/x-www-form-urlencoded"
UPDATE = "application/sparql-update"
TOKEN = "s3cret-token-for-tests"
REMOTE_ANSWER = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "from the remote endpoint"}}]}}


class RecordingEndpoint:
    """A tiny SPARQL endpoint on 127.0.0.1 that answers every query with one row and records each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        self.connections = 0
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.requests.append(("POST", self.path, body))
                self._answer()

            def do_GET(self) -> None:  # noqa: N802
                recorder.requests.append(("GET", self.path, b""))
                self._answer()

            def _answer(self) -> None:
                payload = json.dumps(REMOTE_ANSWER).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        class CountingServer(ThreadingHTTPServer):
            def verify_request(self, request, client_address) -> bool:
                recorder.connections += 1
                return True

        self.server = CountingServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def remote():
    """A recording endpoint, stopped after the test."""
    endpoint = RecordingEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture
def writable(make_client, memory_store):
    """A client of a service started with an update token, over a writable in-memory store."""
    return make_client(STORE=memory_store, UPDATE_TOKEN=TOKEN)


def bearer(token: str = TOKEN) -> dict:
    """The Authorization header presenting ``token``."""
    return {"Authorization": f"Bearer {token}"}


def text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


# --- updates -------------------------------------------------------------------------


def test_bad_update_get(client):
    response = client.get("/sparql", query_string={"update": "CLEAR ALL"})
    assert response.status_code == 400
    assert "SPARQL Update must be sent with POST" in text(response)


@pytest.mark.parametrize("how", ["form", "direct"])
def test_update_refused_on_read_only_service(client, how):
    if how == "form":
        response = client.post("/sparql", data={"update": "CLEAR ALL"}, content_type=FORM, headers=bearer())
    else:
        response = client.post("/sparql", data=b"CLEAR ALL", content_type=UPDATE, headers=bearer())
    assert response.status_code == 403
    assert "read-only" in text(response)
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).json["boolean"] is True


@pytest.mark.parametrize("headers", [{}, bearer("wrong"), bearer(TOKEN + "x"), {"Authorization": f"Basic {TOKEN}"}], ids=["none", "wrong", "longer", "basic"])
def test_update_needs_the_token(writable, headers):
    response = writable.post("/sparql", data=b"INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }", content_type=UPDATE, headers=headers)
    assert response.status_code == 403
    assert "needs a valid update token" in text(response)
    assert writable.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).json["boolean"] is False


def test_update_post_direct(writable):
    response = writable.post(
        "/sparql",
        data=b"INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 1 } }",
        content_type=UPDATE,
        headers=bearer(),
    )
    assert response.status_code == 204
    answer = writable.get("/sparql", query_string={"query": "ASK { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 1 } }"})
    assert answer.json["boolean"] is True


def test_update_post_form(writable):
    response = writable.post("/sparql", data={"update": "INSERT DATA { <http://example.org/s> <http://example.org/p> 2 }"}, content_type=FORM, headers=bearer())
    assert response.status_code == 204
    assert writable.get("/sparql", query_string={"query": "ASK { ?s ?p 2 }"}).json["boolean"] is True


def test_update_invalidates_cached_statistics(writable):
    before = writable.get("/.well-known/void", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    assert '<http://rdfs.org/ns/void#triples> "0"' in before
    writable.post("/sparql", data=b"INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 1 } }", content_type=UPDATE, headers=bearer())
    after = writable.get("/.well-known/void", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    assert '<http://rdfs.org/ns/void#triples> "1"' in after


def test_bad_multiple_updates(writable):
    response = writable.post("/sparql", data="update=CLEAR%20ALL&update=CLEAR%20DEFAULT", content_type=FORM, headers=bearer())
    assert response.status_code == 400
    assert "2 `update` parameters" in text(response)


def test_bad_update_wrong_media_type(writable):
    response = writable.post("/sparql", data=b"CLEAR NAMED", content_type="text/plain", headers=bearer())
    assert response.status_code == 415


def test_bad_update_missing_form_type(writable):
    response = writable.post("/sparql", data=b"update=CLEAR%20NAMED", headers=bearer())
    assert response.status_code == 400
    assert "no Content-Type" in text(response)


def test_bad_update_non_utf8(writable):
    response = writable.post("/sparql", data="CLEAR NAMED".encode("utf-16"), content_type="application/sparql-update; charset=UTF-16", headers=bearer())
    assert response.status_code == 415


def test_bad_update_syntax(writable):
    response = writable.post("/sparql", data={"update": "CLEAR XYZ"}, content_type=FORM, headers=bearer())
    assert response.status_code == 400
    assert text(response).startswith("SPARQL syntax error: error at 1:")


def test_bad_update_dataset_conflict(writable):
    update = "WITH <http://example/addresses> DELETE { ?p <http://xmlns.com/foaf/0.1/givenName> 'Bill' } WHERE { ?p <http://xmlns.com/foaf/0.1/givenName> 'Bill' }"
    response = writable.post("/sparql", data={"using-named-graph-uri": "http://example/people", "update": update}, content_type=FORM, headers=bearer())
    assert response.status_code == 400
    assert "using-named-graph-uri are not supported" in text(response)


# --- LOAD and file: ----------------------------------------------------------------------


def test_load_refused_even_with_token(writable, remote):
    response = writable.post("/sparql", data=f"LOAD <{remote.url}> INTO GRAPH <http://example.org/g>".encode(), content_type=UPDATE, headers=bearer())
    assert response.status_code == 403
    assert "LOAD is not allowed" in text(response)
    assert remote.connections == 0


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <file:///etc/passwd> <http://example.org/p> 1 }",
        "PREFIX f: <file:///etc/> INSERT DATA { f:passwd <http://example.org/p> 1 }",
        "BASE <file:///etc/> INSERT DATA { <passwd> <http://example.org/p> 1 }",
        "INSERT DATA { <\\u0066ile:///etc/passwd> <http://example.org/p> 1 }",
    ],
    ids=["iri", "prefixed", "relative", "escaped"],
)
def test_file_iri_refused_even_with_token(writable, update):
    response = writable.post("/sparql", data=update.encode(), content_type=UPDATE, headers=bearer())
    assert response.status_code == 403
    assert "file: IRIs are not allowed (<file:///etc/" in text(response)


def test_file_iri_refused_in_queries(client):
    response = client.get("/sparql", query_string={"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"})
    assert response.status_code == 403
    assert "file: IRIs are not allowed (<file:///etc/passwd>)" in text(response)


def test_file_iri_refused_as_protocol_dataset(client):
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"})
    assert response.status_code == 403
    assert "file: IRIs are not allowed" in text(response)


# --- SERVICE -------------------------------------------------------------------------------


def service_queries(url: str) -> dict[str, str]:
    """Ways of writing a SERVICE call to ``url``."""
    base, _, last = url.rpartition("/")
    return {
        "iri": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "silent": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "lowercase": f"select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
        "prefixed": f"PREFIX r: <{base}/> SELECT * WHERE {{ SERVICE r:{last} {{ ?s ?p ?o }} }}",
        "relative": f"BASE <{base}/> SELECT * WHERE {{ SERVICE <{last}> {{ ?s ?p ?o }} }}",
        "nested": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }} }}",
        "escaped": "SELECT * WHERE { SERVICE <" + url.replace("h", "\\u0068", 1) + "> { ?s ?p ?o } }",
        "no-space": f"SELECT*WHERE{{SERVICE<{url}>{{?s ?p ?o}}}}",
    }


@pytest.mark.parametrize("form", list(service_queries("http://x/y")))
def test_service_refused_before_any_connection(make_client, remote, form):
    client = make_client(SERVICE_ALLOWLIST=[])
    response = client.get("/sparql", query_string={"query": service_queries(remote.url)[form]})
    assert response.status_code == 403
    assert f"SERVICE <{remote.url}> is not allowed: this service may only call these endpoints: none." in text(response)
    assert remote.connections == 0 and remote.requests == []


def test_service_refused_with_the_default_allowlist(client, remote):
    """Whatever the default allow-list holds (Wikidata, for federated joins), a local endpoint is not on it."""
    response = client.get("/sparql", query_string={"query": service_queries(remote.url)["iri"]})
    assert response.status_code == 403
    assert f"SERVICE <{remote.url}> is not allowed: this service may only call these endpoints: " in text(response)
    assert remote.connections == 0


def test_service_with_variable_target_refused(make_client, remote):
    client = make_client(SERVICE_ALLOWLIST=[remote.url])
    query = f"SELECT * WHERE {{ VALUES ?endpoint {{ <{remote.url}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert "SERVICE with a variable endpoint is not allowed" in text(response)
    assert remote.connections == 0


def test_service_on_allowlist_is_called(make_client, remote):
    """The positive control: the same endpoint, allowed, is really called (so the refusals above are meaningful)."""
    client = make_client(SERVICE_ALLOWLIST=[remote.url])
    response = client.get("/sparql", query_string={"query": f"SELECT ?x WHERE {{ SERVICE <{remote.url}> {{ ?x ?p ?o }} }}"})
    assert response.status_code == 200, text(response)
    assert response.json["results"]["bindings"] == REMOTE_ANSWER["results"]["bindings"]
    assert remote.connections >= 1
    assert remote.requests[0][0] == "POST"


def test_service_off_allowlist_refused_next_to_an_allowed_one(make_client, remote):
    client = make_client(SERVICE_ALLOWLIST=[remote.url])
    query = f"SELECT * WHERE {{ SERVICE <{remote.url}> {{ ?s ?p ?o }} SERVICE <http://127.0.0.1:9/other> {{ ?a ?b ?c }} }}"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert f"SERVICE <http://127.0.0.1:9/other> is not allowed: this service may only call these endpoints: {remote.url}." in text(response)
    assert remote.connections == 0


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p ?o FILTER(?o = "SERVICE <http://127.0.0.1:9/x> { }") } LIMIT 1',
        "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # SERVICE <http://127.0.0.1:9/x> { }",
        "PREFIX tl: <https://w3id.org/tiers-lieux/ontology#> SELECT ?service WHERE { ?service a tl:Service } LIMIT 1",
    ],
    ids=["in-string", "in-comment", "as-name"],
)
def test_service_word_outside_the_keyword_is_fine(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, text(response)


def test_service_refused_in_updates(writable, remote):
    update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{remote.url}> {{ ?s ?p ?o }} }}"
    response = writable.post("/sparql", data=update.encode(), content_type=UPDATE, headers=bearer())
    assert response.status_code == 403
    assert f"SERVICE <{remote.url}> is not allowed" in text(response)
    assert remote.connections == 0


def test_service_hidden_from_the_lexer_is_still_refused(client, remote):
    """`<?b)#x>` reads as an IRI to a lexer but as `<` then a comment to the engine; the parser's reading catches it."""
    query = f"SELECT * WHERE {{ ?a ?b ?c FILTER(?a<?b)#x>'''\n SERVICE <{remote.url}> {{ ?s ?p ?o }}\n #'''\n}}"
    response = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 403
    assert f"SERVICE <{remote.url}> is not allowed" in text(response)
    assert remote.connections == 0


def test_service_text_that_cannot_be_checked_is_refused(make_client, remote):
    """Fail closed: a text mentioning SERVICE that the checking parser cannot read never reaches the engine."""
    client = make_client(SERVICE_ALLOWLIST=[remote.url])
    query = f"SELECT * WHERE {{ SERVICE <{remote.url}> {{ ?s ?p ?o }} ?s ?p }}"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert text(response).startswith("SPARQL syntax error (this text mentions SERVICE, LOAD, file: or a \\u escape")
    assert "(line:1, col:" in text(response)
    assert remote.connections == 0


def test_head_is_answered_like_get(client):
    response = client.head("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
