"""Expected results of the named queries: which cases exist, where their files are, and how results compare.

Each named query has a ``default`` case (its parameters' defaults) whose
expected result is ``tests/queries/{name}.srj``; ``cases.json`` adds cases
with other parameter values, expected in ``tests/queries/{name}--{case}.srj``.
Results compare as result sets: multisets of solutions whose values are RDF
terms (in N-Triples form), in order only when the query has an ORDER BY.

Regenerate the files with ``python -m tests.queries.expected`` after the data
changed, then review the diff against the source data before committing.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from tierslieux.paths import QUERIES_DIR
from tierslieux.queries.named import NamedQuery, load_named_queries

EXPECTED_DIR = Path(__file__).resolve().parent
CASES_FILE = EXPECTED_DIR / "cases.json"
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    """One run of a named query: its parameter values and its expected result file."""

    query: NamedQuery
    name: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """``query`` or ``query--case``."""
        return self.query.name if self.name == "default" else f"{self.query.name}--{self.name}"

    @property
    def expected_path(self) -> Path:
        """The SPARQL JSON results file holding the expected answer."""
        return EXPECTED_DIR / f"{self.id}.srj"

    @property
    def ordered(self) -> bool:
        """Whether the order of the rows is part of the answer (the query has ORDER BY)."""
        return bool(_ORDER_BY.search(self.query.text))


def all_cases(queries: dict[str, NamedQuery] | None = None) -> list[Case]:
    """Return the default case of every named query and the extra cases of ``cases.json``."""
    queries = queries if queries is not None else load_named_queries(QUERIES_DIR)
    extra = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    unknown = sorted(set(extra) - set(queries))
    if unknown:
        raise ValueError(f"{CASES_FILE}: cases for unknown queries {unknown}")
    cases = []
    for name, query in queries.items():
        cases.append(Case(query, "default"))
        cases.extend(Case(query, case, params) for case, params in extra.get(name, {}).items())
    return cases


Row = tuple[tuple[str, str], ...]


@dataclass
class ResultSet:
    """A SELECT answer reduced to comparable values: variables and rows of (variable, N-Triples term)."""

    variables: list[str]
    rows: list[Row]

    @classmethod
    def of(cls, results: ox.QuerySolutions) -> ResultSet:
        """Read every row of ``results``."""
        variables = [v.value for v in results.variables]
        rows = [tuple((v, str(row[v])) for v in variables if row[v] is not None) for row in results]
        return cls(variables, rows)

    @classmethod
    def parse(cls, data: bytes | str, fmt: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON) -> ResultSet:
        """Parse serialised SELECT results (SPARQL JSON by default)."""
        return cls.of(ox.parse_query_results(data, fmt))

    def differences(self, expected: ResultSet, ordered: bool) -> list[str]:
        """Return what differs from ``expected`` (empty when equal as result sets)."""
        problems = []
        if set(self.variables) != set(expected.variables):
            problems.append(f"variables {self.variables} instead of {expected.variables}")
        if ordered and self.rows != expected.rows and Counter(self.rows) == Counter(expected.rows):
            first = next(i for i, (a, b) in enumerate(zip(self.rows, expected.rows)) if a != b)
            problems.append(f"same rows in another order, first difference at row {first}: {self.rows[first]} instead of {expected.rows[first]}")
        missing = Counter(expected.rows) - Counter(self.rows)
        extra = Counter(self.rows) - Counter(expected.rows)
        if missing:
            problems.append(f"{sum(missing.values())} missing rows, e.g. {list(missing)[:3]}")
        if extra:
            problems.append(f"{sum(extra.values())} unexpected rows, e.g. {list(extra)[:3]}")
        return problems


def pretty_json(results: ox.QuerySolutions) -> str:
    """Serialise results as SPARQL JSON, one binding per line, so that a diff shows the rows that changed."""
    data = json.loads(results.serialize(format=ox.QueryResultsFormat.JSON))
    head = json.dumps(data["head"], ensure_ascii=False)
    bindings = ",\n".join("    " + json.dumps(b, ensure_ascii=False, sort_keys=True) for b in data["results"]["bindings"])
    body = f"\n{bindings}\n  " if bindings else ""
    return f'{{\n  "head": {head},\n  "results": {{"bindings": [{body}]}}\n}}\n'


def regenerate(out_root: Path) -> list[Path]:
    """Build the repository's graph into ``out_root`` and rewrite every expected result file; return them."""
    from tierslieux.build.builder import build_release
    from tierslieux.queries.parameters import bind_parameters, substitutions
    from tierslieux.rdfio import write_atomically
    from tierslieux.release import BuildLayout

    build_release(out_root, validate=False)
    store = ox.Store.read_only(str(BuildLayout(out_root).store_dir.resolve()))
    written = []
    for case in all_cases():
        bound = bind_parameters(case.query, case.params)
        results = store.query(case.query.text, use_default_graph_as_union=True, substitutions=substitutions(bound))
        write_atomically(case.expected_path, pretty_json(results))
        written.append(case.expected_path)
    stale = set(EXPECTED_DIR.glob("*.srj")) - set(written)
    for path in stale:
        path.unlink()
    return written


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        for path in regenerate(Path(folder)):
            print(path.relative_to(EXPECTED_DIR.parent.parent))
    sys.exit(0)
