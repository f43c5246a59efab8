"""Reading RDF files: Oxigraph's parser first, rdflib's for what it refuses, one graph either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from tierslieux.rdfio import RDFSyntaxError, _parse_with_oxigraph, parse_file

from .conftest import REPO_ROOT
from .marks import slow_if_census

TURTLE = """@prefix ex: <http://example.org/> .
ex:place ex:name "La Coroutine"@FR , "The Coroutine"@en ; ex:seats 12 ; ex:rate 1.50 ; ex:open true ;
  ex:address [ ex:city "Lyon" ] ; ex:owner _:x .
_:x ex:name "x" .
<relative> ex:p "é\\u00e9\\n" .
"""


def _rdflib_only(path: Path) -> Graph:
    """The file as rdflib alone reads it, language tags lower-cased as Oxigraph gives them (BCP 47 tags ignore case)."""
    graph = Graph()
    graph.parse(path, format="turtle", publicID=path.resolve().as_uri())
    lowered = Graph()
    for s, p, o in graph:
        lowered.add((s, p, Literal(o, lang=o.language.lower()) if isinstance(o, Literal) and o.language else o))
    return lowered


def test_the_fast_parser_gives_the_graph_rdflib_gives(tmp_path):
    path = tmp_path / "place.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    graph = parse_file(path)
    assert isomorphic(graph, _rdflib_only(path))
    relative = URIRef((path.resolve().parent / "relative").as_uri())
    assert (relative, URIRef("http://example.org/p"), Literal("éé\n")) in graph
    assert dict(graph.namespaces())["ex"] == URIRef("http://example.org/")


def test_the_fast_parser_is_the_one_that_read_the_file(tmp_path):
    # Shows the fast path is taken at all (the test above would also pass if rdflib read every file).
    path = tmp_path / "place.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    graph = Graph()
    assert _parse_with_oxigraph(path.read_bytes(), "TURTLE", path.resolve().as_uri(), graph)
    assert isomorphic(graph, _rdflib_only(path))


def test_a_blank_node_label_in_two_files_is_two_nodes(tmp_path):
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    first.write_text('_:x <http://example.org/name> "a" .\n', encoding="utf-8")
    second.write_text('_:x <http://example.org/name> "b" .\n', encoding="utf-8")
    union = parse_file(second, parse_file(first))
    subjects = set(union.subjects())
    assert len(subjects) == 2 and all(isinstance(node, BNode) for node in subjects)


def test_what_oxigraph_refuses_rdflib_still_reads(tmp_path):
    # rdflib accepts a space in an IRI, which Oxigraph's parser refuses: the file reads as it did before.
    path = tmp_path / "lenient.ttl"
    path.write_text('<http://example.org/a b> <http://example.org/p> "x" .\n', encoding="utf-8")
    assert not _parse_with_oxigraph(path.read_bytes(), "TURTLE", path.resolve().as_uri(), Graph())
    assert len(parse_file(path)) == 1


def test_a_syntax_error_still_names_the_file_line_and_column(tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p "x" .\nex:b ex:p .\n', encoding="utf-8")
    with pytest.raises(RDFSyntaxError) as error:
        parse_file(path)
    assert error.value.path == path and error.value.line == 3


@pytest.mark.parametrize("path", slow_if_census(sorted((REPO_ROOT / "data").rglob("*.ttl"))), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_data_file_reads_as_rdflib_reads_it(path):
    assert isomorphic(parse_file(path), _rdflib_only(path))
