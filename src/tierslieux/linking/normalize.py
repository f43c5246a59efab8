"""Comparable forms of names, websites and coordinates, and the similarity of two names."""

from __future__ import annotations

import math
import re
import unicodedata
from difflib import SequenceMatcher

#: Words that say nothing about which place it is: articles, prepositions and generic words.
STOP_WORDS = frozenset(
    [
        *("la", "le", "les", "l", "un", "une", "des", "de", "du", "d", "et", "a", "au", "aux", "en", "sur", "sous"),
        *("the", "of", "and"),
        *("espace", "espaces", "tiers", "lieu", "lieux", "tierslieu", "tierslieux"),
    ]
)
#: Words that name a kind of place: dropped too, unless nothing else is left.
GENERIC_WORDS = frozenset(["coworking", "cowork", "fablab", "fab", "lab", "makerspace", "hackerspace", "atelier"])

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_WKT_POINT = re.compile(
    r"^\s*(?P<crs><[^>]*>\s*)?point\s*\(\s*(?P<lon>[-+]?[0-9.eE+-]+)\s+(?P<lat>[-+]?[0-9.eE+-]+)\s*\)\s*$",
    re.IGNORECASE,
)
EARTH_RADIUS_KM = 6371.0088


def fold(text: str) -> str:
    """Lower-case ``text``, drop accents and ligatures, and turn every run of punctuation into one space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_ALNUM.sub(" ", plain).strip()


def name_tokens(name: str) -> list[str]:
    """Return the distinctive words of a name: folded, without stop words and, if anything is left, generic words."""
    words = fold(name).split()
    meaningful = [w for w in words if w not in STOP_WORDS]
    distinctive = [w for w in meaningful if w not in GENERIC_WORDS]
    return distinctive or meaningful or words


def name_key(name: str) -> str:
    """Return the comparable form of a name (``"L'Atelier du Coin"`` → ``"coin"``)."""
    return " ".join(name_tokens(name))


def search_needle(name: str) -> str:
    """Return the word of a name a label query looks for: its longest distinctive word."""
    tokens = name_tokens(name)
    return max(tokens, key=lambda t: (len(t), t)) if tokens else ""


def name_similarity(ours: str, theirs: str) -> float:
    """Return how alike two names are, in [0, 1], insensitive to case, accents, punctuation and stop words."""
    a, b = name_tokens(ours), name_tokens(theirs)
    if not a or not b:
        return 0.0
    if a == b or "".join(a) == "".join(b) or sorted(a) == sorted(b):
        return 1.0
    ordered = SequenceMatcher(None, " ".join(sorted(a)), " ".join(sorted(b))).ratio()
    compact = SequenceMatcher(None, "".join(a), "".join(b)).ratio()
    small, large = sorted((set(a), set(b)), key=len)
    contained = 0.85 * math.sqrt(len(small) / len(large)) if small <= large else 0.0
    return round(max(ordered, compact, contained), 4)


def website_key(url: str) -> str:
    """Return a website without scheme, ``www.``, query, fragment or trailing slash, lower-cased."""
    text = url.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = re.sub(r"[?#].*$", "", text)
    text = re.sub(r"^www\.", "", text)
    return text.rstrip("/")


def website_similarity(ours: list[str], theirs: list[str]) -> float | None:
    """Return 1 for the same website, 0.5 for the same host only, 0 for different ones, None when a side has none."""
    a = {website_key(u) for u in ours if u.strip()}
    b = {website_key(u) for u in theirs if u.strip()}
    if not a or not b:
        return None
    if a & b:
        return 1.0
    hosts_a = {u.split("/", 1)[0] for u in a}
    hosts_b = {u.split("/", 1)[0] for u in b}
    return 0.5 if hosts_a & hosts_b else 0.0


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
