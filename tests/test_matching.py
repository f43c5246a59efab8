"""The matcher (tierslieux.matching) on its own, and the importer's use of it (issue 15's missed matches)."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from tierslieux.importing.matching import (
    MATCHED_RULE,
    NO_MATCH,
    TO_REVIEW,
    match_existing,
)
from tierslieux.importing.records import Place
from tierslieux.matching import (
    MATCH,
    REVIEW,
    Description,
    Index,
    Settings,
    compare,
    load_kind_hierarchy,
    load_settings,
)
from tierslieux.matching import NO_MATCH as NOTHING
from tierslieux.matching.config import MatchingConfigError
from tierslieux.matching.geo import commune_label_key
from tierslieux.matching.kinds import RELATED, SAME, UNRELATED
from tierslieux.matching.names import compact_key, name_similarity, name_tokens

KINDS = load_kind_hierarchy()


def test_names_fold_articles_generic_words_abbreviations_and_spacing():
    assert name_tokens("L'Espace Coworking de Saint-Lô") == ["saint", "lo"]
    assert name_tokens("Espace Coworking") == ["coworking"]  # a generic word stays when nothing else is left
    assert name_tokens("Atelier de St Jean") == ["saint", "jean"]
    assert name_similarity("Fab Lab de Lannion", "FABLAB LANNION") == 1.0
    assert name_similarity("Le Cent Sept", "Le Centsept") == 1.0
    assert compact_key("La Cordée à Morez", "Morez") == compact_key("La Cordée") == "cordee"
    assert name_similarity("La Fabrique", "La Fabriqeu") > 0.85  # a typo
    assert name_similarity("Coworking 23", "Coworking 24") < 0.85  # numbers tell places apart
    assert name_similarity("EasyWork by Mercure", "EasyWork by Mercure Paris Montmartre") == 0.9
    assert name_similarity("Anticafé", "Anticafé Beaubourg") < 0.75  # one word, a chain's name, is not enough
    assert name_similarity("La Ruche", "La Cordée") < 0.5


def test_commune_names_compare_however_written():
    assert commune_label_key("Saint-Étienne") == commune_label_key("ST ETIENNE") == commune_label_key("st-etienne")
    assert commune_label_key("Lyon 3e Arrondissement") == commune_label_key("LYON") == "lyon"
    assert commune_label_key("Paris 11e") == "paris"


def test_kinds_follow_the_vocabulary():
    assert KINDS.relation(["fablab"], ["fablab"]) == SAME
    assert KINDS.relation(["tiers-lieu"], ["coworking"]) == SAME  # every kind is a tiers-lieu
    assert KINDS.relation(["fablab"], ["hackerspace"]) == RELATED  # both espace-du-faire
    assert KINDS.relation(["jardin-partage"], ["tiers-lieu-nourricier"]) == RELATED  # skos:related
    assert KINDS.relation(["coworking"], ["jardin-partage"]) == UNRELATED
    assert KINDS.relation([], ["coworking"]) is None


def place(ident, name, **kwargs) -> Description:
    return Description(ident, (name,), **kwargs)


def test_evidence_and_its_explanation():
    ours = place("a", "La Coroutine", insee=frozenset({"59350"}), websites=("http://www.lacoroutine.org",), point=(50.6199, 3.0490))
    theirs = place("b", "LA COROUTINE", commune_names=("Lille",), insee=frozenset({"59350"}),
                   websites=("https://lacoroutine.org/",), point=(50.6200, 3.0491))
    evidence = compare(ours, theirs, KINDS)
    assert (evidence.name, evidence.commune, evidence.website) == (1.0, 1.0, 1.0)
    assert evidence.summary() == "name 1.00; 0.01 km; same commune; same website"
    paris = compare(place("c", "X", insee=frozenset({"75056"})), place("d", "X", insee=frozenset({"75111"})), KINDS)
    assert paris.commune == 1.0  # a city and its arrondissements, both ways
    postcode = compare(place("e", "X", postcodes=frozenset({"35000"})), place("f", "X", postcodes=frozenset({"35000"})), KINDS)
    assert postcode.commune_how == "postcode"


def test_the_decision_rule(tmp_path):
    settings = Settings()
    index = Index([place("right", "La Fabrique", insee=frozenset({"67482"}), websites=("http://lafab.org",)),
                   place("other-town", "La Fabrique", insee=frozenset({"34172"}))], KINDS)
    query = place("q", "La Fabrique", insee=frozenset({"67482"}), websites=("http://lafab.org/",))
    decision = index.match(query, settings)
    # 0.40 + 0.15 + 0.20 = 0.75 = accept: the threshold is inclusive.
    assert decision.status == MATCH and decision.best.candidate.id == "right" and decision.best.score == settings.accept
    contradicted = place("q2", "La Fabrique", insee=frozenset({"67482"}), websites=("http://another.example",))
    assert index.match(contradicted, settings).status == NOTHING  # 0.40 + 0.15 - 0.2 = 0.35 < review
    twins = Index([place("a", "La Fabrique", insee=frozenset({"67482"})), place("b", "La Fabrique", insee=frozenset({"67482"}))], KINDS)
    assert twins.match(place("q3", "La Fabrique", insee=frozenset({"67482"})), load_settings("import")).status == REVIEW


def test_blocking_finds_a_typo_and_keeps_candidates_few():
    names = [f"Atelier {chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)}xyz" for i in range(3000)]
    descriptions = [place(str(i), n, commune_names=("Lyon",)) for i, n in enumerate(names)]
    descriptions.append(place("target", "La Passerelle Numérique", commune_names=("Châteaubriant",)))
    index = Index(descriptions, KINDS)
    query = place("q", "la pasrerelle numerique", commune_names=("CHATEAUBRIANT",))
    assert index.candidates(query)[0].id == "target"
    crowded = place("q", "Atelier Zzzxyz", commune_names=("Lyon",))
    assert len(index.candidates(crowded)) <= 80  # not the 3,000 places of Lyon


def test_a_bad_configuration_names_file_use_and_key(tmp_path):
    path = tmp_path / "matching.toml"
    path.write_text("[import]\naccept = 'high'\n", encoding="utf-8")
    with pytest.raises(MatchingConfigError, match=r"matching\.toml: \[import\] accept must be a float, not 'high'"):
        load_settings("import", path)
    path.write_text("[reconcile]\nthreshold = 1\n", encoding="utf-8")
    with pytest.raises(MatchingConfigError, match=r"\[reconcile\] has unknown key\(s\) threshold"):
        load_settings("reconcile", path)


def record(ident: str, name: str, **kwargs) -> list[Place]:
    return [Place(URIRef(f"urn:tierslieux:record:{ident}"), ident, 0, name, **kwargs)]


def existing(slug: str, name: str, **kwargs) -> Place:
    return Place(URIRef(f"https://w3id.org/tiers-lieux/id/place/{slug}"), None, 0, name, **kwargs)


def test_the_importer_matches_what_issue_15_missed():
    breizh = existing("breizhentropy", "Breizhentropy", commune_code="35238", commune_name="Rennes", lat=48.1106, lon=-1.6779)
    terrasse = existing("la-terrasse", "La Terrasse", commune_code="12145", commune_name="Millau", lat=44.098, lon=3.078)
    homonyms = [existing("le-lab", "Le Lab", commune_code="35238", commune_name="Rennes"),
                existing("le-lab-rennes", "Le Lab", commune_code="35238", commune_name="Rennes")]
    groups = [
        record("1", "Breizhentropy", lat=48.1190, lon=-1.6900),  # a SpaceAPI record: 1.3 km away, no commune
        record("2", "LA TERRASSE", commune_name="MILLAU"),  # a regional CSV: a commune's name only
        record("3", "Le Lab", commune_name="Rennes"),
    ]
    matches = {m.existing.node.rsplit("/", 1)[-1]: m for m in match_existing(groups, [breizh, terrasse, *homonyms], {}, "x.csv")}
    assert matches["breizhentropy"].status == MATCHED_RULE and "1.3" in matches["breizhentropy"].reason
    assert matches["la-terrasse"].status == MATCHED_RULE and "same commune name" in matches["la-terrasse"].reason
    # One record, two places of that name in the commune: a person decides.
    assert matches["le-lab"].status == TO_REVIEW and matches["le-lab-rennes"].status == TO_REVIEW
    alone = match_existing([], [breizh], {}, "x.csv")[0]
    assert alone.status == NO_MATCH and alone.reason == "no record with a similar name in Rennes or nearby"
