"""Events (/events, /events.ics read by a real iCalendar parser) and the place pages' nearby places."""

from __future__ import annotations

import math
import re

import icalendar
import pytest

from tierslieux.stores.embedded import EmbeddedStore

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def dated_events(built) -> dict[str, str]:
    """Every event with a start date and its earliest start date, asked of the store directly."""
    store = EmbeddedStore.open(built.store_dir, read_only=True)
    try:
        outcome = store.query(
            "PREFIX tl: <https://w3id.org/tiers-lieux/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT ?e (MIN(STR(?d)) AS ?start) WHERE { ?e a/rdfs:subClassOf* tl:Event ; tl:startDate ?d } GROUP BY ?e"
        )
        return {row["e"].value: row["start"].value for row in outcome.rows}
    finally:
        store.close()


def test_calendar_parses_and_holds_every_dated_event(client, dated_events):
    answer = client.get("/events.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    body = answer.get_data()
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "a content line is longer than 75 octets"
    calendar = icalendar.Calendar.from_ical(body)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == set(dated_events) and len(events) > 5
    for uid, start in dated_events.items():
        event = events[uid]
        first = event.decoded("DTSTART")
        assert first.isoformat().startswith(start[:10]) or f"{first:%Y-%m}" == start[:7] or f"{first:%Y}" == start
        assert event.decoded("DTEND") > first
        assert str(event["URL"]).endswith("/" + uid.split("/tiers-lieux/", 1)[1])
    autrans = events["https://w3id.org/tiers-lieux/id/event/rencontres-d-autrans-2012"]
    assert str(autrans["SUMMARY"]) == "Rencontres d'Autrans 2012" and str(autrans["LOCATION"]) == "Autrans"
    assert (f"{autrans.decoded('DTSTART'):%F}", f"{autrans.decoded('DTEND'):%F}") == ("2012-01-11", "2012-01-14")  # DTEND is exclusive


def test_events_page_by_series_and_year_and_back(client, dated_events):
    page = client.get("/events").get_data(as_text=True)
    assert 'id="series-rencontres-nationales-tiers-lieux"' in page and re.search(r'id="year-\d{4}"', page)
    for iri in dated_events:
        assert f'href="/{iri.split("/tiers-lieux/", 1)[1]}"' in page
    event_page = client.get("/id/event/tt10", headers=HTML).get_data(as_text=True)
    assert 'href="/events"' in event_page and 'href="/events.ics"' in event_page


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, sphere of 6371 km)."""
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_place_page_lists_the_five_nearest_places(client):
    page = client.get("/id/place/la-coroutine", headers=HTML).get_data(as_text=True)
    section = page.split('id="nearby"', 1)[1].split("</div>", 1)[0]
    listed = re.findall(r'<a href="/id/place/([^"]+)">', section)
    assert len(listed) == 5 and "la-coroutine" not in listed
    places = client.get("/api/places?fields=map&limit=100000").get_json()["places"]
    here = next((p["latitude"], p["longitude"]) for p in places if p["slug"] == "la-coroutine")
    others = sorted(
        (_km(here, (p["latitude"], p["longitude"])), p["slug"]) for p in places if p["latitude"] is not None and p["slug"] != "la-coroutine"
    )
    fifth = others[4][0]
    assert all(_km(here, next((p["latitude"], p["longitude"]) for p in places if p["slug"] == s)) <= fifth + 0.01 for s in listed)
    assert 'href="https://www.openstreetmap.org/' in page and 'href="/?map=14/' in page

