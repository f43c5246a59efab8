"""The W3C Entity Reconciliation Service API on ``/reconcile``: match a spreadsheet's places against the graph.

Two versions from the same logic (docs/reconciliation.md):

* **0.2** (final Community Group report), at ``/reconcile``: the manifest on a
  bare GET; query batches by GET or form POST (``queries=``, or one ``query=``);
  data extension (``extend=``) and property proposals (``/reconcile/propose_properties``);
  suggest (``/reconcile/suggest/{entity,type,property}``, flyout
  ``/reconcile/flyout/entity``); an HTML preview (``/reconcile/preview``).
* **1.0 draft**, at ``/reconcile/v1``: its manifest on GET, ``/match``,
  ``/suggest/{entity,type,property}``, ``/preview``, ``/extend`` and ``/extend/propose``.

Candidates come from the matcher (:mod:`tierslieux.matching`, ``[reconcile]``
settings): ``score`` is the matcher's score × 100, ``features`` its evidence,
and ``match`` is true only for a candidate the matcher would take without a
person. Place identifiers are the slugs of ``https://w3id.org/tiers-lieux/id/place/``.
CORS (any origin, no credentials) is the application's (:mod:`.cors`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask import Blueprint, Response, abort, current_app, jsonify, request
from markupsafe import escape

from ..matching import MATCH, decide, rank
from ..matching.decision import Scored
from ..matching.kinds import RELATED, SAME
from ..matching.names import fold
from . import internal_timeout
from .reconcile_data import (
    CONDITION_PROPERTIES,
    ONTOLOGY,
    PLACE_BASE,
    PROPERTIES,
    Catalogue,
    PlaceRecord,
    catalogue_for,
    query_description,
)
from .stores import registry

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")

SERVICE_NAME = "Tiers-lieux knowledge graph"
DEFAULT_TYPE = "ThirdPlace"
#: Queries accepted in one batch (OpenRefine sends 10 by default; the manifest says so).
MAX_BATCH = 500
BATCH_SIZE = 50
DEFAULT_LIMIT = 5
MAX_LIMIT = 50
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 200
WIKIDATA_RECONCILE = "https://wikidata.reconci.link/en/api"


class BadQuery(ValueError):
    """A request the service cannot read (answered with 400 and the reason)."""


def _catalogue() -> Catalogue:
    store = registry().get()
    return catalogue_for(store, registry().cache(store), internal_timeout(current_app.config))


def _error(message: str, status: int = 400) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


@bp.errorhandler(BadQuery)
def _bad_query(error: BadQuery) -> Response:
    return _error(str(error))


def _param(name: str) -> str | None:
    """A parameter of the query string or of a form body."""
    value = request.values.get(name)
    return value if value is not None and value.strip() else None


def _json_param(name: str):
    text = _param(name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise BadQuery(f"parameter {name!r} is not JSON: {error}") from None


# --- matching -------------------------------------------------------------------------------------------------


def _strings(value) -> list[str]:
    """The text of a property value: a string, a number, an ``{id, name}`` object, or a list of those."""
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [str(value.get("id") or value.get("name") or "")] if (value.get("id") or value.get("name")) else []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [str(value)]
    return []


def _types(value) -> list[str]:
    """Type identifiers of a query's ``type`` (a string or a list), as local names of the ontology."""
    found = value if isinstance(value, list) else [value] if value else []
    return [str(t).removeprefix(ONTOLOGY).removeprefix("tl:") for t in found if isinstance(t, str) and t]


def _limit(value) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise BadQuery(f"limit must be a whole number, not {value!r}") from None
    return max(1, min(MAX_LIMIT, limit))


def _features(scored: Scored) -> list[dict]:
    evidence = scored.evidence
    features = [{"id": "name", "name": "Name similarity", "value": evidence.name}]
    if evidence.distance_km is not None:
        features.append({"id": "distance_km", "name": "Distance (km)", "value": evidence.distance_km})
    if evidence.commune is not None:
        features.append({"id": "commune", "name": "Same commune", "value": evidence.commune})
    if evidence.website is not None:
        features.append({"id": "website", "name": "Same website (-1: another one)", "value": evidence.website})
    if evidence.kinds is not None:
        value = {SAME: 1.0, RELATED: 0.5}.get(evidence.kinds, 0.0)
        features.append({"id": "kind", "name": "Same kind (0.5: related)", "value": value})
    features.append({"id": "closed", "name": "Closed on one side only", "value": evidence.dissolved or evidence.closed_here})
    return features


def _type_list(place: PlaceRecord, catalogue: Catalogue) -> list[dict]:
    types = sorted(place.types | {DEFAULT_TYPE}, key=lambda t: (t != DEFAULT_TYPE, t))
    return [{"id": t, "name": catalogue.type_name(t)} for t in types]


def _describe(place: PlaceRecord, catalogue: Catalogue) -> str:
    kinds = ", ".join(sorted(catalogue.kind_name(k) for k in place.kinds))
    where = place.commune or ""
    return " — ".join(part for part in (kinds, where) if part)


def reconcile(name: str, conditions: dict[str, list[str]], types: list[str], limit: int, catalogue: Catalogue) -> list[dict]:
    """Return the candidates for one query, best first, in the 1.0 draft's form (0.2 renames ``features``' names away)."""
    unknown = sorted(set(conditions) - set(CONDITION_PROPERTIES))
    if unknown:
        raise BadQuery(f"unknown property {unknown[0]!r}; the properties are {', '.join(CONDITION_PROPERTIES)}")
    if not name.strip() and not any(conditions.values()):
        raise BadQuery("a query needs a name or a property value")
    query = query_description(name, conditions, catalogue)
    settings = catalogue.settings
    scored = catalogue.index.score(query, settings)
    wanted = set(types) - {DEFAULT_TYPE}
    if wanted:
        scored = [s for s in scored if wanted & catalogue.places[s.candidate.id].types]
    ranked = rank(scored, settings)
    decision = decide(query, ranked, settings)
    sure = decision.best.candidate.id if decision.status == MATCH and decision.best else None
    candidates = []
    for item in ranked[:limit]:
        if item.score < settings.review and item.candidate.id != sure:
            continue
        place = catalogue.places[item.candidate.id]
        candidate = {
            "id": place.id,
            "name": place.name,
            "score": round(item.score * 100, 2),
            "match": place.id == sure,
            "features": _features(item),
            "type": _type_list(place, catalogue),
        }
        description = _describe(place, catalogue)
        if description:
            candidate["description"] = description
        candidates.append(candidate)
    return candidates


def _conditions_02(query: dict) -> dict[str, list[str]]:
    conditions: dict[str, list[str]] = {}
    properties = query.get("properties") or []
    if not isinstance(properties, list):
        raise BadQuery("properties must be a list of {pid, v}")
    for condition in properties:
        if not isinstance(condition, dict) or "pid" not in condition:
            raise BadQuery("each property condition needs a pid and a v")
        conditions.setdefault(str(condition["pid"]), []).extend(_strings(condition.get("v")))
    return conditions


def _result_02(candidates: list[dict]) -> dict:
    result = []
    for c in candidates:
        c = dict(c)
        c["features"] = [{"id": f["id"], "value": f["value"]} for f in c["features"]]
        result.append(c)
    return {"result": result}


def _batch_02(queries) -> dict:
    if not isinstance(queries, dict):
        raise BadQuery("queries must be a JSON object of query id → query")
    if len(queries) > MAX_BATCH:
        raise BadQuery(f"{len(queries)} queries in one batch; at most {MAX_BATCH}")
    catalogue = _catalogue()
    answers = {}
    for key, query in queries.items():
        if not isinstance(query, dict):
            raise BadQuery(f"query {key!r} must be a JSON object")
        name = query.get("query") or ""
        if not isinstance(name, str):
            raise BadQuery(f"query {key!r}: query must be a string")
        candidates = reconcile(name, _conditions_02(query), _types(query.get("type")), _limit(query.get("limit")), catalogue)
        answers[key] = _result_02(candidates)
    return answers


# --- the 0.2 service --------------------------------------------------------------------------------------------


def _base() -> str:
    return request.url_root.rstrip("/") + bp.url_prefix


def manifest_02() -> dict:
    """The 0.2 manifest (service description)."""
    base = _base()
    return {
        "versions": ["0.2"],
        "name": SERVICE_NAME,
        "identifierSpace": PLACE_BASE,
        "schemaSpace": ONTOLOGY,
        "documentation": "https://w3id.org/tiers-lieux/",
        "view": {"url": PLACE_BASE + "{{id}}"},
        "defaultTypes": [{"id": DEFAULT_TYPE, "name": "Third place"}],
        "preview": {"url": base + "/preview?id={{id}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {
            "entity": {"service_url": base, "service_path": "/suggest/entity",
                       "flyout_service_url": base, "flyout_service_path": "/flyout/entity?id=${id}"},
            "type": {"service_url": base, "service_path": "/suggest/type"},
            "property": {"service_url": base, "service_path": "/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": base, "service_path": "/propose_properties"},
            "property_settings": [],
        },
        "batchSize": BATCH_SIZE,
    }


@bp.route("", methods=["GET", "POST"], strict_slashes=False)
def service_02():
    """The 0.2 service: a query batch, one query, a data extension, or (bare) the manifest."""
    queries = _json_param("queries")
    if queries is not None:
        return jsonify(_batch_02(queries))
    single = _param("query")
    if single is not None:
        try:
            query = json.loads(single)
        except ValueError:
            query = {"query": single}
        if not isinstance(query, dict):
            query = {"query": single}
        return jsonify(_batch_02({"q": query})["q"])
    extend = _json_param("extend")
    if extend is not None:
        return jsonify(_extend_02(extend))
    return jsonify(manifest_02())


# --- suggest, preview -------------------------------------------------------------------------------------------


def _prefix_matches(prefix: str, names: Iterable[str]) -> bool:
    wanted = fold(prefix)
    return any(fold(n).startswith(wanted) or f" {wanted}" in f" {fold(n)}" for n in names)


def _cursor() -> int:
    try:
        return max(0, int(request.args.get("cursor", 0)))
    except ValueError:
        raise BadQuery("cursor must be a whole number") from None


def suggest_entities(prefix: str, catalogue: Catalogue, cursor: int = 0, limit: int = 10) -> list[dict]:
    """Return places whose name (or a word of it) starts with ``prefix``, shortest names first."""
    found = [p for p in catalogue.places.values() if p.names and _prefix_matches(prefix, p.names)]
    found.sort(key=lambda p: (len(p.name), p.name, p.id))
    result = []
    for place in found[cursor:cursor + limit]:
        entry = {"id": place.id, "name": place.name,
                 "notable": [{"id": t["id"], "name": t["name"]} for t in _type_list(place, catalogue)]}
        description = _describe(place, catalogue)
        if description:
            entry["description"] = description
        result.append(entry)
    return result


def suggest_types(prefix: str, catalogue: Catalogue) -> list[dict]:
    """Return the place classes whose label or identifier starts with ``prefix``."""
    result = []
    for type_id in sorted(catalogue.type_labels):
        if _prefix_matches(prefix, [type_id, *catalogue.type_labels[type_id].values()]):
            result.append({"id": type_id, "name": catalogue.type_name(type_id)})
    return result


def suggest_properties(prefix: str) -> list[dict]:
    """Return the properties whose identifier, or a word of whose name, starts with ``prefix`` (identifiers first)."""
    found = [(not pid.startswith(fold(prefix)), pid, name) for pid, name in PROPERTIES.items() if _prefix_matches(prefix, [pid, name])]
    return [{"id": pid, "name": name} for _, pid, name in sorted(found)]


def _prefix() -> str:
    prefix = request.args.get("prefix")
    if prefix is None:
        raise BadQuery("parameter 'prefix' is missing")
    return prefix


@bp.route("/suggest/entity")
@bp.route("/v1/suggest/entity")
def suggest_entity():
    """Auto-complete place names."""
    return jsonify({"result": suggest_entities(_prefix(), _catalogue(), _cursor())})


@bp.route("/suggest/type")
@bp.route("/v1/suggest/type")
def suggest_type():
    """Auto-complete types (the place classes of the ontology)."""
    return jsonify({"result": suggest_types(_prefix(), _catalogue())})


@bp.route("/suggest/property")
@bp.route("/v1/suggest/property")
def suggest_property():
    """Auto-complete properties (those a query may condition on or an extension fetch)."""
    return jsonify({"result": suggest_properties(_prefix())})


def _place(catalogue: Catalogue, ident: str | None) -> PlaceRecord:
    if not ident:
        raise BadQuery("parameter 'id' is missing")
    place = catalogue.places.get(ident.removeprefix(PLACE_BASE))
    if place is None:
        abort(404, description=f"no place {ident!r}")
    return place


def preview_html(place: PlaceRecord, catalogue: Catalogue) -> str:
    """Return the HTML preview of a place: name, kinds, commune, website, Wikidata item (all escaped)."""
    rows = [f"<strong>{escape(place.name)}</strong>"]
    if place.kinds:
        rows.append(escape(", ".join(sorted(catalogue.kind_name(k) for k in place.kinds))))
    if place.commune or place.insee:
        rows.append(escape(" ".join(x for x in (place.commune or "", f"({place.insee})" if place.insee else "") if x)))
    for site in sorted(place.websites):
        rows.append(f'<a href="{escape(site)}" target="_blank" rel="noopener">{escape(site)}</a>')
    for item in sorted(place.wikidata):
        rows.append(f'Wikidata <a href="https://www.wikidata.org/wiki/{escape(item)}" target="_blank" rel="noopener">{escape(item)}</a>')
    if place.closed:
        rows.append("closed")
    return (f'<div style="font: 13px sans-serif; padding: 4px;">{"<br>".join(str(r) for r in rows)}'
            f'<br><a href="{escape(PLACE_BASE + place.id)}" target="_blank" rel="noopener">{escape(PLACE_BASE + place.id)}</a></div>')


@bp.route("/preview")
@bp.route("/v1/preview")
def preview():
    """An HTML preview of one place, for OpenRefine's pop-up."""
    catalogue = _catalogue()
    page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>preview</title></head><body>" + \
        preview_html(_place(catalogue, request.args.get("id")), catalogue) + "</body></html>"
    return Response(page, mimetype="text/html")


@bp.route("/flyout/entity")
def flyout():
    """The 0.2 flyout: the preview's HTML in JSON."""
    catalogue = _catalogue()
    place = _place(catalogue, request.args.get("id"))
    return jsonify({"id": place.id, "html": preview_html(place, catalogue)})


# --- data extension ---------------------------------------------------------------------------------------------


def _values(place: PlaceRecord, pid: str, catalogue: Catalogue) -> list[dict]:
    if pid == "coordinates":
        return [{"str": f"{place.point[0]},{place.point[1]}"}] if place.point else []
    if pid == "website":
        return [{"str": w} for w in sorted(place.websites)]
    if pid == "commune":
        return [{"str": place.commune}] if place.commune else []
    if pid == "insee":
        return [{"str": place.insee}] if place.insee else []
    if pid == "postcode":
        return [{"str": p} for p in sorted(place.postcodes)]
    if pid == "kind":
        return [{"str": catalogue.kind_name(k)} for k in sorted(place.kinds)]
    if pid == "values":
        return [{"str": v} for v in sorted(place.values)]
    if pid == "wikidata":
        return [{"id": q, "name": q} for q in sorted(place.wikidata)]
    raise BadQuery(f"unknown property {pid!r}; the properties are {', '.join(PROPERTIES)}")


def _meta(pid: str) -> dict:
    meta = {"id": pid, "name": PROPERTIES.get(pid, pid)}
    if pid == "wikidata":
        meta["service"] = WIKIDATA_RECONCILE
    return meta


def _extension_request(extend) -> tuple[list[str], list[str]]:
    if not isinstance(extend, dict) or not isinstance(extend.get("ids"), list) or not isinstance(extend.get("properties"), list):
        raise BadQuery("an extension request is {\"ids\": [...], \"properties\": [{\"id\": ...}]}")
    pids = []
    for prop in extend["properties"]:
        if not isinstance(prop, dict) or not isinstance(prop.get("id"), str):
            raise BadQuery("each property of an extension request is {\"id\": ...}")
        if prop["id"] not in PROPERTIES:
            raise BadQuery(f"unknown property {prop['id']!r}; the properties are {', '.join(PROPERTIES)}")
        pids.append(prop["id"])
    return [str(i).removeprefix(PLACE_BASE) for i in extend["ids"]], pids


def _extend_02(extend) -> dict:
    ids, pids = _extension_request(extend)
    catalogue = _catalogue()
    rows = {}
    for ident in ids:
        place = catalogue.places.get(ident)
        rows[ident] = {pid: (_values(place, pid, catalogue) if place else []) for pid in pids}
    return {"meta": [_meta(pid) for pid in pids], "rows": rows}


def propose(type_id: str | None, limit: int | None) -> dict:
    """Return the properties an extension can fetch for ``type_id`` (every place class has them all)."""
    properties = [{"id": pid, "name": name} for pid, name in PROPERTIES.items()]
    if limit is not None:
        properties = properties[:limit]
    answer = {"type": type_id or DEFAULT_TYPE, "properties": properties}
    if limit is not None:
        answer["limit"] = limit
    return answer


def _propose_args() -> tuple[str | None, int | None]:
    limit = request.args.get("limit")
    return request.args.get("type"), (_limit(limit) if limit is not None else None)


@bp.route("/propose_properties")
@bp.route("/v1/extend/propose")
def propose_properties():
    """Property proposals for a type (0.2 ``propose_properties``; 1.0 draft ``/extend/propose``)."""
    return jsonify(propose(*_propose_args()))


# --- the 1.0 draft ----------------------------------------------------------------------------------------------


def manifest_10() -> dict:
    """The 1.0 draft's manifest."""
    return {
        "versions": ["1.0-draft"],
        "name": SERVICE_NAME,
        "documentation": "https://w3id.org/tiers-lieux/",
        "view": {"url": PLACE_BASE + "{id}"},
        "defaultTypes": [{"id": DEFAULT_TYPE, "name": "Third place"}],
        "preview": {"width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {"entity": True, "property": True, "type": True},
        "extend": {"proposeProperties": True, "propertySettings": []},
    }


@bp.route("/v1", methods=["GET"], strict_slashes=False)
def service_10():
    """The 1.0 draft's manifest."""
    return jsonify(manifest_10())


def _body(name: str):
    """A 1.0 request's JSON: the body (``application/json``) or a form field ``name``."""
    if request.is_json:
        data = request.get_json(silent=True)
        if data is None:
            raise BadQuery("the body is not JSON")
        return data
    data = _json_param(name)
    if data is None:
        raise BadQuery(f"send the request as a JSON body or a form field {name!r}")
    return data


def _conditions_10(query: dict) -> tuple[str, dict[str, list[str]]]:
    names, conditions = [], {}
    for condition in query.get("conditions") or []:
        if not isinstance(condition, dict) or condition.get("matchType") not in ("name", "property"):
            raise BadQuery("each condition needs matchType name or property")
        values = _strings(condition.get("propertyValue"))
        if condition["matchType"] == "name":
            names.extend(values)
        else:
            conditions.setdefault(str(condition.get("propertyId")), []).extend(values)
    return " ".join(names), conditions


@bp.route("/v1/match", methods=["POST", "GET"])
def match_10():
    """A 1.0 draft query batch: ``{"queries": [...]}`` → ``{"results": [{"candidates": [...]}]}``."""
    batch = _body("queries") if request.method == "POST" else {"queries": _json_param("queries")}
    queries = batch.get("queries") if isinstance(batch, dict) else batch
    if not isinstance(queries, list):
        raise BadQuery("queries must be a list")
    if len(queries) > MAX_BATCH:
        raise BadQuery(f"{len(queries)} queries in one batch; at most {MAX_BATCH}")
    catalogue = _catalogue()
    results = []
    for query in queries:
        if not isinstance(query, dict):
            raise BadQuery("each query must be a JSON object")
        name, conditions = _conditions_10(query)
        results.append({"candidates": reconcile(name, conditions, _types(query.get("type")), _limit(query.get("limit")), catalogue)})
    return jsonify({"results": results})


@bp.route("/v1/extend", methods=["POST"])
def extend_10():
    """A 1.0 draft extension: ``{"ids": [...], "properties": [{"id": ...}]}``."""
    ids, pids = _extension_request(_body("extend"))
    catalogue = _catalogue()
    rows = []
    for ident in ids:
        place = catalogue.places.get(ident)
        rows.append({"id": ident, "properties": [
            {"id": pid, "values": _values(place, pid, catalogue) if place else []} for pid in pids]})
    return jsonify({"meta": [_meta(pid) for pid in pids], "rows": rows})
