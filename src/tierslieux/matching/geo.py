"""Where a place is: coordinates, distances, communes (with the municipal arrondissements) and postcodes.

Paris, Lyon and Marseille are divided into municipal arrondissements with their
own INSEE codes; one source gives the city's code where another gives the
arrondissement's (and Wikidata often puts an item in a neighbourhood inside an
arrondissement). :func:`commune_codes` makes a code and its city, or a city
and its arrondissements, the same commune for the matcher.
"""

from __future__ import annotations

import math
import re

from .names import fold

EARTH_RADIUS_KM = 6371.0088
#: Cities divided into municipal arrondissements: the city's code and its arrondissements' codes.
ARRONDISSEMENTS: dict[str, frozenset[str]] = {
    "75056": frozenset(f"751{n:02d}" for n in range(1, 21)),
    "69123": frozenset(f"6938{n}" for n in range(1, 10)),
    "13055": frozenset(f"132{n:02d}" for n in range(1, 17)),
}
_CITY_OF = {code: city for city, codes in ARRONDISSEMENTS.items() for code in codes}
_WKT_POINT = re.compile(
    r"^\s*(?P<crs><[^>]*>\s*)?point\s*\(\s*(?P<lon>[-+]?[0-9.eE+-]+)\s+(?P<lat>[-+]?[0-9.eE+-]+)\s*\)\s*$",
    re.IGNORECASE,
)
#: "Lyon 1er Arrondissement", "Paris 11e", "Marseille 3eme": the city's name before the arrondissement's number.
_ARRONDISSEMENT_NAME = re.compile(r"^(paris|lyon|marseille)(?: \d+(?: ?(?:er|e|eme|ieme|nd))?)?(?: arrondissement)?$")
_COMMUNE_WORDS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def commune_codes(code: str | None) -> frozenset[str]:
    """Return the INSEE codes that name the same commune as ``code``: itself, its city or its arrondissements."""
    if not code:
        return frozenset()
    if code in ARRONDISSEMENTS:
        return frozenset({code}) | ARRONDISSEMENTS[code]
    if code in _CITY_OF:
        return frozenset({code, _CITY_OF[code]})
    return frozenset({code})


def commune_label_key(label: str | None) -> str:
    """Return a commune's name in comparable form: folded, hyphens as spaces, ``St`` as ``saint``, arrondissement dropped.

    ``Saint-Étienne``, ``ST ETIENNE`` and ``st-etienne`` → ``saint etienne``;
    ``Lyon 3e Arrondissement`` → ``lyon``.
    """
    if not label:
        return ""
    folded = " ".join(_COMMUNE_WORDS.get(w, w) for w in fold(label).split())
    city = _ARRONDISSEMENT_NAME.match(folded)
    return city.group(1) if city else folded


def parse_wkt_point(wkt: str) -> tuple[float, float] | None:
    """Return (latitude, longitude) from a WKT ``Point(lon lat)`` — longitude first — or None.

    A point that names its reference system (``<…> Point(…)``) is on another globe
    in Wikidata's data (Earth's points carry none), so it is not used.
    """
    match = _WKT_POINT.match(wkt)
    if not match or match.group("crs"):
        return None
    try:
        lon, lat = float(match.group("lon")), float(match.group("lat"))
    except ValueError:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return lat, lon


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance in kilometres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def cell(point: tuple[float, float], size_deg: float) -> tuple[int, int]:
    """Return the grid cell (of ``size_deg`` degrees) a point falls in: the matcher's geographic block."""
    return math.floor(point[0] / size_deg), math.floor(point[1] / size_deg)


def neighbour_cells(point: tuple[float, float], size_deg: float) -> list[tuple[int, int]]:
    """Return the point's cell and the eight around it (a place near a cell's edge is found from both sides)."""
    row, col = cell(point, size_deg)
    return [(row + dr, col + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
