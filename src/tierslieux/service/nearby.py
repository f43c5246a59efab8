"""The places nearest a point, for a place's page ("nearby places").

Distances are computed in SPARQL as in ``queries/places-near.rq`` but without
the square root (ordering by the squared distance gives the same order):
an equirectangular projection at the point's latitude, whose cosine is
computed here. Only places within a band of latitude are compared (a degree
either side, widened once when too few are found), so the query reads a band
of places rather than all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app

from ..namespaces import BASE, WGS84
from ..queries.published import published
from ..stores.base import Store

KM_PER_DEGREE = 111.19508


@dataclass(frozen=True)
class Nearby:
    """A place near another: its IRI, its name, its path on the service, its distance in kilometres."""

    iri: str
    name: str
    href: str
    km: float


def _query(iri: str, lat: float, lon: float, band: float, count: int) -> str:
    cos = math.cos(math.radians(lat))
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX tl: <https://w3id.org/tiers-lieux/ontology#>
PREFIX wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?place (SAMPLE(?name) AS ?label) (MIN(?d2) AS ?distance2) WHERE {{
  {published("?place", WGS84.lat, "?placeLat")}
  FILTER(xsd:double(?placeLat) >= {lat - band!r} && xsd:double(?placeLat) <= {lat + band!r})
  {published("?place", WGS84.long, "?placeLong")} ?place a tl:ThirdPlace .
  FILTER(?place != <{iri}>)
  BIND((xsd:double(?placeLat) - {lat!r}) * {KM_PER_DEGREE} AS ?dy)
  BIND((xsd:double(?placeLong) - {lon!r}) * {cos!r} * {KM_PER_DEGREE} AS ?dx)
  BIND(?dx * ?dx + ?dy * ?dy AS ?d2)
  OPTIONAL {{ ?place rdfs:label ?name FILTER(LANG(?name) = "fr") }}
}} GROUP BY ?place ORDER BY ?distance2 ?place LIMIT {int(count)}"""


def nearby_places(store: Store, iri: str, point: tuple[float, float], count: int = 5, root: str = "") -> list[Nearby]:
    """The ``count`` places nearest ``point`` (latitude, longitude), ``iri`` itself left out, nearest first."""
    lat, lon = point
    found: list[Nearby] = []
    for band in (1.0, 10.0):
        outcome = store.query(_query(iri, lat, lon, band, count), timeout=float(current_app.config["QUERY_TIMEOUT_SECONDS"]))
        found = []
        for row in outcome.rows:
            place = row["place"].value
            href = root + "/" + place[len(BASE) :] if place.startswith(BASE) else place
            name = row["label"].value if row["label"] is not None else place.rsplit("/", 1)[-1]
            found.append(Nearby(place, name, href, round(math.sqrt(float(row["distance2"].value)), 1)))
        if len(found) >= count:
            break
    return found
