"""Typology tables: a source's own category values mapped to our place kinds and classes.

A table is a CSV file with the columns ``value`` (the source's value), ``kind`` (a concept slug of
``vocab/place-kind``, or empty for "no kind") and ``note`` (when not empty, a Warning printed for
each row with this value). The class a kind implies is the ontology's, never the table's: the
concept's ``tl:kindClass`` in ``ontology/vocabularies/place-kind.ttl``. The value ``*``
gives what an unknown value becomes; without it an unknown value is left out with a Warning.
Values are compared without case, accents or punctuation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..namespaces import PLACE_KIND, TL
from .cleaning import note
from .issues import CleaningIssue
from .text import words

#: Where relative table paths are looked up first (the folder of the mapping being run).
SEARCH_PATH: list[Path] = []


@dataclass(frozen=True)
class Entry:
    """One value of a typology table: its kind IRI and note (each may be empty)."""

    kind: str | None
    note: str | None


@lru_cache(maxsize=1)
def kind_classes() -> dict[str, str]:
    """Return, for each place kind the ontology maps to a class (``tl:kindClass``), that class's IRI."""
    from rdflib import Graph

    from ..paths import VOCABULARY_DIR

    graph = Graph()
    source = VOCABULARY_DIR / "place-kind.ttl"
    if source.is_file():
        graph.parse(source, format="turtle")
    return {str(kind): str(cls) for kind, cls in graph.subject_objects(TL.kindClass)}


def _resolve(table: str) -> Path:
    from ..paths import MAPPINGS_DIR

    for folder in [*SEARCH_PATH, MAPPINGS_DIR]:
        candidate = folder / table
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"typology table {table!r} not found in {', '.join(map(str, [*SEARCH_PATH, MAPPINGS_DIR]))}")


@lru_cache(maxsize=32)
def load_table(path: Path) -> dict[str, Entry]:
    """Read a typology table, checking each kind against ``vocab/place-kind``."""
    table: dict[str, Entry] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            kind = (row.get("kind") or "").strip()
            try:
                kind_iri = str(getattr(PLACE_KIND, kind)) if kind else None
            except AttributeError as error:
                raise ValueError(f"{path}:{line}: {error}") from None
            value = row["value"].strip()
            table["*" if value == "*" else words(value)] = Entry(kind_iri, (row.get("note") or "").strip() or None)
    return table


def _entries(value: str | None, table: str, separator: str | None = None) -> list[Entry]:
    entries = load_table(_resolve(table))
    raw = "" if value is None else str(value)
    if separator:
        raw = raw.replace(separator, "|")
    parts = [p for p in (raw.replace(";", "|").split("|")) if p.strip()] or [""]
    found = []
    for part in parts:
        entry = entries.get(words(part))
        if entry is None:
            entry = entries.get("*")
            if entry is None:
                raise CleaningIssue(f"unknown value {part.strip()!r} (not in {table}); left out", reject=False)
            note(f"{entry.note or 'unknown value'}: {part.strip()!r}")
        elif entry.note:
            note(entry.note)
        found.append(entry)
    return found


def kinds(value: str | None, table: str, separator: str | None = None) -> list[str]:
    """Return the place-kind IRIs of a typology value, by the table ``table``.

    A value may hold several codes, separated by ``|`` or ``;``, or by ``separator`` when the
    source uses another one (MedNum BFC writes ``F-TL``).
    """
    return sorted({e.kind for e in _entries(value, table, separator) if e.kind})


def classes(value: str | None, table: str, separator: str | None = None) -> list[str]:
    """Return the classes the ontology maps the value's kinds to (``tl:kindClass``; empty when none)."""
    mapped = kind_classes()
    return sorted({mapped[kind] for kind in kinds(value, table, separator) if kind in mapped})


#: the keyword table :func:`kinds_from_name` reads when a mapping names none (docs/mappings.md)
NAME_KEYWORDS = "typology/name-keywords.csv"


def kinds_from_name(value: str | None, table: str | None = None) -> list[str]:
    """Return the place kinds the words of a place's name say, for a source without a typology.

    ``table`` (default :data:`NAME_KEYWORDS`) has the columns of a typology table, its
    ``value`` column named ``words``: a phrase compared with the name's words, whole words
    only, without case, accents or punctuation ("Repair Café de l'Est" says repair-cafe,
    "Fab-Lab Lannion" fablab). Every phrase found counts; none found gives the ``*`` row.
    """
    path = _resolve(table or NAME_KEYWORDS)
    entries = _keyword_table(path)
    name = f" {words(value or '')} "
    found = [entry for phrase, entry in entries.items() if phrase != "*" and f" {phrase} " in name]
    if not found and "*" in entries:
        found = [entries["*"]]
    for entry in found:
        if entry.note:
            note(f"{entry.note}: {str(value or '').strip()!r}")
    return sorted({e.kind for e in found if e.kind})


def classes_from_name(value: str | None, table: str | None = None) -> list[str]:
    """Return the classes the ontology maps the kinds :func:`kinds_from_name` finds to."""
    mapped = kind_classes()
    return sorted({mapped[kind] for kind in kinds_from_name(value, table) if kind in mapped})


@lru_cache(maxsize=8)
def _keyword_table(path: Path) -> dict[str, Entry]:
    """Read a keyword table (a typology table whose first column is ``words``)."""
    table: dict[str, Entry] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            kind = (row.get("kind") or "").strip()
            try:
                kind_iri = str(getattr(PLACE_KIND, kind)) if kind else None
            except AttributeError as error:
                raise ValueError(f"{path}:{line}: {error}") from None
            phrase = (row.get("words") or "").strip()
            table["*" if phrase == "*" else words(phrase)] = Entry(kind_iri, (row.get("note") or "").strip() or None)
    return table
