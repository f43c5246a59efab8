"""The events: ``/events`` lists them by series and by year, ``/events.ics`` is the same agenda as iCalendar (RFC 5545).

Dates keep their source's precision (``2013``, ``2013-06``, ``2013-06-12``).
In the calendar an event is all-day: it starts on the first day of its start
date and ends after the last day of its end date (or of its start date when
it has no end), so an event known only to the month spans that month. Events
with no start date are listed on the page but cannot be in a calendar.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, make_response, render_template, request

from ..namespaces import BASE
from .pages import page_csp
from .stores import current_store

bp = Blueprint("events", __name__)

EVENTS_QUERY = """PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX tl: <https://w3id.org/tiers-lieux/ontology#>
SELECT ?event (SAMPLE(?fr) AS ?name) (SAMPLE(?any) AS ?anyName) (MIN(STR(?start)) AS ?startDate) (MAX(STR(?end)) AS ?endDate)
       (SAMPLE(?series) AS ?inSeries) (SAMPLE(?seriesFr) AS ?seriesName) (SAMPLE(?locationFr) AS ?locationName)
       (SAMPLE(?site) AS ?website) (SAMPLE(?descriptionFr) AS ?description) WHERE {
  ?event a/rdfs:subClassOf* tl:Event .
  OPTIONAL { ?event rdfs:label ?fr FILTER(LANG(?fr) = "fr") }
  OPTIONAL { ?event rdfs:label ?any }
  OPTIONAL { ?event tl:startDate ?start }
  OPTIONAL { ?event tl:endDate ?end }
  OPTIONAL { ?event tl:inSeries ?series OPTIONAL { ?series rdfs:label ?seriesFr FILTER(LANG(?seriesFr) = "fr") } }
  OPTIONAL { ?event tl:location/rdfs:label ?locationFr FILTER(LANG(?locationFr) = "fr") }
  OPTIONAL { ?event tl:website ?site }
  OPTIONAL { ?event dct:description ?descriptionFr FILTER(LANG(?descriptionFr) = "fr") }
}
GROUP BY ?event
"""
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


@dataclass
class Event:
    """One event as the agenda shows it."""

    iri: str
    name: str
    start: str | None
    end: str | None
    series: str | None
    series_name: str | None
    location: str | None
    website: str | None
    description: str | None

    @property
    def href(self) -> str:
        """The event's page on this service."""
        return request.script_root + "/" + self.iri[len(BASE) :] if self.iri.startswith(BASE) else self.iri

    @property
    def year(self) -> str:
        """The year it starts, or an empty string."""
        return (self.start or "")[:4]


def first_day(value: str) -> dt.date | None:
    """The first day of a date at any precision (``2013`` is 1 January 2013); None when it is not a date."""
    match = _DATE.match(value or "")
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    return dt.date(int(year), int(month or 1), int(day or 1))


def last_day(value: str) -> dt.date | None:
    """The last day of a date at any precision (``2013-06`` is 30 June 2013)."""
    match = _DATE.match(value or "")
    if not match:
        return None
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    if day:
        return dt.date(year, int(month), int(day))
    if month:
        return dt.date(year, int(month), calendar.monthrange(year, int(month))[1])
    return dt.date(year, 12, 31)


def read_events() -> list[Event]:
    """Every event of the current store, in date order (undated ones last)."""
    outcome = current_store().query(EVENTS_QUERY, timeout=float(current_app.config["QUERY_TIMEOUT_SECONDS"]))
    variables = list(outcome.variables)
    events = []
    for row in outcome.rows:
        value = {v: (row[i].value if row[i] is not None else None) for i, v in enumerate(variables)}
        events.append(
            Event(value["event"], value["name"] or value["anyName"] or value["event"].rsplit("/", 1)[-1], value["startDate"], value["endDate"],
                  value["inSeries"], value["seriesName"], value["locationName"], value["website"], value["description"])
        )
    events.sort(key=lambda e: (e.start is None, e.start or "", e.name))
    return events


@bp.get("/events")
def events_page() -> Response:
    """The agenda: the events of each series, then the other events by year."""
    events = read_events()
    series: dict[tuple[str, str], list[Event]] = defaultdict(list)
    by_year: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.series:
            series[(event.series, event.series_name or event.series.rsplit("/", 1)[-1])].append(event)
        else:
            by_year[event.year or "undated"].append(event)
    response = make_response(
        render_template(
            "events.html",
            series=[
                {"slug": iri.rsplit("/", 1)[-1], "name": name, "href": request.script_root + "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri,
                 "events": items}
                for (iri, name), items in sorted(series.items(), key=lambda item: item[0][1].lower())
            ],
            years=sorted(by_year.items(), key=lambda item: (item[0] == "undated", item[0])),
            total=len(events),
        )
    )
    response.headers["Content-Security-Policy"] = page_csp()
    return response


def _text(value: str) -> str:
    """A TEXT value of RFC 5545 (backslash, semicolon, comma and line ends escaped)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545, 3.1), never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def ics(events: list[Event], base_url: str, stamp: dt.datetime) -> str:
    """The dated events as an iCalendar document."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tiers-lieux knowledge graph//events//FR", "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:Tiers-lieux"]
    for event in events:
        start = first_day(event.start or "")
        end = last_day(event.end or event.start or "")
        if start is None or end is None:
            continue
        end = max(end, start)
        page = base_url + (event.iri[len(BASE) :] if event.iri.startswith(BASE) else "")
        description = event.description or ""
        if event.series_name:
            description = f"{event.series_name}. {description}".strip()
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.iri}",
            f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_text(event.name)}",
            f"URL:{page}",
        ]
        if event.location:
            lines.append(f"LOCATION:{_text(event.location)}")
        if description:
            lines.append(f"DESCRIPTION:{_text(description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


@bp.get("/events.ics")
def events_calendar() -> Response:
    """The agenda as iCalendar, for a calendar application."""
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    text = ics(read_events(), request.host_url.rstrip("/") + request.script_root + "/", stamp)
    response = Response(text, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="tiers-lieux.ics"'
    return response
