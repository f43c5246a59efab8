"""Applying a person's review: accept, reject, another item; bad files refused whole, naming line and field."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from tierslieux.cli import main
from tierslieux.linking.linkstore import CHOSEN, CONFIRMED, read_links, read_rejections, read_unmatched
from tierslieux.linking.pipeline import link_places
from tierslieux.linking.review import ReviewError, apply_review, read_queue, write_queue
from tierslieux.namespaces import SEMAPV, SSSOM
from tierslieux.rdfio import canonical_turtle, parse_file

from .servers import make_client

pytestmark = pytest.mark.slow

PLACE = "https://w3id.org/tiers-lieux/id/place/"


@pytest.fixture
def queued(places, link_config, links_dir, tmp_path):
    """A links folder after one run: 21 links, a review queue of 5 places, 4 unmatched."""
    client = make_client(link_config.endpoint, tmp_path / "cache", link_config)
    link_places(places, config=link_config, client=client, links_dir=links_dir, today=date(2026, 1, 31), progress=False)
    return links_dir / "review.csv"


def decide(path, decisions: dict[tuple[str, str], tuple[str, str]]):
    """Fill the decision (and reviewer) of rows given by (place slug, qid)."""
    rows = read_queue(path)
    for row in rows:
        key = (row["place"][len(PLACE) :], row["qid"])
        if key in decisions:
            row["decision"], row["reviewer"] = decisions.pop(key)
    assert not decisions, f"rows not in the queue: {decisions}"
    write_queue(path, rows)


def test_accept_reject_and_another_item(queued, links_dir, wikidata_endpoint):
    decide(
        queued,
        {
            ("les-copeaux-numeriques", "Q900001035"): ("accept", "Camille"),
            ("la-coloc-lyon", "Q900001021"): ("reject", "Camille"),
            ("anticafe-paris-452", "Q900001009"): ("Q900001010", "Dominique"),
        },
    )
    outcome = apply_review(queued, links_dir, today=date(2026, 2, 2))
    assert (outcome.confirmed, outcome.chosen, outcome.rejected, outcome.unmatched) == (1, 1, 2, 1)
    links = {k.place: k for k in read_links(links_dir / "wikidata.ttl")}
    copeaux = links[PLACE + "les-copeaux-numeriques"]
    assert (copeaux.qid, copeaux.how, copeaux.reviewer, copeaux.created) == ("Q900001035", CONFIRMED, "Camille", date(2026, 2, 2))
    assert copeaux.score is not None and copeaux.confirmed_by_a_person
    anticafe = links[PLACE + "anticafe-paris-452"]
    assert (anticafe.qid, anticafe.how, anticafe.score) == ("Q900001010", CHOSEN, None)
    rejected = {(r.place, r.qid) for r in read_rejections(links_dir / "rejected.csv")}
    assert rejected == {(PLACE + "la-coloc-lyon", "Q900001021"), (PLACE + "anticafe-paris-452", "Q900001009")}
    # Decided places leave the queue; the others stay, undecided.
    left = read_queue(queued)
    assert {r["place"][len(PLACE) :] for r in left} == {"atelier-numerique-romorantin", "arret-minute-libourne"}
    assert all(r["decision"] == "" for r in left)
    # A place whose every candidate was rejected is a candidate for a new Wikidata item.
    assert PLACE + "la-coloc-lyon" in {u.place for u in read_unmatched(links_dir / "unmatched.csv")}
    # Provenance in the links file: a person confirmed or chose the link.
    graph = parse_file(links_dir / "wikidata.ttl")
    assert canonical_turtle(graph) == (links_dir / "wikidata.ttl").read_text(encoding="utf-8")
    justifications = set(graph.objects(None, SSSOM.mapping_justification))
    assert {SEMAPV.MappingReview, SEMAPV.ManualMappingCuration, SEMAPV.CompositeMatching} <= justifications


def test_a_malformed_file_is_refused_whole_naming_line_and_field(queued, links_dir):
    before = {p.name: p.read_bytes() for p in links_dir.iterdir()}
    rows = read_queue(queued)
    rows[0]["decision"] = "maybe"
    rows[1]["decision"] = "accept"
    rows[1]["qid"] = "42"
    write_queue(queued, rows)
    with pytest.raises(ReviewError) as caught:
        apply_review(queued, links_dir)
    problems = caught.value.problems
    assert problems[0] == f"{queued}:2: field 'decision' is 'maybe'; expected 'accept', 'reject' or another item identifier (Q…)"
    assert problems[1] == f"{queued}:3: field 'qid' is '42', not a Wikidata item identifier (Q…)"
    after = {p.name: p.read_bytes() for p in links_dir.iterdir()}
    assert before.keys() == after.keys()
    assert {k: v for k, v in after.items() if k != "review.csv"} == {k: v for k, v in before.items() if k != "review.csv"}


def test_two_items_for_one_place_is_a_conflict(queued, links_dir):
    decide(
        queued,
        {
            ("anticafe-paris-452", "Q900001008"): ("accept", ""),
            ("anticafe-paris-452", "Q900001009"): ("accept", ""),
        },
    )
    with pytest.raises(ReviewError, match=r"review\.csv:\d+, .*review\.csv:\d+: .*anticafe-paris-452 is given several items \(Q900001008, Q900001009\); keep one"):
        apply_review(queued, links_dir)


def test_a_missing_column_is_named(tmp_path, links_dir):
    path = tmp_path / "review.csv"
    path.write_text("place,qid\nx,Q1\n", encoding="utf-8")
    with pytest.raises(ReviewError, match=r"review\.csv:1: missing column\(s\) decision; the header is place, qid"):
        apply_review(path, links_dir)


def test_the_command_checks_that_a_typed_item_exists(queued, links_dir, wikidata_endpoint, tmp_path):
    decide(queued, {("anticafe-paris-452", "Q900001009"): ("Q900009999", "Dominique")})
    args = ["link", "review", str(queued), "--endpoint", wikidata_endpoint, "--links-dir", str(links_dir), "--cache-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "item Q900009999 does not exist on the endpoint" in result.output
    decide(queued, {("anticafe-paris-452", "Q900001009"): ("Q900001010", "Dominique")})
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "0 links confirmed, 1 chosen by hand (0 replaced an earlier link), 1 candidates rejected" in result.output
