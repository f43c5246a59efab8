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


def _entries(value: str | None, table: str) -> list[Entry]:
    entries = load_table(_resolve(table))
    raw = "" if value is None else str(value)
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


def kinds(value: str | None, table: str) -> list[str]:
    """Return the place-kind IRIs of a (possibly ``|``-separated) typology value, by the table ``table``."""
    return sorted({e.kind for e in _entries(value, table) if e.kind})


def classes(value: str | None, table: str) -> list[str]:
    """Return the classes the ontology maps the value's kinds to (``tl:kindClass``; empty when none)."""
    mapped = kind_classes()
    return sorted({mapped[kind] for kind in kinds(value, table) if kind in mapped})
