"""The project's cleaning steps for one value: each takes the source's strings and returns a clean value.

A function raises :class:`~.issues.CleaningIssue` when the value cannot be used (the field is
left out, and the row is rejected when the field is required) and calls :func:`note` to report
something worth a Warning while still returning a value. The same functions run twice: once per
row before the mapping, to report issues with their row, and inside the mapping (:mod:`.engine`), where
the notes are ignored.
"""

from __future__ import annotations

import contextvars
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlsplit, urlunsplit

from .issues import CleaningIssue
from .text import EMAIL, PERSON, collapse_spaces, repair_mojibake, strip_personal_data

_NOTES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("notes", default=None)

#: Values that mean "nothing here" in the sources we read.
BLANKS = {"", "null", "none", "nan", "n/a", "na", "-"}


def note(message: str) -> None:
    """Report a Warning about the value being cleaned (kept by the row checks, ignored inside the mapping)."""
    notes = _NOTES.get()
    if notes is not None:
        notes.append(message)


def collecting_notes() -> tuple[list[str], contextvars.Token]:
    """Start collecting notes; return the list they go to and the token for :func:`stop_collecting`."""
    notes: list[str] = []
    return notes, _NOTES.set(notes)


def stop_collecting(token: contextvars.Token) -> None:
    """Stop collecting notes started by :func:`collecting_notes`."""
    _NOTES.reset(token)


def blank(value: object) -> bool:
    """Tell whether a source value is missing (None, empty, or a placeholder such as ``NULL``)."""
    return value is None or str(value).strip().lower() in BLANKS


def text(value: str | None) -> str | None:
    """Return a clean text: mis-decoded UTF-8 repaired, spaces collapsed, e-mail addresses and titled names removed."""
    if blank(value):
        return None
    cleaned, removed = strip_personal_data(repair_mojibake(collapse_spaces(str(value))))
    if removed:
        note(f"personal data removed ({len(removed)} item{'s' if len(removed) > 1 else ''}: e-mail address or person's name)")
    return cleaned or None


def required_text(value: str | None) -> str:
    """Return a clean text that must be present (a name): a missing or emptied value rejects the row."""
    cleaned = text(value)
    if cleaned is None:
        raise CleaningIssue("missing value")
    return cleaned


def proper_name(value: str | None) -> str | None:
    """Return a clean proper name, with words written all in capitals given a capital initial only (``LYON`` → ``Lyon``)."""
    cleaned = text(value)
    if cleaned is None:
        return None
    return " ".join(w.capitalize() if len(w) > 3 and w.isupper() else w for w in cleaned.split(" "))


_HOST = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,24}|xn--[a-z0-9\-]{2,20})$")


def url(value: str | None) -> str | None:
    """Return a website as an absolute http(s) IRI: the missing scheme added, spaces and e-mails refused.

    ``www.example.fr`` → ``http://www.example.fr``. A value that is an e-mail address, a person's
    name or not a web address at all is left out with an issue.
    """
    if blank(value):
        return None
    raw = repair_mojibake(str(value).strip())
    if EMAIL.search(raw) or PERSON.search(raw):
        raise CleaningIssue("personal data (e-mail address or person's name) instead of a web address; left out", reject=False)
    candidate = raw if re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://", raw) else "http://" + raw.lstrip("/")
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").lower()
        ascii_host = host.encode("idna").decode("ascii") if host else ""
    except (ValueError, UnicodeError):
        raise CleaningIssue(f"not a web address: {raw!r}; left out", reject=False) from None
    if parts.scheme.lower() not in ("http", "https") or " " in raw or not _HOST.match(ascii_host):
        raise CleaningIssue(f"not a web address: {raw!r}; left out", reject=False)
    if candidate != raw:
        note(f"scheme added to the web address {raw!r}")
    netloc = parts.netloc.lower() if parts.username is None else parts.netloc
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="=&%:@!$'()*+,;/?-._~")
    fragment = quote(parts.fragment, safe="%:@!$&'()*+,;=/?-._~")
    return urlunsplit((parts.scheme.lower(), netloc, path or "", query, fragment))


_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")


def twitter_handle(value: str | None) -> str | None:
    """Return a Twitter account name from ``@name``, ``name`` or a twitter.com address; anything else is left out."""
    if blank(value):
        return None
    raw = str(value).strip()
    candidate = raw
    match = re.match(r"^(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:#!/)?@?([^/?#]+)", raw, re.IGNORECASE)
    if match:
        candidate = match.group(1)
    candidate = candidate.lstrip("@")
    if not _HANDLE.match(candidate):
        raise CleaningIssue(f"not a Twitter account: {raw!r}; left out", reject=False)
    return candidate


def twitter_url(value: str | None) -> str | None:
    """Return the profile address ``https://twitter.com/{name}`` of a Twitter account."""
    handle = twitter_handle(value)
    return None if handle is None else f"https://twitter.com/{handle}"


def facebook_page(value: str | None) -> str | None:
    """Return a Facebook page's path (``pages/…`` or the page name) from a page name or a facebook.com address."""
    if blank(value):
        return None
    raw = repair_mojibake(str(value).strip())
    match = re.match(r"^(?:https?://)?(?:[a-z\-]+\.)?(?:facebook\.com|fb\.com|fb\.me)/(.+)$", raw, re.IGNORECASE)
    page = match.group(1) if match else raw
    page = page.split("?")[0].split("#")[0].strip("/")
    if not page or " " in page or "@" in page or "." in page.split("/")[0] and not match:
        raise CleaningIssue(f"not a Facebook page: {raw!r}; left out", reject=False)
    return quote(page, safe="/%-._~")


def facebook_url(value: str | None) -> str | None:
    """Return the address ``https://www.facebook.com/{page}`` of a Facebook page."""
    page = facebook_page(value)
    return None if page is None else f"https://www.facebook.com/{page}"


def _decimal(value: str | None, what: str) -> Decimal:
    if blank(value):
        raise CleaningIssue(f"no {what}")
    raw = str(value).strip()
    if re.fullmatch(r"[+-]?\d+,\d+", raw):
        raw = raw.replace(",", ".")
        note(f"{what} {str(value).strip()!r} is written with a decimal comma; read as {raw}")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CleaningIssue(f"{what} {str(value).strip()!r} is not a number") from None
    if not number.is_finite():
        raise CleaningIssue(f"{what} {str(value).strip()!r} is not a number")
    return number


def _canonical_decimal(number: Decimal) -> str:
    text_ = format(number.normalize(), "f")
    return text_ if "." in text_ else text_ + ".0"


def latitude(value: str | None) -> str:
    """Return a WGS84 latitude as a canonical xsd:decimal; a missing, non-numeric or out-of-range value is an issue."""
    number = _decimal(value, "latitude")
    if not Decimal(-90) <= number <= Decimal(90):
        raise CleaningIssue(f"latitude {number} is outside [-90, 90]")
    return _canonical_decimal(number)


def longitude(value: str | None) -> str:
    """Return a WGS84 longitude as a canonical xsd:decimal; a missing, non-numeric or out-of-range value is an issue."""
    number = _decimal(value, "longitude")
    if not Decimal(-180) <= number <= Decimal(180):
        raise CleaningIssue(f"longitude {number} is outside [-180, 180]")
    return _canonical_decimal(number)


def wkt_point(longitude_: str | None, latitude_: str | None) -> str:
    """Return the WKT ``POINT(lon lat)`` of a position (GeoSPARQL order: longitude first)."""
    return f"POINT({longitude(longitude_)} {latitude(latitude_)})"


#: Below this geocoding precision, a place's position is doubtful (a Warning).
LOW_PRECISION = Decimal("0.5")


def precision(value: str | None) -> str | None:
    """Return a geocoding precision in [0, 1]; below 0.5 is kept with a Warning, outside [0, 1] is left out."""
    if blank(value):
        return None
    number = _decimal(value, "precision")
    if not Decimal(0) <= number <= Decimal(1):
        raise CleaningIssue(f"precision {str(value).strip()!r} is outside [0, 1]; left out", reject=False)
    if number < LOW_PRECISION:
        note(f"geocoding precision {number} is below {LOW_PRECISION}: the position is doubtful")
    return _canonical_decimal(number)


def boolean(value: str | None) -> str | None:
    """Return ``true`` or ``false`` from 1/0, true/false, oui/non, yes/no; anything else is an issue."""
    if blank(value):
        return None
    raw = str(value).strip().lower()
    if raw in ("1", "true", "oui", "yes", "vrai"):
        return "true"
    if raw in ("0", "false", "non", "no", "faux"):
        return "false"
    raise CleaningIssue(f"{str(value).strip()!r} is not a yes/no value; left out", reject=False)


def postcode(value: str | None, country: str | None = None) -> str | None:
    """Return a French postcode (five digits, a lost leading zero restored); ``0`` means none.

    With ``country`` (an ISO code or a name), a place outside France has no French postcode: None.
    """
    if not blank(country) and str(country).strip().lower() not in ("fr", "fra", "france"):
        return None
    if blank(value) or str(value).strip() in ("0", "00000"):
        return None
    raw = str(value).strip().replace(" ", "")
    if re.fullmatch(r"\d{4}", raw):
        raw = "0" + raw
    if not re.fullmatch(r"\d{5}", raw):
        raise CleaningIssue(f"{str(value).strip()!r} is not a postcode; left out", reject=False)
    return raw
