"""``/dumps/``: the dump files of the built release, with their media types, caching validators and gzip."""

from __future__ import annotations

import gzip
import http.client
import json
from urllib.parse import urlsplit

import pytest

from tierslieux.service import create_app

EXPECTED_TYPES = {
    "tiers-lieux.trig": "application/trig",
    "tiers-lieux.nq": "application/n-quads",
    "tiers-lieux.ttl": "text/turtle",
    "tiers-lieux.nt": "application/n-triples",
    "tiers-lieux.jsonld": "application/ld+json",
    "tiers-lieux.rdf": "application/rdf+xml",
}


@pytest.fixture
def dumps_client(built, tmp_path):
    """A test client over the built release, with its own cache folder."""
    return create_app({"TESTING": True, "BUILD_DIR": built.root, "CACHE_DIR": tmp_path / "cache"}).test_client()


def manifest(built) -> dict:
    """The release's manifest.json."""
    return json.loads(built.manifest_path.read_text(encoding="utf-8"))


def test_index_lists_every_dump_with_size_and_checksum(dumps_client, built):
    response = dumps_client.get("/dumps/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name, info in manifest(built)["dumps"].items():
        assert f'href="/dumps/{name}"' in html
        assert f'<td class="num">{info["bytes"]}</td>' in html
        assert info["sha256"] in html
    assert set(manifest(built)["dumps"]) == set(EXPECTED_TYPES)
    assert f"{manifest(built)['triples']:,} quads in {len(manifest(built)['graphs'])} named graphs" in html  # not "triples"


def test_the_quads_the_index_counts_are_the_lines_of_the_n_quads_dump(built):
    """Regression: the index called the manifest's count "triples", though the triple dumps hold fewer (their union)."""
    nquads = (built.dumps_dir / "tiers-lieux.nq").read_bytes().count(b"\n")
    ntriples = (built.dumps_dir / "tiers-lieux.nt").read_bytes().count(b"\n")
    assert manifest(built)["triples"] == nquads > ntriples


@pytest.mark.parametrize(("name", "media_type"), sorted(EXPECTED_TYPES.items()))
def test_each_dump_has_its_media_type_etag_and_last_modified(dumps_client, built, name, media_type):
    response = dumps_client.get(f"/dumps/{name}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Content-Encoding" not in response.headers
    assert response.data == (built.dumps_dir / name).read_bytes()
    assert response.headers["ETag"] == f'"{manifest(built)["dumps"][name]["sha256"][:32]}"'
    assert response.headers["Last-Modified"]
    assert "Accept-Encoding" in response.headers["Vary"]


def test_conditional_requests_get_304(dumps_client):
    first = dumps_client.get("/dumps/tiers-lieux.ttl")
    by_etag = dumps_client.get("/dumps/tiers-lieux.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert by_etag.status_code == 304 and by_etag.data == b""
    by_date = dumps_client.get("/dumps/tiers-lieux.ttl", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304
    stale = dumps_client.get("/dumps/tiers-lieux.ttl", headers={"If-None-Match": '"not-the-current-one"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_gzip_when_accepted_and_compressed_once(dumps_client, built, tmp_path):
    response = dumps_client.get("/dumps/tiers-lieux.nt", headers={"Accept-Encoding": "gzip, deflate"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "application/n-triples"
    assert gzip.decompress(response.data) == (built.dumps_dir / "tiers-lieux.nt").read_bytes()
    assert len(response.data) < (built.dumps_dir / "tiers-lieux.nt").stat().st_size
    assert response.headers["ETag"].endswith('-gzip"')
    cached = list((tmp_path / "cache").glob("*/dumps/tiers-lieux.nt.gz"))
    assert len(cached) == 1
    written = cached[0].stat().st_mtime_ns
    again = dumps_client.get("/dumps/tiers-lieux.nt", headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert dumps_client.get("/dumps/tiers-lieux.nt", headers={"Accept-Encoding": "gzip"}).data == response.data
    assert cached[0].stat().st_mtime_ns == written, "the compressed copy was written again"


def test_unknown_or_sneaky_names_are_404(dumps_client):
    response = dumps_client.get("/dumps/tiers-lieux.pdf")
    assert response.status_code == 404
    assert "tiers-lieux.ttl" in response.get_data(as_text=True)  # the message lists the dumps there are
    assert dumps_client.get("/dumps/..%2Fmanifest.json").status_code == 404
    assert dumps_client.get("/dumps/../manifest.json").status_code == 404


def test_no_release_built(tmp_path):
    client = create_app({"TESTING": True, "BUILD_DIR": tmp_path / "empty", "CACHE_DIR": tmp_path / "cache"}).test_client()
    assert "No release has been built yet" in client.get("/dumps/").get_data(as_text=True)
    missing = client.get("/dumps/tiers-lieux.ttl")
    assert missing.status_code == 404
    assert "tierslieux build" in missing.get_data(as_text=True)


@pytest.mark.slow
def test_dumps_over_real_http(live_server, built):
    """Through gunicorn and a plain HTTP client: gzip, validators and 304."""
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request("GET", "/dumps/tiers-lieux.trig", headers={"Accept-Encoding": "gzip"})
    answer = connection.getresponse()
    body = answer.read()
    assert answer.status == 200
    assert answer.getheader("Content-Type") == "application/trig"
    assert answer.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == (built.dumps_dir / "tiers-lieux.trig").read_bytes()
    etag = answer.getheader("ETag")
    connection.request("GET", "/dumps/tiers-lieux.trig", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    revalidated = connection.getresponse()
    revalidated.read()
    assert revalidated.status == 304
    connection.close()
