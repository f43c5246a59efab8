"""Wikidata's identifiers and the pieces of SPARQL the linker's queries share.

The only item identifiers written here are four classes checked by hand against
Wikidata; every other class is resolved on the endpoint (see :mod:`.classes`).
"""

from __future__ import annotations

import re

from ..namespaces import WD

ENTITY_BASE = str(WD)
QID = re.compile(r"^Q[1-9][0-9]*$")
FRENCH_WIKIPEDIA = "https://fr.wikipedia.org/"

#: Kinds whose Wikidata class was verified by hand: the place is an instance of (a subclass of) it.
VERIFIED_KIND_CLASSES: dict[str, str] = {
    "hackerspace": "Q1032372",  # hackerspace
    "ludotheque": "Q1143018",  # toy library
    "jardin-partage": "Q251958",  # community garden
}
#: Kinds whose verified item is a practice, not a kind of place: a place "has use" (P366) it.
VERIFIED_KIND_PRACTICES: dict[str, str] = {
    "coworking": "Q869457",  # coworking, the way of working (not the coworking space)
}

PROLOGUE = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX bd: <http://www.bigdata.com/rdf#>
PREFIX mwapi: <https://www.mediawiki.org/ontology#API/>
"""

#: The service an endpoint must declare for the EntitySearch mode.
MWAPI_SERVICE = "http://wikiba.se/ontology#mwapi"

_FOLDS = (
    ("[àáâãäå]", "a"),
    ("[ç]", "c"),
    ("[èéêë]", "e"),
    ("[ìíîï]", "i"),
    ("[ñ]", "n"),
    ("[òóôõö]", "o"),
    ("[ùúûü]", "u"),
    ("[ýÿ]", "y"),
    ("œ", "oe"),
    ("æ", "ae"),
    ("[^a-z0-9]+", " "),
)


def qid(iri: str) -> str | None:
    """Return the item identifier (``Q42``) of a Wikidata entity IRI, or None for anything else."""
    if not iri.startswith(ENTITY_BASE):
        return None
    local = iri[len(ENTITY_BASE) :]
    return local if QID.match(local) else None


def entity(qid_: str) -> str:
    """Return the entity IRI of an item identifier; raises ValueError on anything but ``Q`` and digits."""
    if not QID.match(qid_):
        raise ValueError(f"not a Wikidata item identifier: {qid_!r} (expected Q followed by digits)")
    return ENTITY_BASE + qid_


def fold_expression(variable: str) -> str:
    """Return a SPARQL expression that folds ``?variable`` like :func:`tierslieux.matching.names.fold` (case, accents, punctuation)."""
    expression = f"LCASE(STR(?{variable}))"
    for pattern, replacement in _FOLDS:
        expression = f'REPLACE({expression}, "{pattern}", "{replacement}")'
    return expression


def string_literal(text: str) -> str:
    """Return ``text`` as a SPARQL string literal, escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'
