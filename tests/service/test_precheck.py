"""The web worker's bounded pre-check: nesting depth read by one linear pass that skips strings, IRIs and comments."""

from __future__ import annotations

import pytest

from tierslieux.service import guard


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("ASK {}", 1),
        ("SELECT * { ?s ?p ?o FILTER((1)) }", 3),
        ('SELECT * { ?s ?p "((((((" }', 1),  # brackets in a string do not count
        ("SELECT * { ?s ?p '''{{{\n{{{''' }", 1),  # nor in a long string
        ('SELECT * { ?s ?p "a\\"((((" }', 1),  # an escaped quote does not end the string
        ("SELECT * { ?s ?p <http://x/((((> }", 1),  # nor in an IRI
        ("SELECT * { ?s ?p ?o } # ((((((\n", 1),  # nor in a comment
        ("SELECT * { ?s ?p ?o FILTER(?o < ((1))) }", 4),  # `<` followed by a space is an operator: what follows counts
        ("SELECT * { FILTER(!!!true) }", 5),  # a run of `!` nests too
        ("SELECT * { FILTER(! ! !true) }", 5),
        ("SELECT * { FILTER(!true && !false) }", 3),
        ("SELECT * { ?s ?p \"unclosed", 1),
    ],
)
def test_nesting_depth(text, depth):
    assert guard.nesting_depth(text) == depth


def test_precheck_refuses_deeper_than_the_limit_naming_it():
    guard.precheck("SELECT * " + "{" * 10 + "}" * 10, max_depth=10)
    with pytest.raises(guard.Refused, match=r"nested 11 levels deep .* at most 10 levels") as refused:
        guard.precheck("SELECT * " + "{" * 11 + "}" * 11, max_depth=10)
    assert refused.value.status == 400


def test_policy_lexer_reads_long_names_without_backtracking():
    """`a-a-a-…` was tried as a prefixed name at every position; the lexer now reads such a run as one word."""
    found = guard.scan("a-" * 32760)
    assert found.service_targets == [] and found.loads == 0
    assert guard.scan("PREFIX e: <http://e/> SELECT * { SERVICE e:x { ?s ?p ?o } }").service_targets == ["http://e/x"]
