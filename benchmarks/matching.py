"""``make bench`` (its matching part): the matcher's speed on this machine, written to ``benchmarks/MATCHING.md``.

1. **Import**: 20,000 generated records (a third of them degraded copies of the
   repository's places, the others new places with made-up names in real
   communes) matched against every place of ``data/`` with the importer's own
   code (:func:`tierslieux.importing.matching.match_existing`), and the other
   way round (an index of the places, one query per record).
2. **Reconciliation**: batches of 100 queries (degraded census rows) posted to
   ``/reconcile`` of the service over a fresh build, in-process; the first
   request, which builds the release's index, is timed apart.

Run ``python benchmarks/matching.py`` (``--records N`` to change the size).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, URIRef

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

from tierslieux.importing.matching import match_existing
from tierslieux.importing.records import Place, existing_places
from tierslieux.matching import Index, load_kind_hierarchy, load_settings
from tierslieux.matching.degrade import degrade
from tierslieux.paths import DATA_DIR, turtle_files
from tierslieux.rdfio import parse_file

SYLLABLES = ("ka", "lo", "mi", "ra", "tu", "ne", "vo", "si", "da", "pe", "lu", "fo", "ze", "bi", "co", "ga")
WORDS = ("Atelier", "Fabrique", "Ruche", "Hangar", "Grange", "Cantine", "Forge", "Maison", "Usine", "Ferme")


def existing() -> list[Place]:
    """The places of data/ (census, curated), as the importer reads them."""
    graph = Graph()
    for folder in ("census", "curated"):
        for path in turtle_files(DATA_DIR / folder):
            parse_file(path, graph)
    return existing_places(graph)


def generate(places: list[Place], count: int, seed: int = 1) -> list[list[Place]]:
    """``count`` records as one-record groups: a third degraded copies of ``places``, the rest new places."""
    rng = random.Random(seed)
    records = []
    with_commune = [p for p in places if p.commune_name]
    for i in range(count):
        base = rng.choice(with_commune)
        if i % 3 == 0:
            row = degrade(str(base.node), base.name, base.commune_name, base.postcode or "", i)
            name, commune = row.name, row.commune
        else:
            name = f"{rng.choice(WORDS)} {''.join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()}"
            commune = base.commune_name
        lat = base.lat + rng.uniform(-0.01, 0.01) if base.lat is not None and i % 2 else None
        lon = base.lon + rng.uniform(-0.01, 0.01) if base.lon is not None and i % 2 else None
        records.append([Place(URIRef(f"urn:tierslieux:record:{i}"), str(i), i, name, None, commune, None, None, lat, lon)])
    return records


def measure_import(count: int) -> dict:
    """Match ``count`` generated records against data/ both ways; return times (s) and the peak memory (MB)."""
    places = existing()
    groups = generate(places, count)
    start = time.perf_counter()
    matches = match_existing(groups, places, {}, "generated")
    importer = time.perf_counter() - start
    settings = load_settings("import")
    start = time.perf_counter()
    from tierslieux.importing.matching import describe

    index = Index([describe(p, str(p.node)) for p in places], load_kind_hierarchy())
    built = time.perf_counter() - start
    start = time.perf_counter()
    decisions = [index.match(describe(g[0], g[0].record), settings) for g in groups]
    reverse = time.perf_counter() - start
    return {
        "records": count, "places": len(places),
        "importer_seconds": round(importer, 2),
        "importer_matched": sum(1 for m in matches if m.group is not None),
        "records_per_place_index_seconds": round(built + reverse, 2),
        "records_matched_or_reviewed": sum(1 for d in decisions if d.status != "no-match"),
        "records_per_second": round(count / max(importer, 1e-9)),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def measure_reconcile(batches: int = 10, size: int = 100) -> dict:
    """Post ``batches`` batches of ``size`` degraded census rows to /reconcile over a fresh build."""
    from tierslieux.build.builder import build_release
    from tierslieux.service import create_app

    with tempfile.TemporaryDirectory() as folder:
        build_release(Path(folder), validate=False)
        app = create_app({"TESTING": True, "BUILD_DIR": Path(folder), "QUERY_PROCESSES": 0})
        client = app.test_client()
        start = time.perf_counter()
        client.get("/reconcile/suggest/entity?prefix=a")
        first = time.perf_counter() - start
        places = [p for p in existing() if p.commune_name]
        rows = [degrade(str(p.node), p.name, p.commune_name, p.postcode or "", i) for i, p in enumerate(places)]
        times = []
        for b in range(batches):
            chunk = rows[b * size:(b + 1) * size]
            queries = {str(i): {"query": r.name, "properties": [{"pid": "commune", "v": r.commune}]} for i, r in enumerate(chunk)}
            start = time.perf_counter()
            response = client.post("/reconcile", data={"queries": json.dumps(queries)})
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.get_data(as_text=True)
    return {"index_build_seconds": round(first, 2), "batch_size": size, "batches": batches,
            "batch_median_seconds": round(statistics.median(times), 3), "batch_max_seconds": round(max(times), 3)}


def main() -> None:
    """Run both measurements and write benchmarks/MATCHING.md and matching.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=HERE / "MATCHING.md")
    args = parser.parse_args()
    imported = measure_import(args.records)
    print(json.dumps(imported), file=sys.stderr)
    reconciled = measure_reconcile()
    print(json.dumps(reconciled), file=sys.stderr)
    args.out.with_name("matching.json").write_text(json.dumps({"import": imported, "reconcile": reconciled}, indent=2) + "\n")
    args.out.write_text(
        "# Matching benchmark\n\nWritten by `benchmarks/matching.py` (`make bench`).\n\n"
        f"* Import: {imported['records']:,} generated records against {imported['places']:,} places of data/: "
        f"{imported['importer_seconds']} s with the importer's code ({imported['records_per_second']:,} records/s, "
        f"{imported['importer_matched']} places matched); the other way round (an index of the places, one query per "
        f"record): {imported['records_per_place_index_seconds']} s; peak memory {imported['peak_memory_mb']} MB.\n"
        f"* Reconciliation: the release's index built in {reconciled['index_build_seconds']} s (first request); "
        f"batches of {reconciled['batch_size']} queries answered in {reconciled['batch_median_seconds']} s "
        f"(median of {reconciled['batches']}, slowest {reconciled['batch_max_seconds']} s).\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
