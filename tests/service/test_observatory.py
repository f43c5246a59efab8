"""The observatory: every chart is well-formed SVG drawn from the store, with its CSV and its SPARQL one click away."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import parse_qs, urlsplit

SVG = "{http://www.w3.org/2000/svg}"


def charts(page: str) -> dict[str, str]:
    """The page's chart sections by id."""
    return dict(re.findall(r'<section class="card chart" id="([^"]+)".*?>(.*?)</section>', page, re.S))


def test_every_chart_is_svg_with_its_data_and_query(client):
    answer = client.get("/observatory")
    assert answer.status_code == 200
    sections = charts(answer.get_data(as_text=True))
    assert set(sections) == {"regions", "founded", "networks", "coverage", "timeline"}
    for key, section in sections.items():
        svg = ET.fromstring(re.search(r"<svg.*?</svg>", section, re.S).group(0))
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S).group(1).strip()
        assert svg.find(f"{SVG}title").text == unescape(heading), key  # one title per chart, for the page and the drawing
        assert svg.findall(f".//{SVG}rect") or svg.findall(f".//{SVG}circle"), f"{key}: nothing drawn"
        csv_href = unescape(re.search(r'<a href="([^"]+)" class="csv">', section).group(1))
        data = client.get(csv_href, headers={"Accept": "text/csv"})
        assert data.status_code == 200 and data.mimetype == "text/csv", (key, csv_href)
        assert list(csv.reader(io.StringIO(data.get_data(as_text=True))))[1:], f"{key}: the CSV has no row"
        query_page = unescape(re.search(r'<a href="([^"]+)" class="sparql">', section).group(1))
        assert urlsplit(query_page).path == "/query" and "SELECT" in parse_qs(urlsplit(query_page).query)["query"][0]


def test_charts_say_what_the_graph_says(client):
    sections = charts(client.get("/observatory?lang=en").get_data(as_text=True))
    # Auvergne-Rhône-Alpes has 161 coworking spaces (README; the places API counts the same), and links to its map
    regions = sections["regions"]
    assert 'href="/?region=84&amp;lang=en"' in regions
    coworking_84 = client.get("/api/places?region=84&kind=coworking&limit=1").get_json()["total"]
    assert f"<title>Auvergne-Rhône-Alpes — coworking: {coworking_84}</title>" in regions
    coverage = sections["coverage"]
    total = client.get("/api/places?limit=1").get_json()["total"]
    assert f"Of {total} places" in coverage
    assert "La Cantine" in sections["timeline"] and "1989" in sections["timeline"]


def test_the_observatory_speaks_french_by_default_and_english_when_asked(client):
    french = client.get("/observatory")
    assert french.headers["Content-Language"] == "fr" and "Accept-Language" in french.headers["Vary"]
    page = french.get_data(as_text=True)
    assert '<html lang="fr">' in page and "<h1>Observatoire</h1>" in page and "Données (CSV)" in page
    sections = charts(page)
    total = client.get("/api/places?limit=1").get_json()["total"]
    assert f"Sur {total} lieux" in sections["coverage"] and "Lieux par région et par type" in sections["regions"]
    assert 'href="/?region=84&amp;lang=fr"' in sections["regions"]
    # The data's names stay as the sources give them, in either language.
    assert "Auvergne-Rhône-Alpes" in sections["regions"]
    assert 'href="?lang=en"' in page
    english = client.get("/observatory", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.headers["Content-Language"] == "en"
    assert "<h1>Observatory</h1>" in english.get_data(as_text=True) and "Places per region and kind" in english.get_data(as_text=True)
    # Every text of a chart exists in both languages.
    from tierslieux.service.observatory.charts import CHARTS, TEXTS

    assert set(TEXTS["fr"]) == set(TEXTS["en"])
    assert all(set(chart.title) == set(chart.description) == {"fr", "en"} for chart in CHARTS)
