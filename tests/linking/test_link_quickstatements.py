"""QuickStatements V1 for the places Wikidata lacks: every statement referenced, the commune only when known."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from tierslieux.cli import main
from tierslieux.linking.classes import KindClasses
from tierslieux.linking.pipeline import link_places
from tierslieux.linking.places import Place
from tierslieux.linking.quickstatements import build_quickstatements, qs_string, qs_time

from .servers import PLACES, make_client


def xsd(name: str) -> URIRef:
    return URIRef("http://www.w3.org/2001/XMLSchema#" + name)

REFERENCE = "\tS854\t\"https://www.cget.gouv.fr/actualites/l-etat-s-engage-pour-soutenir-et-accelerer-la-dynamique-des-tiers-lieux-dans-les-territoires\""


@pytest.mark.slow
def test_commands_for_the_unmatched_places(places, link_config, links_dir, wikidata_endpoint, tmp_path):
    client = make_client(link_config.endpoint, tmp_path / "cache", link_config)
    link_places(places, config=link_config, client=client, links_dir=links_dir, today=date(2026, 1, 31), progress=False)
    out = tmp_path / "new-items.qs"
    result = CliRunner().invoke(
        main,
        ["link", "quickstatements", "--endpoint", wikidata_endpoint, "--places", str(PLACES), "--links-dir", str(links_dir),
         "--cache-dir", str(tmp_path / "cache"), "--output", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "4 items to create, 0 places skipped" in result.output
    blocks = [b.strip("\n").split("\n") for b in out.read_text(encoding="utf-8").split("CREATE\n") if b]
    assert len(blocks) == 4
    numerifab = next(b for b in blocks if '"Numérifab"' in b[0])
    assert numerifab == [
        'LAST\tLfr\t"Numérifab"',
        'LAST\tDfr\t"tiers-lieu (fab lab) à Bras-sur-Meuse"',
        "LAST\tP31\tQ900000001" + REFERENCE,
        "LAST\tP625\t@49.210119/5.377144" + REFERENCE,
        "LAST\tP131\tQ900000126" + REFERENCE,
        'LAST\tP856\t"http://www.numerifab.fr/"' + REFERENCE,
    ]
    # Bayonne's code is also carried by a dissolved former commune: only the current one counts.
    cocotte = next(b for b in blocks if '"La Cocotte"' in b[0])
    assert "LAST\tP131\tQ900000127" + REFERENCE in cocotte
    assert any(line.startswith("LAST\tP31\tQ900000002\tS854") for line in cocotte)
    # No statement without its reference; labels and descriptions take none.
    for block in blocks:
        for line in block:
            assert line.split("\t")[1] in ("Lfr", "Dfr") or line.endswith(REFERENCE), line


def test_inception_at_the_precision_of_the_source():
    assert qs_time(Literal("2010", datatype=xsd("gYear"))) == "+2010-00-00T00:00:00Z/9"
    assert qs_time(Literal("2008-02", datatype=xsd("gYearMonth"))) == "+2008-02-00T00:00:00Z/10"
    assert qs_time(Literal("2012-09-15", datatype=xsd("date"))) == "+2012-09-15T00:00:00Z/11"
    assert qs_time(Literal("bientôt")) is None


def test_places_without_a_class_or_a_referenceable_source_are_skipped_with_the_reason():
    graph = Graph()
    source = "https://w3id.org/tiers-lieux/id/source/seed-001"
    kinds = KindClasses(classes={"fablab": frozenset({"Q900000001"})})
    no_url = Place("https://w3id.org/tiers-lieux/id/place/a", ("A",), kinds=("fablab",), sources=(source,))
    no_class = Place("https://w3id.org/tiers-lieux/id/place/b", ("B",), kinds=("living-lab",), sources=("https://example.org/b",))
    founded = Place(
        "https://w3id.org/tiers-lieux/id/place/c", ('Le "C"',), kinds=("fablab",), sources=("https://example.org/c",),
        founding=Literal("2010", datatype=xsd("gYear")),
    )
    result = build_quickstatements([no_url, no_class, founded], graph, kinds, {})
    assert result.skipped == [
        ("https://w3id.org/tiers-lieux/id/place/a", "its source has no public web address to reference"),
        ("https://w3id.org/tiers-lieux/id/place/b", "no Wikidata class is known for its kinds (living-lab)"),
    ]
    assert result.created == 1
    assert 'LAST\tLfr\t"Le \'C\'"' in result.commands
    assert 'LAST\tP571\t+2010-00-00T00:00:00Z/9\tS854\t"https://example.org/c"' in result.commands
    assert qs_string("a\tb\n c") == '"a b c"'
