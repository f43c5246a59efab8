"""Official French reference data: Etalab's ``@etalab/decoupage-administratif`` turned into the tables of ``mappings/reference/``.

The npm package (MIT licence, © Etalab; its data is INSEE's Code officiel
géographique, Licence Ouverte 2.0) is fetched by ``make reference-data`` at the
version the Makefile pins, and converted by this module into three compact CSV
files, committed so that imports and tests need no network:

- ``communes.csv``: ``code,name,type,department,region,parent,postcodes`` for every
  current commune, former commune (``commune-deleguee``, ``commune-associee``: ``parent``
  is the current commune) and municipal arrondissement of Paris, Lyon and Marseille
  (``parent`` is the city); ``postcodes`` separated by spaces;
- ``departments.csv``: ``code,name_fr,region``;
- ``regions.csv``: ``code,name_fr,name_en``: the English names are the project's own
  (the package has none), kept from the previous table; a new region's is its French name.

Run: ``python -m tierslieux.importing.reference PACKAGE_DIR [OUT_DIR]``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from ..paths import MAPPINGS_DIR

#: the version ``make reference-data`` fetches (the Makefile's ETALAB_VERSION says the same)
ETALAB_VERSION = "6.0.0"
REFERENCE_DIR = MAPPINGS_DIR / "reference"
COMMUNE_COLUMNS = ("code", "name", "type", "department", "region", "parent", "postcodes")


def _csv(columns: tuple[str, ...], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def convert(package_dir: Path, out_dir: Path = REFERENCE_DIR) -> dict[str, int]:
    """Write the three tables from the unpacked package ``package_dir``; return how many rows each has."""
    data = Path(package_dir) / "data"
    version = json.loads((Path(package_dir) / "package.json").read_text(encoding="utf-8"))["version"]
    if version != ETALAB_VERSION:
        raise ValueError(f"{package_dir}: @etalab/decoupage-administratif {version}, expected {ETALAB_VERSION} (the pinned version)")
    communes = []
    for item in json.loads((data / "communes.json").read_text(encoding="utf-8")):
        communes.append({
            "code": item["code"], "name": item["nom"], "type": item["type"], "department": item.get("departement", ""),
            "region": item.get("region", ""), "parent": item.get("chefLieu") or item.get("commune") or "",
            "postcodes": " ".join(item.get("codesPostaux") or []),
        })
    communes.sort(key=lambda c: (c["code"], c["type"]))
    departments = sorted(({"code": d["code"], "name_fr": d["nom"], "region": d["region"]}
                          for d in json.loads((data / "departements.json").read_text(encoding="utf-8"))), key=lambda d: d["code"])
    english = {}
    previous = out_dir / "regions.csv"
    if previous.is_file():
        with previous.open(encoding="utf-8", newline="") as handle:
            english = {r["code"]: r["name_en"] for r in csv.DictReader(handle)}
    regions = sorted(({"code": r["code"], "name_fr": r["nom"], "name_en": english.get(r["code"], r["nom"])}
                      for r in json.loads((data / "regions.json").read_text(encoding="utf-8"))), key=lambda r: r["code"])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "communes.csv").write_text(_csv(COMMUNE_COLUMNS, communes), encoding="utf-8")
    (out_dir / "departments.csv").write_text(_csv(("code", "name_fr", "region"), departments), encoding="utf-8")
    (out_dir / "regions.csv").write_text(_csv(("code", "name_fr", "name_en"), regions), encoding="utf-8")
    return {"communes": len(communes), "departments": len(departments), "regions": len(regions)}


if __name__ == "__main__":  # pragma: no cover - run by `make reference-data`
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m tierslieux.importing.reference PACKAGE_DIR [OUT_DIR]")
    counts = convert(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else REFERENCE_DIR)
    print(", ".join(f"{n} {name}" for name, n in counts.items()))
