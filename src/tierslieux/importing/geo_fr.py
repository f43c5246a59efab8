"""French administrative geography for the importers: INSEE codes of communes, departments and regions.

Communes (current and former ones, municipal arrondissements, postcodes), departments and regions come
from ``mappings/reference/*.csv``, converted from Etalab's ``@etalab/decoupage-administratif`` (INSEE's
Code officiel géographique) by :mod:`.reference`; the regions' English names are the project's own.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from ..paths import MAPPINGS_DIR
from .cleaning import blank, note, postcode
from .issues import CleaningIssue

_COMMUNE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


@dataclass(frozen=True)
class Division:
    """A department or region: INSEE code, French name, English name and (for a department) its region's code."""

    code: str
    name_fr: str
    name_en: str
    region: str | None = None


@lru_cache(maxsize=1)
def regions() -> dict[str, Division]:
    """Return the French regions by INSEE code."""
    with (MAPPINGS_DIR / "reference" / "regions.csv").open(encoding="utf-8", newline="") as handle:
        return {r["code"]: Division(r["code"], r["name_fr"], r["name_en"]) for r in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def departments() -> dict[str, Division]:
    """Return the French departments by INSEE code, each with its region's code."""
    with (MAPPINGS_DIR / "reference" / "departments.csv").open(encoding="utf-8", newline="") as handle:
        return {r["code"]: Division(r["code"], r["name_fr"], r["name_fr"], r["region"]) for r in csv.DictReader(handle)}


#: Municipal arrondissements of Paris, Lyon and Marseille, and the commune each belongs to.
_ARRONDISSEMENTS = ((re.compile(r"^751(0[1-9]|1\d|20)$"), "75056"), (re.compile(r"^6938[1-9]$"), "69123"),
                    (re.compile(r"^132(0[1-9]|1[0-6])$"), "13055"))


def normalise_commune_code(value: str | None) -> str | None:
    """Return a commune's INSEE code: a lost leading zero restored, an arrondissement of Paris, Lyon or
    Marseille replaced by its commune; None for a missing code (``0``) or one that is not an INSEE code."""
    if blank(value) or str(value).strip() in ("0", "00000"):
        return None
    code = str(value).strip().upper()
    if re.fullmatch(r"\d{4}", code):
        code = "0" + code
    if not _COMMUNE.match(code):
        return None
    for pattern, commune in _ARRONDISSEMENTS:
        if pattern.match(code):
            return commune
    return code


def department_of_commune(code: str) -> str:
    """Return the department code of a commune code (``97xxx`` → three characters, others → two)."""
    return code[:3] if code.startswith("97") else code[:2]


def department_of_postcode(code: str | None) -> str | None:
    """Return the department a postcode belongs to (Corsica split at 20200), or None without a postcode."""
    if not code:
        return None
    if code.startswith("97"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if int(code) < 20200 else "2B"
    return code[:2]


def _expected_department(postcode_: str | None, department: str | None) -> str | None:
    from_postcode = department_of_postcode(postcode(postcode_) if not blank(postcode_) else None)
    if from_postcode:
        return from_postcode
    if not blank(department):
        dep = str(department).strip().upper()
        return "0" + dep if re.fullmatch(r"\d", dep) else dep
    return None


def choose_commune(code: str | None, fallback: str | None, postcode_: str | None = None,
                   department: str | None = None, name: str | None = None) -> tuple[str, int]:
    """Choose a commune code between a declared ``code`` and a ``fallback`` (a spatial join).

    The declared code wins when it is a commune code of the department the postcode (or, without
    one, ``department``) names; otherwise the fallback does, under the same test; the fallback is
    never used overseas (the census' spatial join covers metropolitan France only). Returns the
    code and which candidate won (0 or 1); raises :class:`CleaningIssue` when neither fits.
    """
    expected = _expected_department(postcode_, department)
    declared, spatial = normalise_commune_code(code), normalise_commune_code(fallback)
    unresolved = ""
    if declared is None and not blank(name):
        try:
            declared = resolve_commune(postcode_, name, department)  # no code given: the postcode and the name
        except CleaningIssue as issue:
            unresolved = f"; {issue.message.split(' (', 1)[-1].split(')', 1)[0]}"
    if declared and (expected is None or department_of_commune(declared) == expected):
        return declared, 0
    overseas = (expected or "").startswith("97") or (declared or "").startswith("97")
    if spatial and not overseas and (expected is None or department_of_commune(spatial) == expected):
        if declared:
            note(f"commune code {declared} is not in department {expected}; the code of the commune containing the point, {spatial}, is used")
        return spatial, 1
    raise CleaningIssue(
        f"no usable INSEE commune code (given {code!r}"
        + (f", fallback {fallback!r}" if fallback is not None else "")
        + (f", name {name!r}" if not blank(name) else "")
        + (f", expected department {expected}" if expected else "")
        + unresolved
        + "); the place is imported without a commune",
        reject=False,
    )


def commune_code(code: str | None, fallback: str | None = None, postcode_: str | None = None,
                 department: str | None = None, name: str | None = None) -> str:
    """Return the commune code :func:`choose_commune` picks (``name``: the commune's name, used when no code is given)."""
    return choose_commune(code, fallback, postcode_, department, name)[0]


def commune_name(code: str | None, fallback: str | None, postcode_: str | None, department: str | None,
                 name: str | None, fallback_name: str | None, initial_name: str | None = None,
                 by_name: str | None = None) -> str | None:
    """Return the name of the commune :func:`choose_commune` picks: ``name`` for the declared code,
    ``fallback_name`` for the fallback, ``initial_name`` when that one is blank. With ``by_name``
    (``true``: the mapping's ``communeCode`` reads the name too), a missing code is resolved from the
    postcode and ``name`` as :func:`commune_code` does, so that the commune and its name agree."""
    resolve = str(by_name or "").strip().lower() in ("true", "1", "yes")
    _, which = choose_commune(code, fallback, postcode_, department, name if resolve else None)
    chosen = (name, fallback_name)[which]
    for candidate in (chosen, initial_name):
        if not blank(candidate):
            return str(candidate).strip()
    return None


def department_code(commune: str | None, postcode_: str | None = None) -> str | None:
    """Return the department code of a commune code, or of a postcode when there is no commune."""
    normalised = normalise_commune_code(commune)
    if normalised:
        return department_of_commune(normalised)
    return department_of_postcode(postcode(postcode_) if not blank(postcode_) else None)


@dataclass(frozen=True)
class Commune:
    """A row of ``mappings/reference/communes.csv`` (Etalab's découpage administratif: :mod:`.reference`)."""

    code: str
    name: str
    type: str
    department: str
    parent: str
    postcodes: tuple[str, ...]
    key: str  # the name as compared (:func:`_name_key`), computed once when the table is read


def _name_key(name: str) -> str:
    """Compare commune names without case, accents, punctuation, and with St/Ste written out."""
    from .text import words

    replaced = {"st": "saint", "ste": "sainte"}
    return " ".join(replaced.get(w, w) for w in words(name).split())


@lru_cache(maxsize=1)
def communes() -> tuple[dict[str, list[Commune]], dict[str, list[Commune]]]:
    """Return the communes by postcode and by (department, name key), current and former ones and arrondissements."""
    by_postcode: dict[str, list[Commune]] = {}
    by_name: dict[str, list[Commune]] = {}
    with (MAPPINGS_DIR / "reference" / "communes.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            commune = Commune(row["code"], row["name"], row["type"], row["department"], row["parent"],
                              tuple(row["postcodes"].split()), _name_key(row["name"]))
            for code in commune.postcodes:
                by_postcode.setdefault(code, []).append(commune)
            by_name.setdefault(f"{commune.department} {commune.key}", []).append(commune)
    return by_postcode, by_name


def _current(commune: Commune) -> str:
    """Return the current commune's code: a former commune's or an arrondissement's is its parent's."""
    return commune.parent if commune.type != "commune-actuelle" and commune.parent else commune.code


def resolve_commune(postcode_: str | None, name: str | None, department: str | None = None) -> str:
    """Return the INSEE code of the current commune a postcode and a commune name designate.

    A postcode shared by several communes is told apart by the name; a former commune
    (merged into a "commune nouvelle") or an arrondissement of Paris, Lyon or Marseille gives
    its current commune; without a postcode the name is looked up in ``department``. A name
    that begins the name of exactly one commune of its postcode gives that commune (Ancenis for
    Ancenis-Saint-Géréon), and a name that differs from the only commune of its postcode gives
    that commune, each with a note.
    Raises :class:`CleaningIssue` (the place is kept without a commune) when nothing fits.
    """
    code = postcode(postcode_) if not blank(postcode_) else None
    key = _name_key(str(name or ""))
    by_postcode, by_name = communes()
    candidates = by_postcode.get(code, []) if code else []
    named = sorted({_current(c) for c in candidates if c.key == key})
    if not named:
        departments_ = {c.department for c in candidates} or ({department_of_postcode(code)} if code else set())
        if department:
            departments_.add(str(department).strip().upper())
        named = sorted({_current(c) for d in departments_ for c in by_name.get(f"{d} {key}", [])})
    if len(named) == 1:
        return named[0]
    current = sorted({_current(c) for c in candidates})
    if not named and key:
        # A commune nouvelle often keeps its largest former commune's name first (Ancenis-Saint-Géréon,
        # Theix-Noyalo), and exports keep writing the old name.
        beginning = {c.code: c for c in candidates if c.key.startswith(key + " ")}
        if len(beginning) == 1:
            (chosen,) = beginning.values()
            note(f"commune {name!r} is not the name of a commune of postcode {code}; {chosen.name!r} ({chosen.code}), "
                 "the only one whose name begins with it, is used")
            return _current(chosen)
    if not named and len(current) == 1 and key:
        note(f"commune {name!r} is not the name of postcode {code}'s commune; its only commune, {current[0]}, is used")
        return current[0]
    what = f"postcode {code!r} and name {name!r}" if code else f"name {name!r}" + (f" in department {department}" if department else "")
    reason = f"{len(named)} communes fit" if named else (f"postcode shared by {len(current)} communes, none named so" if len(current) > 1
                                                         else "no commune fits")
    raise CleaningIssue(f"no INSEE commune code from {what} ({reason}); the place is imported without a commune", reject=False)
