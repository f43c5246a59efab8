"""What the reconciliation service answers, apart from HTTP: candidates, suggestions, previews, extension values.

:mod:`.reconcile` (the blueprint) reads requests of either version of the API
and calls these functions; they work on a :class:`~.reconcile_data.Catalogue`
(the release's places and the matcher's index) and return plain JSON-ready
values in the 1.0 draft's shapes, which the blueprint adapts for 0.2.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import escape

from ..matching import MATCH, decide, rank
from ..matching.decision import Scored
from ..matching.kinds import RELATED, SAME
from ..matching.names import fold
from .reconcile_data import (
    CONDITION_PROPERTIES,
    ONTOLOGY,
    PLACE_BASE,
    PROPERTIES,
    Catalogue,
    PlaceRecord,
    query_description,
)

DEFAULT_TYPE = "ThirdPlace"
DEFAULT_LIMIT = 5
MAX_LIMIT = 50
WIKIDATA_RECONCILE = "https://wikidata.reconci.link/en/api"


class BadQuery(ValueError):
    """A request the service cannot read (answered with 400 and the reason)."""


def strings(value) -> list[str]:
    """Return the text of a property value: a string, a number, an ``{id, name}`` object, or a list of those."""
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    if isinstance(value, dict):
        return [str(value.get("id") or value.get("name") or "")] if (value.get("id") or value.get("name")) else []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [str(value)]
    return []


def type_ids(value) -> list[str]:
    """Return the type identifiers of a query's ``type`` (a string or a list), as local names of the ontology."""
    found = value if isinstance(value, list) else [value] if value else []
    return [str(t).removeprefix(ONTOLOGY).removeprefix("tl:") for t in found if isinstance(t, str) and t]


def limit_of(value) -> int:
    """Return a query's ``limit`` (default :data:`DEFAULT_LIMIT`, at most :data:`MAX_LIMIT`); BadQuery when not a number."""
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise BadQuery(f"limit must be a whole number, not {value!r}") from None
    return max(1, min(MAX_LIMIT, limit))


def features(scored: Scored) -> list[dict]:
    """Return a candidate's evidence as reconciliation features (id, name, number or boolean value)."""
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


def type_list(place: PlaceRecord, catalogue: Catalogue) -> list[dict]:
    """Return a place's types as ``{id, name}``, ``ThirdPlace`` first."""
    types = sorted(place.types | {DEFAULT_TYPE}, key=lambda t: (t != DEFAULT_TYPE, t))
    return [{"id": t, "name": catalogue.type_name(t)} for t in types]


def describe(place: PlaceRecord, catalogue: Catalogue) -> str:
    """Return a place's one-line description: its kinds and its commune."""
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
            "features": features(item),
            "type": type_list(place, catalogue),
        }
        description = describe(place, catalogue)
        if description:
            candidate["description"] = description
        candidates.append(candidate)
    return candidates


def _prefix_matches(prefix: str, names: Iterable[str]) -> bool:
    wanted = fold(prefix)
    return any(fold(n).startswith(wanted) or f" {wanted}" in f" {fold(n)}" for n in names)


def suggest_entities(prefix: str, catalogue: Catalogue, cursor: int = 0, limit: int = 10) -> list[dict]:
    """Return places whose name (or a word of it) starts with ``prefix``, shortest names first."""
    found = [p for p in catalogue.places.values() if p.names and _prefix_matches(prefix, p.names)]
    found.sort(key=lambda p: (len(p.name), p.name, p.id))
    result = []
    for place in found[cursor:cursor + limit]:
        entry = {"id": place.id, "name": place.name,
                 "notable": [{"id": t["id"], "name": t["name"]} for t in type_list(place, catalogue)]}
        description = describe(place, catalogue)
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


def values_of(place: PlaceRecord, pid: str, catalogue: Catalogue) -> list[dict]:
    """Return the values of property ``pid`` of a place, as data-extension values."""
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


def meta(pid: str) -> dict:
    """Return the metadata of an extension column (the Wikidata one names Wikidata's reconciliation service)."""
    meta = {"id": pid, "name": PROPERTIES.get(pid, pid)}
    if pid == "wikidata":
        meta["service"] = WIKIDATA_RECONCILE
    return meta


def extension_request(extend) -> tuple[list[str], list[str]]:
    """Return (place ids, property ids) of an extension request; BadQuery naming what is wrong."""
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


def propose(type_id: str | None, limit: int | None) -> dict:
    """Return the properties an extension can fetch for ``type_id`` (every place class has them all)."""
    properties = [{"id": pid, "name": name} for pid, name in PROPERTIES.items()]
    if limit is not None:
        properties = properties[:limit]
    answer = {"type": type_id or DEFAULT_TYPE, "properties": properties}
    if limit is not None:
        answer["limit"] = limit
    return answer
