"""The reconciliation service (/reconcile): every answer valid against the W3C JSON Schemas of 0.2 and the 1.0
draft, OpenRefine's requests replayed over HTTP on a real server, and the quality of its answers on degraded
census rows kept as thresholds (docs/reconciliation.md)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tierslieux.matching.degrade import degrade
from tierslieux.service import create_app
from tierslieux.service.reconcile_data import catalogue_for

SPECS = Path("/work/shared/specs/reconciliation")
if not SPECS.is_dir():
    SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs" / "reconciliation"
VERSIONS = ("0.2", "1.0-draft")


def _registry(version: str) -> Registry:
    resources = []
    for path in sorted((SPECS / version / "schemas").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(schema, default_specification=DRAFT7)
        resources.append((schema.get("$id", path.name), resource))
        base = schema.get("$id", "").rsplit("/", 1)[0]
        resources.append((path.name, resource))
        if base:
            resources.append((f"{base}/{path.name}", resource))
    return Registry().with_resources(resources)


def validator(version: str, name: str) -> jsonschema.Validator:
    """The validator of schema ``name`` of ``version`` (its $refs resolved among the version's schemas)."""
    schema = json.loads((SPECS / version / "schemas" / f"{name}.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema, registry=_registry(version), format_checker=cls.FORMAT_CHECKER)


def assert_valid(version: str, name: str, document) -> None:
    """Fail with every schema error of ``document``."""
    errors = sorted(validator(version, name).iter_errors(document), key=str)
    assert not errors, f"{version} {name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.mark.parametrize("version", VERSIONS)
def test_the_schemas_accept_their_valid_examples_and_refuse_their_invalid_ones(version):
    checked = {"valid": 0, "invalid": 0}
    for folder in sorted((SPECS / version / "examples").iterdir()):
        if not (SPECS / version / "schemas" / f"{folder.name}.json").exists():
            continue  # an example of a part of another schema (metadata inside the manifest)
        check = validator(version, folder.name)
        for verdict in ("valid", "invalid"):
            for example in sorted((folder / verdict).glob("*.json")):
                document = json.loads(example.read_text(encoding="utf-8"))
                assert check.is_valid(document) == (verdict == "valid"), f"{example} should be {verdict}"
                checked[verdict] += 1
    assert checked["valid"] >= 15 and checked["invalid"] >= 5, checked


@pytest.fixture(scope="module")
def app(built):
    return create_app({"TESTING": True, "BUILD_DIR": built.root, "QUERY_PROCESSES": 0})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def test_manifests(client):
    manifest = client.get("/reconcile").get_json()
    assert_valid("0.2", "manifest", manifest)
    assert manifest["identifierSpace"] == "https://w3id.org/tiers-lieux/id/place/"
    assert manifest["preview"]["url"].endswith("/reconcile/preview?id={{id}}")
    assert_valid("1.0-draft", "manifest", client.get("/reconcile/v1").get_json())


def _batch(client, queries, method="post"):
    if method == "post":
        response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    else:
        response = client.get("/reconcile?" + urllib.parse.urlencode({"queries": json.dumps(queries)}))
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert_valid("0.2", "reconciliation-result-batch", answer)
    return answer


def test_a_batch_by_get_and_by_post_with_conditions_types_and_limits(client):
    queries = {
        "q0": {"query": "la coroutine", "properties": [{"pid": "commune", "v": "Lille"}]},
        "q1": {"query": "MUTUALAB", "type": "FabLab", "limit": 2, "properties": [{"pid": "commune", "v": "59350"}]},
        "q2": {"query": "La Cordée", "properties": [{"pid": "commune", "v": "Lyon"}]},
        "q3": {"query": "Cowork'in Grenoble", "properties": [{"pid": "coordinates", "v": "45.18532,5.731603"}]},
    }
    answer = _batch(client, queries)
    assert answer == _batch(client, queries, "get")
    first = {key: value["result"][0] for key, value in answer.items()}
    assert first["q0"]["id"] == "la-coroutine" and first["q0"]["match"] is True
    assert first["q1"]["id"] == "mutualab" and len(answer["q1"]["result"]) <= 2
    assert all(any(t["id"] == "FabLab" for t in c["type"]) for c in answer["q1"]["result"])
    # Two places named La Cordée in Lyon: both proposed, neither matched automatically.
    assert not any(c["match"] for c in answer["q2"]["result"])
    assert {c["id"] for c in answer["q2"]["result"][:2]} == {"la-cordee", "la-cordee-lyon"}
    assert first["q3"]["id"] == "cowork-in-grenoble"
    assert {f["id"] for f in first["q3"]["features"]} >= {"name", "distance_km"}


def test_website_contradiction_prevents_a_match(client):
    same = _batch(client, {"q": {"query": "La Coroutine", "properties": [
        {"pid": "commune", "v": "Lille"}, {"pid": "website", "v": "https://lacoroutine.org/"}]}})["q"]["result"][0]
    other = _batch(client, {"q": {"query": "La Coroutine", "properties": [
        {"pid": "commune", "v": "Lille"}, {"pid": "website", "v": "https://another-place.example/"}]}})["q"]["result"][0]
    assert same["match"] is True and other["match"] is False and other["score"] < same["score"]


def test_bad_requests_say_why(client):
    response = client.post("/reconcile", data={"queries": "{not json"})
    assert response.status_code == 400 and "not JSON" in response.get_json()["error"]
    response = client.post("/reconcile", data={"queries": json.dumps({"q": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}})})
    assert response.status_code == 400 and "unknown property 'colour'" in response.get_json()["error"]
    assert client.get("/reconcile/preview?id=no-such-place").status_code == 404


def test_suggest_preview_and_flyout(client):
    entities = client.get("/reconcile/suggest/entity?prefix=corou").get_json()
    assert_valid("0.2", "suggest-entities-response", entities)
    assert_valid("1.0-draft", "suggest-entities-response", client.get("/reconcile/v1/suggest/entity?prefix=corou").get_json())
    assert "la-coroutine" in [e["id"] for e in entities["result"]]
    types = client.get("/reconcile/suggest/type?prefix=fab").get_json()
    assert_valid("0.2", "suggest-types-response", types)
    assert [t["id"] for t in types["result"]] == ["FabLab"]
    properties = client.get("/reconcile/suggest/property?prefix=web").get_json()
    assert_valid("0.2", "suggest-properties-response", properties)
    assert_valid("1.0-draft", "suggest-properties-response", client.get("/reconcile/v1/suggest/property?prefix=web").get_json())
    assert [p["id"] for p in properties["result"]] == ["website"]
    page = client.get("/reconcile/preview?id=la-coroutine")
    assert page.mimetype == "text/html" and "La Coroutine" in page.get_data(as_text=True)
    flyout = client.get("/reconcile/flyout/entity?id=la-coroutine").get_json()
    assert flyout["id"] == "la-coroutine" and "<strong>La Coroutine</strong>" in flyout["html"]


def test_data_extension_both_versions(client):
    proposal = client.get("/reconcile/propose_properties?type=ThirdPlace&limit=20").get_json()
    assert_valid("0.2", "data-extension-property-proposal", proposal)
    assert_valid("1.0-draft", "data-extension-property-proposal", client.get("/reconcile/v1/extend/propose?type=ThirdPlace").get_json())
    pids = ["coordinates", "website", "commune", "insee", "kind", "values", "wikidata"]
    assert {p["id"] for p in proposal["properties"]} >= set(pids)
    extend = {"ids": ["la-coroutine", "mutualab", "no-such-place"], "properties": [{"id": p} for p in pids]}
    answer = client.post("/reconcile", data={"extend": json.dumps(extend)}).get_json()
    assert_valid("0.2", "data-extension-response", answer)
    row = answer["rows"]["la-coroutine"]
    assert row["commune"] == [{"str": "Lille"}] and row["insee"] == [{"str": "59350"}]
    assert row["coordinates"][0]["str"].startswith("50.6") and {"str": "coworking"} in row["kind"]
    assert answer["rows"]["no-such-place"]["website"] == []
    answer_10 = client.post("/reconcile/v1/extend", json=extend).get_json()
    assert_valid("1.0-draft", "data-extension-response", answer_10)
    assert answer_10["rows"][0]["id"] == "la-coroutine"


def test_the_10_draft_match(client):
    batch = {"queries": [
        {"conditions": [{"matchType": "name", "propertyValue": "La Coroutine"},
                        {"matchType": "property", "propertyId": "commune", "propertyValue": "LILLE"}]},
        {"type": "ThirdPlace", "limit": 3, "conditions": [{"matchType": "name", "propertyValue": "mutualab"}]},
    ]}
    assert_valid("1.0-draft", "reconciliation-query-batch", batch)
    answer = client.post("/reconcile/v1/match", json=batch).get_json()
    assert_valid("1.0-draft", "reconciliation-result-batch", answer)
    assert answer["results"][0]["candidates"][0]["id"] == "la-coroutine"
    assert answer["results"][0]["candidates"][0]["match"] is True
    assert len(answer["results"][1]["candidates"]) <= 3


def _http(url: str, data: dict | None = None, headers: dict | None = None, method: str | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


def test_openrefine_reconciles_a_column_with_property_columns_then_extends(live_server):
    """The requests OpenRefine 3.8 sends, in order, over HTTP to `tierslieux serve` (both backends)."""
    base = live_server.url + "/reconcile"
    origin = {"Origin": "http://127.0.0.1:3333"}
    status, headers, body = _http(base, headers=origin)
    manifest = json.loads(body)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert_valid("0.2", "manifest", manifest)
    # Type guessing: the first rows, without type.
    _, _, body = _http(base, {"queries": json.dumps({"q0": {"query": "La Coroutine", "limit": 6},
                                                     "q1": {"query": "Mutualab", "limit": 6}})}, origin)
    assert_valid("0.2", "reconciliation-result-batch", json.loads(body))
    # Reconciling the column with the type chosen and two property columns (commune, postcode), batches of 10.
    rows = [("La Coroutine", "Lille", "59000"), ("MUTUALAB", "LILLE", ""), ("La Cordee", "Annecy", "74000"),
            ("Cowork In Grenoble", "Grenoble", "38000"), ("Nowhere at all", "Brest", "29200")]
    queries = {f"q{i}": {"query": name, "type": "ThirdPlace", "type_strict": "should", "properties":
                         [{"pid": "commune", "v": commune}] + ([{"pid": "postcode", "v": postcode}] if postcode else [])}
               for i, (name, commune, postcode) in enumerate(rows)}
    _, headers, body = _http(base, {"queries": json.dumps(queries)}, {**origin, "Content-Type": "application/x-www-form-urlencoded"})
    answer = json.loads(body)
    assert_valid("0.2", "reconciliation-result-batch", answer)
    assert headers["Access-Control-Allow-Origin"] == "*"
    matched = {key: next((c["id"] for c in value["result"] if c["match"]), None) for key, value in answer.items()}
    assert matched["q0"] == "la-coroutine" and matched["q1"] == "mutualab" and matched["q4"] is None
    # Extending: propose properties, suggest one, then fetch values for the matched rows.
    _, _, body = _http(base + "/propose_properties?type=ThirdPlace&limit=40", headers=origin)
    assert_valid("0.2", "data-extension-property-proposal", json.loads(body))
    _, _, body = _http(base + "/suggest/property?prefix=comm", headers=origin)
    assert [p["id"] for p in json.loads(body)["result"]] == ["commune", "insee"]  # "INSEE code of the commune"
    extend = {"ids": [i for i in matched.values() if i], "properties": [{"id": "coordinates"}, {"id": "website"}, {"id": "wikidata"}]}
    _, _, body = _http(base, {"extend": json.dumps(extend)}, origin)
    extension = json.loads(body)
    assert_valid("0.2", "data-extension-response", extension)
    assert set(extension["rows"]) == set(extend["ids"])
    # A browser's preflight before a cross-origin POST.
    status, headers, _ = _http(base, headers={**origin, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "Content-Type"}, method="OPTIONS")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*" and "POST" in headers["Access-Control-Allow-Methods"]


def quality_rows(catalogue):
    """Degraded queries for every third census place that has a commune, leaving out places another place
    of the same name and commune makes indistinguishable by a spreadsheet's columns."""
    from tierslieux.matching.names import compact_key

    twins: dict[tuple[str, str], int] = {}
    for place in catalogue.places.values():
        key = (compact_key(place.name), (place.commune or "").lower())
        twins[key] = twins.get(key, 0) + 1
    places = sorted((p for p in catalogue.places.values() if p.commune and p.names), key=lambda p: p.id)
    chosen = [p for p in places if twins[(compact_key(p.name), p.commune.lower())] == 1][::3]
    return [degrade(p.id, p.name, p.commune, min(p.postcodes) if p.postcodes else "", i) for i, p in enumerate(chosen)]


def measure_quality(client, rows):
    """Return (share with the right place first, share with a wrong `match`) for degraded rows, sent in batches of 50."""
    first = wrong = 0
    for start in range(0, len(rows), 50):
        batch = rows[start:start + 50]
        queries = {str(i): {"query": r.name, "properties": [{"pid": "commune", "v": r.commune}] +
                            ([{"pid": "postcode", "v": r.postcode}] if r.postcode else [])} for i, r in enumerate(batch)}
        answer = _batch(client, queries)
        for i, row in enumerate(batch):
            result = answer[str(i)]["result"]
            first += bool(result) and result[0]["id"] == row.expected
            wrong += any(c["match"] and c["id"] != row.expected for c in result)
    return first / len(rows), wrong / len(rows)


def test_quality_on_degraded_census_rows(app, client):
    store = app.extensions["tierslieux.stores"]
    catalogue = catalogue_for(store.get(), store.cache(store.get()))
    rows = quality_rows(catalogue)
    assert len(rows) >= 300
    right_first, wrong_match = measure_quality(client, rows)
    assert right_first >= 0.95, f"right place first for {right_first:.3f} of {len(rows)} degraded rows"
    assert wrong_match <= 0.01, f"wrong match for {wrong_match:.3f} of {len(rows)} degraded rows"
