"""The pages as a person sees them: Debian's Chromium, headless, against the service running as a real process.

* The query page is driven through the Chrome DevTools Protocol (a small
  websocket client): YASGUI loads from the service's own files, a query typed
  into the editor runs from the page's button, and its results table shows the
  expected label. Every request the page makes stays on the service.
* A place page is rendered with ``chromium --headless --screenshot`` and
  ``--dump-dom``: the PNG has the requested size and shows the site's header
  and the map's marker; the rendered DOM holds the place's label and the map.
* Text from the data that looks like HTML stays text in the browser.

Chromium never reaches outside this machine: every host name but the loopback
one resolves to nothing (``--host-resolver-rules``) and the map's tile server
is switched off for the fixture server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierslieux.build.builder import build_release
from tierslieux.paths import QUERIES_DIR
from tierslieux.queries.named import parse_named_query
from tierslieux.release import BuildLayout
from tierslieux.service.queryui import text_with_defaults

from ..ports import free_port
from ..servers import TIERSLIEUX
from .chromium import WINDOW, DevTools, near, pixel, read_png, run_chromium

pytestmark = pytest.mark.slow

LA_COROUTINE = "https://w3id.org/tiers-lieux/id/place/la-coroutine"
#: The site header's background (static/css/site.css --accent) and Leaflet's default marker blue.
HEADER_RGB = (0x1A, 0x6B, 0x4F)
MARKER_RGB = (0x2A, 0x81, 0xCB)

#: A place with coordinates, and one whose labels try to inject HTML into the pages.
FIXTURE_DATA = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tl: <https://w3id.org/tiers-lieux/ontology#> .
@prefix kind: <https://w3id.org/tiers-lieux/vocab/place-kind/> .
@prefix wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/tiers-lieux/id/place/atelier-d-essai> a tl:ThirdPlace ;
    rdfs:label "Atelier d'essai"@fr, "Test workshop"@en ;
    tl:placeKind kind:fablab ;
    wgs84:lat "50.619923"^^xsd:decimal ; wgs84:long "3.049036"^^xsd:decimal .
<https://w3id.org/tiers-lieux/id/place/balise> a tl:ThirdPlace ;
    rdfs:label "Balise <script>document.title='pwned'</script>"@fr,
        "Beacon <img src=x onerror=\\"document.title='pwned'\\">"@en ;
    tl:placeKind kind:fablab ;
    wgs84:lat "48.85"^^xsd:decimal ; wgs84:long "2.35"^^xsd:decimal .
"""


# --- a second server, over a release with fixture places --------------------------------------


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tierslieux serve`` over the repository's ontology and vocabularies and the fixture places, with no map tiles."""
    root = tmp_path_factory.mktemp("browser-release")
    data = root / "data"
    (data / "curated").mkdir(parents=True)
    (data / "curated" / "browser-fixture.ttl").write_text(FIXTURE_DATA, encoding="utf-8")
    build = root / "build"
    build_release(build, data_dir=data, validate=False)
    port = free_port()
    log_path = root / "serve.log"
    env = {**os.environ, "TIERSLIEUX_MAP_TILE_URL": '""', "TIERSLIEUX_UPDATE_TOKEN": ""}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(TIERSLIEUX), "serve", "--port", str(port), "--workers", "1", "--build-dir", str(build)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"the fixture server exited:\n{log_path.read_text()}"
            try:
                urllib.request.urlopen(url + "/vocab/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):  # a first answer slower than 2 s on a loaded machine
                assert time.monotonic() < deadline, f"the fixture server never answered:\n{log_path.read_text()}"
                time.sleep(0.2)
        assert BuildLayout(build).store_dir.is_dir()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


# --- the query page --------------------------------------------------------------------------


def test_query_page_runs_a_typed_query_and_shows_the_results_table(browser: DevTools, live_server):
    browser.call("Page.navigate", url=live_server.url + "/query")
    browser.wait_for("window.tierslieux !== undefined && document.querySelector('.yasqe .CodeMirror') !== null")
    assert browser.evaluate("document.title") == "Query the tiers-lieux knowledge graph"

    # Type the query into the editor as a person would (after emptying it), then press the page's run button.
    browser.evaluate("(() => { const y = tierslieux.yasgui.getTab().getYasqe(); y.setValue(''); y.focus(); return true; })()")
    query = f"SELECT ?label WHERE {{ <{LA_COROUTINE}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    browser.call("Input.insertText", text=query)
    assert browser.evaluate("tierslieux.yasgui.getTab().getYasqe().getValue()") == query
    browser.evaluate("document.querySelector('.yasqe_queryButton').click(), true")

    table_text = browser.wait_for(
        "(() => { const t = document.querySelector('.yasr table'); return t && t.innerText.includes('La Coroutine') ? t.innerText : ''; })()"
    )
    assert "label" in table_text and "La Coroutine" in table_text
    assert "@fr" not in table_text and '"La Coroutine"' not in table_text, f"the table is not YASR's simple view: {table_text!r}"

    sparql_requests = [u for u in browser.requested_urls() if u.startswith(live_server.url + "/sparql")]
    assert sparql_requests, "the page never called the service's /sparql"
    outside = [u for u in browser.requested_urls() if not u.startswith((live_server.url + "/", "data:", "about:"))]
    assert outside == [], f"the query page asked for something outside the service: {outside}"
    assert browser.exceptions() == []


def test_named_query_button_opens_the_query_in_a_tab(browser: DevTools, live_server):
    queries = sorted(QUERIES_DIR.glob("*.rq"))
    if not queries:
        pytest.skip("no named query in queries/ yet")
    browser.call("Page.navigate", url=live_server.url + "/query")
    browser.wait_for("window.tierslieux !== undefined && document.querySelector('#named-query-list button') !== null")
    first = browser.evaluate("document.querySelector('#named-query-list button').getAttribute('data-query-name')")
    tabs_before = browser.evaluate("document.querySelectorAll('.tabsList .tab').length")
    browser.evaluate("document.querySelector('#named-query-list button').click(), true")
    browser.wait_for(f"document.querySelectorAll('.tabsList .tab').length > {tabs_before}")
    editor_text = browser.evaluate("tierslieux.yasgui.getTab().getYasqe().getValue()")
    assert editor_text == text_with_defaults(parse_named_query(QUERIES_DIR / f"{first}.rq"))
    assert browser.exceptions() == []


# --- a place page ----------------------------------------------------------------------------


def test_place_page_screenshot_shows_header_and_map_marker(fixture_server: str, tmp_path: Path):
    screenshot = tmp_path / "place.png"
    url = fixture_server + "/id/place/atelier-d-essai"
    done = run_chromium(f"--window-size={WINDOW[0]},{WINDOW[1]}", "--virtual-time-budget=5000", f"--screenshot={screenshot}", url)
    assert screenshot.is_file(), done.stderr.decode(errors="replace")
    width, height, rows = read_png(screenshot)
    assert (width, height) == WINDOW
    assert near(pixel(rows, 5, 5), HEADER_RGB), f"the header is not drawn at the top left: {pixel(rows, 5, 5)}"
    marker_pixels = sum(1 for row in rows for x in range(0, len(row), 3) if near(tuple(row[x : x + 3]), MARKER_RGB, 30))
    assert marker_pixels > 50, f"no map marker drawn ({marker_pixels} marker-blue pixels)"
    shutil.copy(screenshot, Path(tempfile.gettempdir()) / "tierslieux-place-screenshot.png")  # to look at by hand


def test_place_page_rendered_dom_has_label_and_map(fixture_server: str):
    done = run_chromium("--virtual-time-budget=5000", "--dump-dom", fixture_server + "/id/place/atelier-d-essai")
    dom = done.stdout.decode("utf-8")
    assert '<h1 id="resource-label" lang="fr">Atelier d\'essai</h1>' in dom
    assert 'id="map"' in dom and 'data-map-ready="true"' in dom, "Leaflet did not set up the map"
    assert "leaflet-marker-icon" in dom


def test_la_coroutine_page_renders_with_its_label(live_server, built: BuildLayout):
    done = run_chromium("--virtual-time-budget=5000", "--dump-dom", live_server.url + "/id/place/la-coroutine")
    dom = done.stdout.decode("utf-8")
    assert "<title>La Coroutine — Tiers-lieux knowledge graph</title>" in dom
    assert '<h1 id="resource-label" lang="fr">La Coroutine</h1>' in dom
    import pyoxigraph as ox

    store = ox.Store.read_only(str(built.store_dir))
    has_point = bool(store.query(f"ASK {{ <{LA_COROUTINE}> <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat }}", use_default_graph_as_union=True))
    assert ('id="map"' in dom) == has_point


def test_html_in_labels_stays_text_in_the_browser(fixture_server: str):
    done = run_chromium("--virtual-time-budget=3000", "--dump-dom", fixture_server + "/id/place/balise")
    dom = done.stdout.decode("utf-8")
    title = dom.split("<title>")[1].split("</title>")[0]
    assert title.startswith("Balise &lt;script&gt;"), f"a script from the data ran: the title became {title!r}"
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "<img src=\"x\"" not in dom and "<img src=x" not in dom
