"""The cleaning steps one value at a time: web addresses, accounts, coordinates, personal data,
INSEE codes and the name keys that decide merges (issue 3)."""

from __future__ import annotations

import pytest

from tierslieux.importing import cleaning, geo_fr
from tierslieux.importing.issues import CleaningIssue
from tierslieux.importing.text import slugify, strip_personal_data
from tierslieux.matching.names import compact_key as name_key  # the importer's merge key is the matcher's


@pytest.mark.parametrize("raw, expected", [
    ("www.ade-coworking.net", "http://www.ade-coworking.net"),
    ("http://www.la-cordee.net/la-cordee-charpennes/", "http://www.la-cordee.net/la-cordee-charpennes/"),
    ("HTTPS://Example.FR/Path?q=1", "https://example.fr/Path?q=1"),
    ("http://www.chezmÃ©mÃ©.fr", "http://www.chezmémé.fr"),
])
def test_url(raw, expected):
    assert cleaning.url(raw) == expected


@pytest.mark.parametrize("raw, reason", [
    ("nomade.lyon@laposte.fr", "personal data"),
    ("Madame PATTE-AUBOURG", "personal data"),
    ("www.la-cordee.netla-cordee-opera", "not a web address"),
    ("Innovation studio http://theschoolab.com/", "not a web address"),
])
def test_url_refused(raw, reason):
    with pytest.raises(CleaningIssue, match=reason) as caught:
        cleaning.url(raw)
    assert caught.value.reject is False


@pytest.mark.parametrize("raw, handle", [
    ("@AnDaolVras", "AnDaolVras"), ("https://twitter.com/Corner_Cow", "Corner_Cow"),
    ("twitter.com/LabSud?lang=fr", "LabSud"), ("LePhareLimoges", "LePhareLimoges"),
])
def test_twitter(raw, handle):
    assert cleaning.twitter_handle(raw) == handle
    assert cleaning.twitter_url(raw) == f"https://twitter.com/{handle}"


def test_coordinates():
    assert cleaning.latitude(" 45,5 ") == "45.5"
    assert cleaning.wkt_point("3.049036", "50.619923") == "POINT(3.049036 50.619923)"
    with pytest.raises(CleaningIssue, match="latitude 'abc' is not a number"):
        cleaning.latitude("abc")
    with pytest.raises(CleaningIssue, match=r"latitude 91 is outside \[-90, 90\]"):
        cleaning.latitude("91")


def test_precision_out_of_range_is_left_out_not_rejected():
    with pytest.raises(CleaningIssue) as caught:
        cleaning.precision("9")
    assert caught.value.reject is False and "outside [0, 1]" in caught.value.message


def test_personal_data_detection_spares_names_with_at_signs():
    assert strip_personal_data("Le C@pitole") == ("Le C@pitole", [])
    assert strip_personal_data("StationW @ 153") == ("StationW @ 153", [])
    cleaned, removed = strip_personal_data("Espace Test contact@espace-test.example")
    assert (cleaned, removed) == ("Espace Test", ["contact@espace-test.example"])
    assert strip_personal_data("chez Mme Martin 4 rue Haute")[0] == "chez 4 rue Haute"


def test_slug_and_name_key():
    assert slugify("Arrêt Minute") == "arret-minute"
    assert name_key("La Cordée à Morez", "Morez") == name_key("La Cordée", "Hauts de Bienne") == "cordee"
    assert name_key("Le Cent Sept") == name_key("Le Centsept") == "centsept"
    assert name_key("La Cordée Perrache", "Lyon") == "cordeeperrache"


@pytest.mark.parametrize("code, fallback, postcode, department, expected", [
    ("75110", "75056", "75010", "75", "75056"),   # Paris arrondissement -> the commune
    ("7510A", None, None, None, None),             # not a code
    ("1053", None, "01000", None, "01053"),        # the GeoJSON's lost leading zero
    ("0", "03190", "0", "03", "03190"),            # no declared code: the spatial join's
    ("14327", "06152", "0", "06", "06152"),        # declared code in another department
])
def test_choose_commune(code, fallback, postcode, department, expected):
    if expected is None:
        assert geo_fr.normalise_commune_code(code) is None
    else:
        assert geo_fr.commune_code(code, fallback, postcode, department) == expected


def test_overseas_never_uses_the_spatial_join():
    with pytest.raises(CleaningIssue, match="no usable INSEE commune code"):
        geo_fr.commune_code("0", "2A041", "97418", "2A")
