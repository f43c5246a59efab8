"""Checks across a record's fields: personal data in any field, and a position that does not fit its department.

Personal data: an e-mail address or a phone number is refused wherever it is
(``never-import`` only keeps out the columns a mapping names; a free-text field,
or rows merged by a stray quote, can hold them too): removed from the value, with
a Warning; an identifier holding one rejects its record.

Positions: a point is compared with the area of the department its commune or
postcode names. When the point is outside it but the swapped pair is inside,
latitude and longitude were swapped (a place of department 976 put at latitude
45); when neither fits, the point is reported as far from its department. The
areas are bounding boxes (metropolitan France as one box, each overseas
department its own), so only gross errors are caught: a point in the wrong
metropolitan department is not. They are the official extents rounded outwards
to a tenth of a degree (IGN's Admin Express), written here because they are few.
"""

from __future__ import annotations

import re

from .text import EMAIL, PHONE

#: (south, north, west, east) of metropolitan France (Corsica included) and of each overseas department
METROPOLITAN = (41.3, 51.1, -5.2, 9.6)
OVERSEAS = {
    "971": (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    "972": (14.3, 14.9, -61.3, -60.8),  # Martinique
    "973": (2.1, 5.8, -54.7, -51.6),  # Guyane
    "974": (-21.4, -20.8, 55.2, 55.9),  # La Réunion
    "975": (46.7, 47.2, -56.5, -56.1),  # Saint-Pierre-et-Miquelon
    "976": (-13.1, -12.6, 44.9, 45.4),  # Mayotte
}


def personal_data(value: object) -> str | None:
    """Return what kind of personal data ``value`` holds (``an e-mail address``, ``a phone number``), or None."""
    if not isinstance(value, str):
        return None
    if EMAIL.search(value):
        return "an e-mail address"
    if PHONE.search(value):
        return "a phone number"
    return None


def without_personal_data(value: str) -> str | None:
    """Return ``value`` without its e-mail addresses and phone numbers (None when nothing else is left)."""
    kept = PHONE.sub(" ", EMAIL.sub(" ", value))
    kept = re.sub(r"\s+", " ", kept).strip(" ,;:-/|()")
    return kept or None


def area_of(department: str | None) -> tuple[str, tuple[float, float, float, float]] | None:
    """Return the name and box of the area a department code belongs to, or None for an unknown code."""
    if not department:
        return None
    department = department.upper()
    if department in OVERSEAS:
        return f"department {department}", OVERSEAS[department]
    if re.fullmatch(r"\d{2}|2A|2B", department) and department not in ("00", "96", "97", "98", "99"):
        return f"department {department} (metropolitan France)", METROPOLITAN
    return None


def in_france(lat: float, lon: float) -> bool:
    """Return True when the point lies in metropolitan France or an overseas department (their boxes)."""
    return any(_inside(lat, lon, box) for box in (METROPOLITAN, *OVERSEAS.values()))


def _inside(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    south, north, west, east = box
    return south <= lat <= north and west <= lon <= east


def position_issue(latitude: str | None, longitude: str | None, department: str | None) -> tuple[str, bool] | None:
    """Return (message, whether the position is refused) when the point does not fit ``department``; None when it does.

    Swapped coordinates are refused (the record is rejected, so that the input is
    corrected rather than a wrong point published); a point merely far from its
    department is a Warning.
    """
    found = area_of(department)
    if found is None or latitude is None or longitude is None:
        return None
    try:
        lat, lon = float(latitude), float(longitude)
    except ValueError:
        return None
    name, box = found
    if _inside(lat, lon, box):
        return None
    if _inside(lon, lat, box):
        return (f"latitude {latitude} and longitude {longitude} look swapped: the point ({lon}, {lat}) is in {name}, "
                f"the given one is not; swap the columns (or the mapping's references)", True)
    return f"the point ({latitude}, {longitude}) lies far from {name}, its commune's department: check both", False
