"""The places API (/api/places…): filters, paging, formats, ETag, CORS, OpenAPI; answers checked against the store itself."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from openapi_spec_validator import validate

from tierslieux.namespaces import sparql_prologue
from tierslieux.service import create_app
from tierslieux.stores.base import QueryBusy, QueryFailed, QueryOutOfMemory, QueryTimeout
from tierslieux.stores.embedded import EmbeddedStore

from .failing_store import FailingStore


@pytest.fixture(scope="module")
def store(built):
    """The built store, read directly, to count what the API should answer."""
    opened = EmbeddedStore.open(built.store_dir, read_only=True)
    yield opened
    opened.close()


def count(store, where: str) -> int:
    """The number of distinct places matching ``where`` (asked of the store, not of the API)."""
    outcome = store.query(sparql_prologue() + f"SELECT (COUNT(DISTINCT ?place) AS ?n) WHERE {{ ?place a tl:ThirdPlace . {where} }}")
    return int(next(outcome.rows)["n"].value)


def check_rfc7946(document: dict) -> None:
    """RFC 7946 rules the API must keep: a FeatureCollection of Features, Points as [longitude, latitude] in range."""
    assert document["type"] == "FeatureCollection"
    assert isinstance(document["features"], list)
    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        if geometry is None:
            continue
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_every_place_is_counted(client, store):
    answer = client.get("/api/places?limit=3")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["total"] == count(store, "") == int(answer.headers["X-Total-Count"])
    assert body["returned"] == 3 and len(body["places"]) == 3
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert 'rel="next"' in answer.headers["Link"]


def test_filters_agree_with_sparql(client, store):
    fablabs_84 = count(store, "?place tl:placeKind <https://w3id.org/tiers-lieux/vocab/place-kind/fablab> . ?place tl:locality/tl:department/tl:region <https://w3id.org/tiers-lieux/id/region/84> .")
    body = client.get("/api/places?kind=fablab&region=84&limit=1000").get_json()
    assert body["total"] == fablabs_84 > 0
    assert all(any(k["code"] == "fablab" for k in p["kinds"]) and p["region"]["code"] == "84" for p in body["places"])
    either = client.get("/api/places?kind=fablab&kind=coworking&limit=1").get_json()["total"]
    assert either == count(store, "VALUES ?k { <https://w3id.org/tiers-lieux/vocab/place-kind/fablab> <https://w3id.org/tiers-lieux/vocab/place-kind/coworking> } ?place tl:placeKind ?k .")


def test_text_search_finds_names_and_communes(client):
    by_name = client.get("/api/places?q=coroutine").get_json()
    assert [p["slug"] for p in by_name["places"]] == ["la-coroutine"]
    by_commune = client.get("/api/places?q=Cadillac").get_json()
    assert by_commune["total"] >= 1 and all(p["commune"]["label"] == "Cadillac" for p in by_commune["places"])


def test_bbox_keeps_places_inside(client):
    paris = client.get("/api/places?bbox=2.2,48.8,2.5,48.95&format=geojson&limit=100000").get_json()
    check_rfc7946(paris)
    assert paris["numberMatched"] > 100
    for feature in paris["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 2.2 <= lon <= 2.5 and 48.8 <= lat <= 48.95


def test_pages_follow_each_other_without_overlap(client):
    first = client.get("/api/places?kind=fablab&limit=50").get_json()
    second = client.get("/api/places?kind=fablab&limit=50&offset=50").get_json()
    ids = [p["id"] for p in first["places"] + second["places"]]
    assert len(ids) == len(set(ids)) == 100


def test_geojson_is_rfc7946_with_longitude_first(client):
    answer = client.get("/api/places?q=coroutine", headers={"Accept": "application/geo+json"})
    assert answer.headers["Content-Type"] == "application/geo+json"
    document = answer.get_json(force=True)
    check_rfc7946(document)
    assert document["features"][0]["geometry"]["coordinates"] == [3.049036, 50.619923]  # Lille: longitude 3, latitude 50


def test_csv_has_filled_columns(client):
    answer = client.get("/api/places?q=coroutine&format=csv")
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert row["commune"] == "Lille" and row["insee"] == "59350" and row["department"] == "Nord" and row["region"] == "Hauts-de-France"
    assert "coworking" in row["kinds"].split(" | ")


def test_jsonld_reads_back_as_rdf(client):
    answer = client.get("/api/places?q=coroutine", headers={"Accept": "application/ld+json"})
    assert answer.headers["Content-Type"] == "application/ld+json"
    triples = list(ox.parse(answer.get_data(), format=ox.RdfFormat.JSON_LD))
    place = ox.NamedNode("https://w3id.org/tiers-lieux/id/place/la-coroutine")
    kinds = {t.object.value for t in triples if t.subject == place and t.predicate.value.endswith("#placeKind")}
    assert "https://w3id.org/tiers-lieux/vocab/place-kind/coworking" in kinds


def test_one_place_and_an_unknown_one(client):
    place = client.get("/api/places/la-coroutine").get_json()
    assert place["name"] == "La Coroutine" and place["region"]["code"] == "32"
    feature = client.get("/api/places/la-coroutine?format=geojson").get_json(force=True)
    assert feature["type"] == "Feature" and feature["geometry"]["coordinates"][0] == pytest.approx(3.049036)
    missing = client.get("/api/places/no-such-place")
    assert missing.status_code == 404 and "no-such-place" in missing.get_json()["error"]


def test_facets_count_what_the_filters_keep(client, store):
    body = client.get("/api/places/facets?region=84").get_json()
    assert body["total"] == client.get("/api/places?region=84&limit=1").get_json()["total"]
    kinds = {v["code"]: v["count"] for f in body["facets"] if f["name"] == "kind" for v in f["values"]}
    assert kinds["fablab"] == client.get("/api/places?region=84&kind=fablab&limit=1").get_json()["total"]
    assert kinds["coworking"] == count(store, "?place tl:placeKind <https://w3id.org/tiers-lieux/vocab/place-kind/coworking> ; tl:locality/tl:department/tl:region <https://w3id.org/tiers-lieux/id/region/84> .")


@pytest.mark.parametrize(
    "query, named",
    [("kind=a%20b", "kind"), ("bbox=1,2,3", "bbox"), ("limit=0", "limit"), ("offset=x", "offset"), ("format=pdf", "format"), ("lang=de", "lang")],
)
def test_bad_parameters_are_named(client, query, named):
    answer = client.get(f"/api/places?{query}")
    assert answer.status_code in (400, 406)
    assert named in answer.get_json()["error"]


def test_etag_answers_304_and_changes_with_the_request(client):
    first = client.get("/api/places?kind=fablab&limit=5")
    etag = first.headers["ETag"]
    again = client.get("/api/places?kind=fablab&limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    other = client.get("/api/places?kind=coworking&limit=5", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_openapi_document_is_valid(client):
    document = client.get("/api/openapi.json").get_json()
    validate(document)
    assert {"/api/places", "/api/places/{slug}", "/api/places/facets"} <= set(document["paths"])


def test_a_long_page_has_every_field_of_every_place(client):
    """Fields are read a few hundred places per query: the places after the first chunk have theirs too."""
    body = client.get("/api/places?limit=1200").get_json()
    assert body["returned"] == 1200
    assert all(p["sources"] for p in body["places"]), "a place of the page lost its fields"
    assert sum(1 for p in body["places"][600:] if p["region"]) > 500


def test_a_slug_that_is_no_iri_is_not_found(client):
    answer = client.get("/api/places/a%20b")
    assert answer.status_code == 404 and "a b" in answer.get_json()["error"]


def test_a_disputed_value_is_the_published_one_not_any_sources(client, built):
    # La Ruche's website: the census says http://la-ruche.net/, the curated seed http://www.la-ruche.net, and
    # curated data wins (docs/merging.md). The API once showed the census's, read from the union of the sources.
    quads = [q for q in ox.parse(path=str(built.dumps_dir / "tiers-lieux.nq"), format=ox.RdfFormat.N_QUADS)
             if q.subject.value.endswith("/place/la-ruche") and q.predicate.value.endswith("#website")]
    assert {q.object.value for q in quads} == {"http://la-ruche.net/", "http://www.la-ruche.net"}  # the dispute is there
    assert client.get("/api/places/la-ruche").get_json()["website"] == "http://www.la-ruche.net"
    listed = client.get("/api/places?q=La%20Ruche&fields=all&limit=100").get_json()["places"]
    assert next(p for p in listed if p["slug"] == "la-ruche")["website"] == "http://www.la-ruche.net"


@pytest.mark.parametrize(
    ("error", "status", "retry_after"),
    [
        (QueryBusy(2.0, 2), 503, "10"),  # was an uncaught exception: 500 (found on 100,000 places on disk)
        (QueryOutOfMemory(2048), 503, "10"),
        (QueryTimeout(), 503, "60"),
        (QueryFailed("boom"), 500, None),
    ],
)
def test_a_query_the_store_stops_gets_the_service_s_status_as_json(error, status, retry_after):
    app = create_app({"TESTING": True, "STORE": FailingStore(error)})
    for path in ("/api/places?limit=3", "/api/places/facets", "/api/places/la-coroutine"):
        answer = app.test_client().get(path)
        assert answer.status_code == status, (path, answer.get_data(as_text=True))
        assert answer.headers.get("Retry-After") == retry_after
        assert answer.get_json()["error"].startswith("The places query")
