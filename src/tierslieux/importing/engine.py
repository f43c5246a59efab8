"""Running a mapping with morph-kgc, the RML engine, over the checked records."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from rdflib import Graph

from . import vocabulary
from .issues import ImportFailure
from .mapping import Mapping
from .sources import Record, Table, write_engine_input

_UDFS = Path(__file__).with_name("morph_udfs.py")
#: A marker no source contains: morph-kgc then passes empty values to our functions, which decide.
_NO_NA = "#tierslieux-no-na#"


def run_mapping(mapping: Mapping, table: Table, records: list[Record]) -> Graph:
    """Materialise the mapping over ``records`` with morph-kgc and return the triples as a graph."""
    try:
        import morph_kgc
    except ImportError:  # pragma: no cover - depends on the installation
        raise ImportFailure("morph-kgc is not installed (run `make setup`; see docs/mappings.md)") from None
    graph = Graph()
    if not records:
        return graph
    vocabulary.SEARCH_PATH[:] = [mapping.path.parent]
    logging.getLogger("morph_kgc").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="tierslieux-import-") as tmp:
        folder = Path(tmp)
        source, iterator = write_engine_input(table, records, mapping, folder)
        yarrrml = folder / "mapping.yml"
        yarrrml.write_text(mapping.with_source(source, iterator if iterator else mapping.iterator() if table.kind == "json" else None),
                           encoding="utf-8")
        config = (
            "[CONFIGURATION]\n"
            f"udfs={_UDFS}\n"
            "number_of_processes=1\n"
            "logging_level=ERROR\n"
            f"na_values={_NO_NA}\n"
            "[DataSource]\n"
            f"mappings={yarrrml}\n"
        )
        try:
            triples = morph_kgc.materialize_set(config)
        except Exception as error:  # morph-kgc raises assorted exception types
            raise ImportFailure(f"{mapping.path}: morph-kgc could not run the mapping: {type(error).__name__}: {error}") from None
    if triples:
        graph.parse(data=".\n".join(sorted(triples)) + ".\n", format="nt")
    return graph
