"""The linker's scoring through the matcher (names, websites, coordinates, classes, decisions), without any server."""

from __future__ import annotations

import pytest

from tierslieux.linking.candidates import Item, search_words
from tierslieux.linking.classes import KindClasses
from tierslieux.linking.config import ConfigError, load_config
from tierslieux.linking.matches import (
    ACCEPT,
    NO_MATCH,
    REVIEW,
    decide,
    rank,
    score_item,
)
from tierslieux.linking.places import Place
from tierslieux.linking.wikidata import (
    VERIFIED_KIND_CLASSES,
    VERIFIED_KIND_PRACTICES,
    entity,
    fold_expression,
    qid,
)
from tierslieux.matching import Settings
from tierslieux.matching.geo import commune_codes, distance_km, parse_wkt_point
from tierslieux.matching.names import (
    fold,
    name_key,
    name_similarity,
    website_key,
    website_similarity,
)


def test_names_ignore_case_accents_punctuation_and_stop_words():
    assert fold("L’Établi — Œuvre") == "l etabli oeuvre"
    assert name_key("L'Atelier du Coin") == "coin"
    assert name_key("Le Tiers-Lieu de la Gare") == "gare"
    assert name_key("Espace Coworking") == "coworking"  # generic words stay when nothing else is left
    assert name_similarity("Arrêt Minute", "ARRET MINUTE") == 1.0
    assert name_similarity("Le Patchwork", "Patchwork") == 1.0
    assert name_similarity("Fab Lab Lannion", "FabLab de Lannion") == 1.0
    assert name_similarity("Cowork In Grenoble", "Cowork'In Grenoble") >= 0.9
    assert 0.55 < name_similarity("Anticafé", "Anticafé Beaubourg") < 0.75
    assert name_similarity("La Ruche", "La Cordée") < 0.4
    # Several distinctive words of every label are searched, the commune's own name left out.
    assert search_words(Place("x", ("La Fabrique du Loch",))) == ["fabrique", "loch"]
    assert search_words(Place("x", ("Espace numérique de Saint-Lô", "ENSL"), commune="Saint-Lô")) == ["numerique", "ensl"]


def test_websites_compare_without_scheme_www_or_trailing_slash():
    assert website_key("HTTPS://www.Example.org/path/?a=1#x") == "example.org/path"
    assert website_similarity(["http://www.anticafe.eu"], ["https://anticafe.eu/"]) == 1.0
    assert website_similarity(["http://la-cordee.net/lyon"], ["https://www.la-cordee.net/"]) == 0.5
    assert website_similarity(["http://a.fr"], ["http://b.fr"]) == -1.0  # two official websites: a contradiction
    assert website_similarity(["https://facebook.com/a"], ["https://facebook.com/b"]) == 0.0  # a shared host says nothing
    assert website_similarity(["http://www.la-cordee.netla-cordee-opera"], ["https://la-cordee.net/"]) == 0.5  # slash lost
    assert website_similarity([], ["http://b.fr"]) is None


def test_wkt_points_are_longitude_first():
    assert parse_wkt_point("Point(2.3615 48.8695)") == (48.8695, 2.3615)
    assert parse_wkt_point("POINT(-1.5 47.2)") == (47.2, -1.5)
    # A point on another globe names its reference system, and is not used.
    assert parse_wkt_point("<http://www.wikidata.org/entity/Q900000000> Point(10 20)") is None
    assert parse_wkt_point("Point(200 95)") is None
    assert parse_wkt_point("not a point") is None
    assert distance_km((48.8695, 2.3615), (48.8695, 2.3615)) == 0.0
    assert 390 < distance_km((48.8566, 2.3522), (45.7640, 4.8357)) < 395  # Paris – Lyon


def test_arrondissements_match_their_city_both_ways():
    assert commune_codes("75110") == {"75110", "75056"}
    assert commune_codes("69381") == {"69381", "69123"}
    assert commune_codes("13206") == {"13206", "13055"}
    assert commune_codes("44109") == {"44109"}
    assert "75111" in commune_codes("75056") and "69383" in commune_codes("69123") and len(commune_codes("13055")) == 17


def test_only_the_four_verified_classes_are_constants():
    assert VERIFIED_KIND_CLASSES == {"hackerspace": "Q1032372", "ludotheque": "Q1143018", "jardin-partage": "Q251958"}
    assert VERIFIED_KIND_PRACTICES == {"coworking": "Q869457"}
    assert qid("http://www.wikidata.org/entity/Q42") == "Q42"
    assert qid("http://www.wikidata.org/entity/P31") is None
    with pytest.raises(ValueError, match="not a Wikidata item identifier: 'Q0'"):
        entity("Q0")


def test_the_sparql_fold_matches_the_python_fold():
    import pyoxigraph as ox

    store = ox.Store()
    label = "L’Établi — Œuvre d'Ça"
    query = f'SELECT ?f WHERE {{ BIND("{label}" AS ?label) BIND({fold_expression("label")} AS ?f) }}'
    [row] = list(store.query(query))
    assert " ".join(row["f"].value.split()) == fold(label)


PLACE = Place(
    "https://w3id.org/tiers-lieux/id/place/x",
    ("La Fabrique",),
    kinds=("fablab",),
    coordinates=(48.5785, 7.7100),
    insee="67482",
    websites=("http://lafab.org/",),
)
KINDS = KindClasses(classes={"fablab": frozenset({"Q900000001"})})


def item(qid_: str, **kwargs) -> Item:
    defaults = {"labels": {"La Fabrique"}, "classes": {"Q900000001"}}
    return Item(qid_, **{**defaults, **kwargs})


def test_every_piece_of_evidence_counts():
    full = score_item(PLACE, item("Q1", coordinates=[(48.5786, 7.7101)], insee_codes={"67482"}, websites={"https://lafab.org"}), KINDS, Settings())
    assert full.score > 0.99 and full.evidence.summary() == "name 1.00; 0.01 km; same commune; same website"
    contradicted = score_item(PLACE, item("Q1b", insee_codes={"67482"}, websites={"https://other.org"}), KINDS, Settings())
    assert contradicted.score == pytest.approx(0.40 + 0.15 - 0.2) and "contradiction" in contradicted.evidence.summary()
    name_only = score_item(PLACE, item("Q2"), KINDS, Settings())
    assert name_only.score == pytest.approx(0.40)
    far = score_item(PLACE, item("Q3", coordinates=[(43.6, 3.87)], insee_codes={"34172"}), KINDS, Settings())
    assert far.score == pytest.approx(0.40, abs=0.001) and "other commune" in far.evidence.summary()


def test_wrong_class_and_dissolved_items_are_penalised_and_never_accepted_alone():
    near = {"coordinates": [(48.5786, 7.7101)], "insee_codes": {"67482"}, "websites": {"http://lafab.org"}}
    building = item("Q4", classes=set(), **near)
    scored = score_item(PLACE, building, KINDS, Settings())
    assert scored.score == pytest.approx(0.7 * 0.99995, abs=0.01) and scored.evidence.kinds == "unrelated"
    decision = decide(PLACE, rank(PLACE, [building], KINDS, Settings()), Settings())
    assert decision.status == REVIEW
    closed = item("Q5", dissolved=True, **near)
    decision = decide(PLACE, rank(PLACE, [closed], KINDS, Settings()), Settings())
    assert decision.status == REVIEW and decision.best.evidence.dissolved


def test_a_wrong_class_item_is_dropped_when_one_of_the_right_class_fits():
    near = {"coordinates": [(48.5786, 7.7101)], "insee_codes": {"67482"}}
    ranked = rank(PLACE, [item("Q6", classes=set(), **near), item("Q7", **near)], KINDS, Settings())
    assert [s.item.qid for s in ranked] == ["Q7"]


def test_acceptance_needs_the_threshold_and_the_margin():
    near = {"coordinates": [(48.5786, 7.7101)], "insee_codes": {"67482"}}
    twins = rank(PLACE, [item("Q8", **near), item("Q9", **near)], KINDS, Settings())
    assert decide(PLACE, twins, Settings()).status == REVIEW
    alone = rank(PLACE, [item("Q8", **near)], KINDS, Settings())
    assert decide(PLACE, alone, Settings()).status == ACCEPT
    assert decide(PLACE, rank(PLACE, [item("Q10", labels={"Autre chose"})], KINDS, Settings()), Settings()).status == NO_MATCH


def test_a_contradicting_website_blocks_an_automatic_link():
    near = {"coordinates": [(48.5786, 7.7101)], "insee_codes": {"67482"}}
    other_site = rank(PLACE, [item("Q13", websites={"https://atelier-numerique.example"}, **near)], KINDS, Settings())
    assert other_site[0].score >= Settings().accept - Settings().contradiction_penalty
    assert decide(PLACE, other_site, Settings()).status == REVIEW


def test_the_acceptance_threshold_is_inclusive():
    """Same name, same commune, same website, no coordinates: 0.40 + 0.15 + 0.20 = 0.75, the threshold: accepted."""
    no_point = Place(PLACE.iri, PLACE.labels, kinds=PLACE.kinds, insee="67482", websites=PLACE.websites)
    at = rank(no_point, [item("Q14", insee_codes={"67482"}, websites={"http://lafab.org"})], KINDS, Settings())
    assert at[0].score == Settings().accept and decide(no_point, at, Settings()).status == ACCEPT
    below = rank(no_point, [item("Q15", labels={"La Fabriqu"}, insee_codes={"67482"}, websites={"http://lafab.org"})], KINDS, Settings())
    assert below[0].score < Settings().accept and decide(no_point, below, Settings()).status == REVIEW


def test_a_related_class_costs_less_than_an_unrelated_one():
    kinds = KindClasses(classes={"fablab": frozenset({"Q900000001"}), "hackerspace": frozenset({"Q1032372"})})
    near = {"coordinates": [(48.5786, 7.7101)], "insee_codes": {"67482"}}
    related = score_item(PLACE, item("Q16", classes={"Q1032372"}, **near), kinds, Settings())
    unrelated = score_item(PLACE, item("Q17", classes=set(), **near), kinds, Settings())
    same = score_item(PLACE, item("Q18", **near), kinds, Settings())
    assert same.score > related.score > unrelated.score
    assert "related class" in related.evidence.summary() and "not of the expected class" in unrelated.evidence.summary()


def test_a_place_with_only_a_commune_name_is_compared_by_that_name():
    bare = Place("https://w3id.org/tiers-lieux/id/place/y", ("La Fabrique",), kinds=("fablab",), commune="Strasbourg")
    found = rank(bare, [item("Q19", commune_labels={"Strasbourg", "Bas-Rhin"})], KINDS, Settings())
    assert found[0].evidence.commune_how == "label" and found[0].score == pytest.approx(0.55)
    assert decide(bare, found, Settings()).status == REVIEW


def test_rejected_items_are_not_ranked():
    ranked = rank(PLACE, [item("Q11"), item("Q12")], KINDS, Settings(), rejected=frozenset({"Q11"}))
    assert [s.item.qid for s in ranked] == ["Q12"]


def test_a_bad_configuration_names_the_file_and_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[endpoint]\nurl = "http://x"\ncontact = "me"\n[scoring]\nname = 0.9\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.toml: \[scoring\] moved to the matcher's configuration, \[link\] of .*matching\.toml"):
        load_config(path)
    matching = tmp_path / "matching.toml"
    matching.write_text("[link]\nname = 0.9\n", encoding="utf-8")
    path.write_text('[endpoint]\nurl = "http://x"\ncontact = "me"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"matching\.toml: \[link\] name \+ distance \+ commune \+ website must add up to 1, not 1\.5"):
        load_config(path, matching)
    path.write_text('[endpoint]\nurl = "http://x"\ncontact = "me"\nbatch_size = "ten"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.toml: \[endpoint\] batch_size must be a int, not 'ten'"):
        load_config(path)
    path.write_text('[endpoint]\nurl = "http://x"\ncontact = "me"\n[classes.articles]\nfablab = "Fab lab"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[classes\.articles\] fablab must be a list of French Wikipedia article titles"):
        load_config(path)
