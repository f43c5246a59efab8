"""The W3C Entity Reconciliation Service API on ``/reconcile``: match a spreadsheet's places against the graph.

Two versions from the same logic (docs/reconciliation.md):

* **0.2** (final Community Group report), at ``/reconcile``: the manifest on a
  bare GET; query batches by GET or form POST (``queries=``, or one ``query=``);
  data extension (``extend=``) and property proposals (``/reconcile/propose_properties``);
  suggest (``/reconcile/suggest/{entity,type,property}``, flyout
  ``/reconcile/flyout/entity``); an HTML preview (``/reconcile/preview``).
* **1.0 draft**, at ``/reconcile/v1``: its manifest on GET, ``/match``,
  ``/suggest/{entity,type,property}``, ``/preview``, ``/extend`` and ``/extend/propose``.

The answers are built by :mod:`.reconcile_answers`; candidates come from the matcher (:mod:`tierslieux.matching`, ``[reconcile]``
settings): ``score`` is the matcher's score × 100, ``features`` its evidence,
and ``match`` is true only for a candidate the matcher would take without a
person. Place identifiers are the slugs of ``https://w3id.org/tiers-lieux/id/place/``.
CORS (any origin, no credentials) is the application's (:mod:`.cors`).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, jsonify, request

from . import internal_timeout
from .reconcile_answers import (
    DEFAULT_TYPE,
    BadQuery,
    extension_request,
    limit_of,
    meta,
    preview_html,
    propose,
    reconcile,
    strings,
    suggest_entities,
    suggest_properties,
    suggest_types,
    type_ids,
    values_of,
)
from .reconcile_data import ONTOLOGY, PLACE_BASE, Catalogue, PlaceRecord, catalogue_for
from .stores import current_store, registry

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")

SERVICE_NAME = "Tiers-lieux knowledge graph"
#: Queries accepted in one batch (OpenRefine sends 10 by default; the manifest says so).
MAX_BATCH = 500
BATCH_SIZE = 50
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 200


def _catalogue() -> Catalogue:
    store = current_store()
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


def _conditions_02(query: dict) -> dict[str, list[str]]:
    conditions: dict[str, list[str]] = {}
    properties = query.get("properties") or []
    if not isinstance(properties, list):
        raise BadQuery("properties must be a list of {pid, v}")
    for condition in properties:
        if not isinstance(condition, dict) or "pid" not in condition:
            raise BadQuery("each property condition needs a pid and a v")
        conditions.setdefault(str(condition["pid"]), []).extend(strings(condition.get("v")))
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
        candidates = reconcile(name, _conditions_02(query), type_ids(query.get("type")), limit_of(query.get("limit")), catalogue)
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


def _cursor() -> int:
    try:
        return max(0, int(request.args.get("cursor", 0)))
    except ValueError:
        raise BadQuery("cursor must be a whole number") from None


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


def _extend_02(extend) -> dict:
    ids, pids = extension_request(extend)
    catalogue = _catalogue()
    rows = {}
    for ident in ids:
        place = catalogue.places.get(ident)
        rows[ident] = {pid: (values_of(place, pid, catalogue) if place else []) for pid in pids}
    return {"meta": [meta(pid) for pid in pids], "rows": rows}


def _propose_args() -> tuple[str | None, int | None]:
    limit = request.args.get("limit")
    return request.args.get("type"), (limit_of(limit) if limit is not None else None)


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
        values = strings(condition.get("propertyValue"))
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
        results.append({"candidates": reconcile(name, conditions, type_ids(query.get("type")), limit_of(query.get("limit")), catalogue)})
    return jsonify({"results": results})


@bp.route("/v1/extend", methods=["POST"])
def extend_10():
    """A 1.0 draft extension: ``{"ids": [...], "properties": [{"id": ...}]}``."""
    ids, pids = extension_request(_body("extend"))
    catalogue = _catalogue()
    rows = []
    for ident in ids:
        place = catalogue.places.get(ident)
        rows.append({"id": ident, "properties": [
            {"id": pid, "values": values_of(place, pid, catalogue) if place else []} for pid in pids]})
    return jsonify({"meta": [meta(pid) for pid in pids], "rows": rows})
