"""French administrative geography for the importers: INSEE codes of communes, departments and regions.

The department and region names come from the reviewed tables ``mappings/reference/departments.csv``
and ``regions.csv`` (INSEE's Code officiel géographique, 2019).
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
                   department: str | None = None) -> tuple[str, int]:
    """Choose a commune code between a declared ``code`` and a ``fallback`` (a spatial join).

    The declared code wins when it is a commune code of the department the postcode (or, without
    one, ``department``) names; otherwise the fallback does, under the same test; the fallback is
    never used overseas (the census' spatial join covers metropolitan France only). Returns the
    code and which candidate won (0 or 1); raises :class:`CleaningIssue` when neither fits.
    """
    expected = _expected_department(postcode_, department)
    declared, spatial = normalise_commune_code(code), normalise_commune_code(fallback)
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
        + (f", expected department {expected}" if expected else "")
        + "); the place is imported without a commune",
        reject=False,
    )


def commune_code(code: str | None, fallback: str | None = None, postcode_: str | None = None,
                 department: str | None = None) -> str:
    """Return the commune code :func:`choose_commune` picks."""
    return choose_commune(code, fallback, postcode_, department)[0]


def commune_name(code: str | None, fallback: str | None, postcode_: str | None, department: str | None,
                 name: str | None, fallback_name: str | None, initial_name: str | None = None) -> str | None:
    """Return the name of the commune :func:`choose_commune` picks: ``name`` for the declared code,
    ``fallback_name`` for the fallback, ``initial_name`` when that one is blank."""
    _, which = choose_commune(code, fallback, postcode_, department)
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
