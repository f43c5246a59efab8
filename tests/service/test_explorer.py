"""The explorer (/) and the embedded map (/embed) as a person uses them, in headless Chromium driven through DevTools.

Every figure the page shows is checked against the places API asked
directly (one code path: the page reads the same API). The map's tile server
cannot be reached from the test browser (every host but the loopback one
resolves to nothing), so these tests also show the explorer working offline.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .chromium import DevTools, near, read_png

pytestmark = pytest.mark.slow

#: The clusters' colours (static/css/site.css .cluster-small, .cluster-large).
CLUSTER_RGB = ((0x2F, 0x8F, 0x6B), (0x0F, 0x45, 0x32))


def api(base: str, path: str, **params) -> dict:
    """GET a JSON answer of the places API."""
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{base}{path}?{query}", timeout=60) as answer:
        return json.load(answer)


def open_explorer(browser: DevTools, url: str) -> None:
    """Open ``url`` and wait until the places, the facets and the list are shown."""
    browser.call("Page.navigate", url=url)
    browser.wait_for("document.getElementById('explorer-map') && document.getElementById('explorer-map').getAttribute('data-ready') === 'true'", 60)
    browser.wait_for("document.getElementById('place-list').hasAttribute('data-total')", 60)


def shown_total(browser: DevTools) -> int:
    """The number of places the page says the filters keep."""
    return int(browser.evaluate("document.getElementById('result-count').textContent").split()[0])


def drawn_places(browser: DevTools) -> int:
    """Places drawn on the map: single markers plus the places counted by the clusters."""
    return browser.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-marker-icon')).reduce((n, e) => n + Number(e.getAttribute('data-count') || 1), 0)"
    )


def listed_bbox(browser: DevTools) -> str:
    """The visible area as the page sends it to the API (west,south,east,north)."""
    return browser.evaluate(
        "(() => { const b = tierslieuxExplorer.map.getBounds(); return [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), "
        "Math.min(180, b.getEast()), Math.min(90, b.getNorth())].map(x => x.toFixed(5)).join(','); })()"
    )


def test_first_view_shows_every_place_and_agrees_with_the_api(browser: DevTools, live_server, tmp_path: Path):
    open_explorer(browser, live_server.url + "/")
    facets = api(live_server.url, "/api/places/facets")
    assert shown_total(browser) == facets["total"] > 1000
    page_kinds = browser.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('[data-facet=kind] input')).map(b => "
        "[b.value, Number(b.parentElement.querySelector('.count').textContent)]))"
    )
    assert page_kinds == {v["code"]: v["count"] for f in facets["facets"] if f["name"] == "kind" for v in f["values"]}
    # the markers of France's view: most places (not those overseas), grouped into clusters
    assert 1000 < drawn_places(browser) <= facets["total"]
    assert browser.evaluate("document.querySelectorAll('.cluster').length") > 3
    listed = api(live_server.url, "/api/places", bbox=listed_bbox(browser), limit=1)
    assert int(browser.evaluate("document.getElementById('place-list').getAttribute('data-total')")) == listed["total"]
    assert browser.evaluate("document.querySelectorAll('#place-list li a[href^=\"/id/place/\"]').length") == min(50, listed["total"])

    shot = browser.call("Page.captureScreenshot", format="png")
    path = tmp_path / "explorer.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    width, height, rows = read_png(path)
    cluster_pixels = sum(1 for row in rows[80:] for x in range(0, len(row), 3) if any(near(tuple(row[x : x + 3]), c, 12) for c in CLUSTER_RGB))
    assert cluster_pixels > 200, f"no cluster drawn on the map ({cluster_pixels} cluster-coloured pixels)"
    hosts = {urllib.parse.urlsplit(u).netloc for u in browser.requested_urls() if u.startswith("http")}
    assert hosts <= {urllib.parse.urlsplit(live_server.url).netloc, "tile.openstreetmap.org"}, hosts
    assert browser.exceptions() == []


def test_search_filter_marker_and_permalink(browser: DevTools, live_server):
    open_explorer(browser, live_server.url + "/?lang=en")
    # search as a person does: type into the box, press Enter
    browser.evaluate("document.getElementById('search-text').focus(), true")
    browser.call("Input.insertText", text="coroutine")
    browser.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13, text="\r")
    browser.wait_for("document.getElementById('result-count').textContent.startsWith('1 ')")
    assert "q=coroutine" in browser.evaluate("location.search")
    # the one marker, clicked, opens a popup linking to the place's page
    browser.evaluate("tierslieuxExplorer.map.setView([50.62, 3.05], 12), true")
    marker = browser.wait_for("document.querySelector('.leaflet-marker-icon[data-slug=\"la-coroutine\"]') !== null")
    assert marker
    browser.evaluate("document.querySelector('.leaflet-marker-icon[data-slug=\"la-coroutine\"]').click(), true")
    link = browser.wait_for("(() => { const a = document.querySelector('.leaflet-popup-content a'); return a ? a.getAttribute('href') : ''; })()")
    assert link == "/id/place/la-coroutine"
    browser.wait_for("document.querySelectorAll('#place-list li a').length === 1 && document.querySelector('#place-list li a').textContent === 'La Coroutine'")

    # clear, then filter by a facet: the count is the API's for that filter
    assert browser.evaluate("document.getElementById('clear-filters').textContent") == "Clear all"
    browser.evaluate("document.getElementById('clear-filters').click(), true")
    browser.wait_for("!location.search.includes('q=')")
    browser.wait_for("document.querySelector('[data-facet=kind] input[value=fablab]') !== null")
    browser.evaluate("document.querySelector('[data-facet=kind] input[value=fablab]').click(), true")
    fablabs = api(live_server.url, "/api/places", kind="fablab", limit=1)["total"]
    browser.wait_for(f"document.getElementById('result-count').textContent.startsWith('{fablabs} ')")
    permalink = browser.evaluate("location.href")
    assert "kind=fablab" in permalink and "map=" in permalink

    # the permalink, opened afresh, reproduces the view
    browser.evaluate("tierslieuxExplorer.map.setView([45.76, 4.83], 9), true")
    browser.wait_for("location.search.includes('map=9/45.76')")
    permalink = browser.evaluate("location.href")
    browser.call("Page.navigate", url="about:blank")
    open_explorer(browser, permalink)
    assert browser.evaluate("document.querySelector('[data-facet=kind] input[value=fablab]').checked") is True
    assert browser.evaluate("tierslieuxExplorer.map.getZoom()") == 9
    assert shown_total(browser) == fablabs
    assert browser.evaluate("document.documentElement.lang") == "en"
    snippet = browser.evaluate("document.getElementById('embed-code').value")
    assert "/embed?" in snippet and "kind=fablab" in snippet
    assert browser.exceptions() == []


def test_embedded_map_has_no_chrome_and_the_same_places(browser: DevTools, live_server):
    open_explorer(browser, live_server.url + "/embed?kind=coworking&map=6/46.6/2.4")
    assert browser.evaluate("document.querySelector('.site-header')") is None
    assert shown_total(browser) == api(live_server.url, "/api/places", kind="coworking", limit=1)["total"]
    assert browser.exceptions() == []


def test_phone_width(browser: DevTools, live_server):
    browser.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
    open_explorer(browser, live_server.url + "/")
    sizes = browser.evaluate(
        "(() => { const m = document.getElementById('explorer-map').getBoundingClientRect(); "
        "return [m.width, m.height, document.documentElement.scrollWidth, document.getElementById('facets-panel').open]; })()"
    )
    map_width, map_height, page_width, facets_open = sizes
    assert map_width <= 390 and map_height > 300 and page_width <= 390, sizes
    assert facets_open is False  # folded away on a phone, one tap opens them
    assert drawn_places(browser) > 1000
    assert browser.exceptions() == []


#: Stands in for a busy service: the first two asks for the facets get 503 with Retry-After: 1, as the places API
#: answers while the release's places index is being read past a request's time limit (service/places/index.py).
BUSY_FACETS = """(() => {
  const real = window.fetch;
  window.busyAnswers = 0;
  window.fetch = function (url, options) {
    if (String(url).includes('/api/places/facets') && window.busyAnswers < 2) {
      window.busyAnswers += 1;
      return Promise.resolve(new Response(JSON.stringify({error: 'busy'}),
        {status: 503, headers: {'Retry-After': '1', 'Content-Type': 'application/json'}}));
    }
    return real.apply(this, arguments);
  };
})();"""


def test_a_busy_service_is_asked_again_after_retry_after_instead_of_showing_an_error(browser: DevTools, live_server):
    browser.call("Page.addScriptToEvaluateOnNewDocument", source=BUSY_FACETS)
    browser.call("Page.navigate", url=live_server.url + "/?lang=en")
    note = browser.wait_for("(() => { const n = document.getElementById('list-note'); return n && n.textContent.includes('busy') && n.textContent; })()", 30)
    assert note == "The service is busy; trying again in 1 s…"
    browser.wait_for("document.getElementById('explorer-map').getAttribute('data-ready') === 'true'", 60)
    assert browser.evaluate("window.busyAnswers") == 2, "asked twice while busy, then answered"
    assert shown_total(browser) == api(live_server.url, "/api/places/facets")["total"]
    browser.wait_for("document.getElementById('place-list').hasAttribute('data-total')", 60)
    assert "could not be read" not in browser.evaluate("document.getElementById('list-note').textContent")
    assert browser.exceptions() == []
