"""The README's tour runs: its SPARQL answers, and its commands name real queries and parameters."""

from __future__ import annotations

import re
import shlex

import pytest

from tierslieux.build.sources import all_source_files
from tierslieux.commands.qc import load_sources_store
from tierslieux.paths import QUERIES_DIR
from tierslieux.queries.named import load_named_queries

from .conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
SPARQL_BLOCKS = re.findall(r"```sparql\n(.*?)```", README, flags=re.DOTALL)
QUERY_COMMANDS = [line for block in re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL) for line in block.splitlines() if " query " in line]


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, flags=re.DOTALL).group(1)
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == ["make serve", "make test"]


def test_readme_has_a_tour():
    assert SPARQL_BLOCKS and QUERY_COMMANDS


@pytest.mark.parametrize("sparql", SPARQL_BLOCKS, ids=lambda q: q.split("SELECT")[1][:40])
def test_readme_sparql_answers_on_the_repository_data(sparql):
    store = load_sources_store(all_source_files())
    rows = list(store.query(sparql))
    graphs = {row["graph"].value for row in rows}
    assert "https://w3id.org/tiers-lieux/graph/census/cget-2019" in graphs
    assert any(g.startswith("https://w3id.org/tiers-lieux/graph/curated/") for g in graphs)


@pytest.mark.parametrize("command", QUERY_COMMANDS)
def test_readme_query_commands_name_real_queries_and_parameters(command):
    words = shlex.split(command)
    name = words[words.index("query") + 1]
    queries = load_named_queries(QUERIES_DIR)
    assert name in queries
    declared = {p.name for p in queries[name].parameters}
    given = {words[i + 1].split("=")[0] for i, w in enumerate(words) if w == "--param"}
    assert given <= declared


@pytest.mark.parametrize("sparql", SPARQL_BLOCKS, ids=lambda q: q.split("SELECT")[1][:40])
def test_readme_sparql_runs_from_the_command_line(sparql, built, tmp_path):
    """The README says to save its query as a .rq file and run ``tierslieux query --file`` on it."""
    from click.testing import CliRunner

    from tierslieux.cli import main

    (tmp_path / "coroutine.rq").write_text(sparql, encoding="utf-8")
    result = CliRunner().invoke(main, ["query", "--file", str(tmp_path / "coroutine.rq"), "--build-dir", str(built.root)])
    assert result.exit_code == 0, result.output
    assert "tlg:census/cget-2019" in result.output and "tlg:curated/" in result.output
