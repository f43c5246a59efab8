"""Census rows written the way real spreadsheets write them: the matcher's quality is measured on these.

:func:`degraded_rows` turns places (name, commune, postcode) into queries, each
with one or two of the degradations found in networks' spreadsheets: case,
accents dropped, an abbreviation, the article dropped, a typo, the commune
written differently, the postcode missing. Deterministic (no randomness):
the i-th place gets the i-th combination, so figures are reproducible.
Used by the reconciliation tests and by ``benchmarks/matching.py``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

ARTICLES = ("la ", "le ", "les ", "l'", "l’")
ABBREVIATE = (("saint", "St"), ("sainte", "Ste"), ("association", "Asso"), ("espace", "Esp."))


@dataclass(frozen=True)
class Row:
    """One spreadsheet row: the expected place, the degraded name, commune and postcode, and what was done."""

    expected: str
    name: str
    commune: str
    postcode: str
    how: str


def strip_accents(text: str) -> str:
    """Return ``text`` without diacritics (``Cordée`` → ``Cordee``)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def drop_article(name: str) -> str:
    """Return ``name`` without its leading article (``La Cordée`` → ``Cordée``)."""
    lower = name.lower()
    for article in ARTICLES:
        if lower.startswith(article) and len(name) > len(article) + 2:
            return name[len(article):]
    return name


def abbreviate(name: str) -> str:
    """Return ``name`` with the first word that has a usual abbreviation abbreviated (``Saint`` → ``St``)."""
    words = name.split()
    for i, word in enumerate(words):
        for full, short in ABBREVIATE:
            if strip_accents(word).lower().strip("-") == full:
                words[i] = short
                return " ".join(words)
    return name.replace("-Saint-", "-St-").replace("Saint-", "St-")


def typo(name: str, seed: int) -> str:
    """Return ``name`` with two neighbouring letters of its longest word swapped (a typing slip)."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: (len(words[i]), -i))
    word = words[longest]
    if len(word) < 5:
        return name
    at = 1 + seed % (len(word) - 3)
    words[longest] = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    return " ".join(words)


def commune_variant(commune: str, seed: int) -> str:
    """Return the commune written differently: upper case without accents, ``St-``, spaces for hyphens."""
    variants = [
        strip_accents(commune).upper(),
        commune.replace("Saint-", "St-").replace("Sainte-", "Ste-"),
        commune.replace("-", " ").lower(),
    ]
    return variants[seed % len(variants)]


NAME_DEGRADATIONS = ("lower case", "upper case", "no accents", "abbreviation", "no article", "typo")


def degrade(expected: str, name: str, commune: str, postcode: str, i: int) -> Row:
    """Return the ``i``-th degradation of one place (a name degradation; every other row also changes the commune)."""
    how = NAME_DEGRADATIONS[i % len(NAME_DEGRADATIONS)]
    text = {
        "lower case": name.lower(),
        "upper case": name.upper(),
        "no accents": strip_accents(name),
        "abbreviation": abbreviate(name),
        "no article": drop_article(name),
        "typo": typo(name, i),
    }[how]
    done = [how]
    if (i // len(NAME_DEGRADATIONS)) % 2:
        commune = commune_variant(commune, i)
        done.append("commune written differently")
    if i % 3 != 0:
        postcode = ""
        done.append("no postcode")
    return Row(expected, text, commune, postcode, ", ".join(done))
