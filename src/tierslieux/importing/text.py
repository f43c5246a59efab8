"""Text helpers of the importers: slugs, repair of mis-decoded text and personal data."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")

#: An e-mail address anywhere in a value (``name@domain.tld``); "Le C@pitole" is not one.
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
#: A phone number: international (+33 …, 0033 …) or French national (0X XX XX XX XX), separated or not.
PHONE = re.compile(r"(?<![\w.])(?:(?:\+|00)\d{1,3}[\s.-]?(?:\(0\)\s?)?[1-9](?:[\s.-]?\d{2}){4}|0[1-9](?:[\s.-]?\d{2}){4})(?![\w.])")
#: A civil title followed by a capitalised word: "Madame PATTE-AUBOURG", "M. Dupont", "Mme Martin".
PERSON = re.compile(
    r"\b(?:M\.|Mr\.?|Mme\.?|Mlle\.?|Madame|Monsieur|Mademoiselle|Dr\.?)\s+[A-ZÀ-Ý][\w'’\-]*(?:\s+[A-ZÀ-Ý][\w'’\-]*)*"
)


def ascii_fold(text: str) -> str:
    """Return ``text`` in lower case with accents dropped (Unicode NFKD, non-ASCII removed)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def slugify(text: str) -> str:
    """Return the slug of ``text`` as ``docs/conventions.md`` defines it (``Arrêt Minute`` → ``arret-minute``)."""
    return _NON_ALNUM.sub("-", ascii_fold(text)).strip("-")


def words(text: str) -> str:
    """Return ``text`` folded to ASCII lower case with every run of other characters made one space."""
    return _NON_ALNUM.sub(" ", ascii_fold(text)).strip()


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Latin-1 once (``chezmÃ©mÃ©`` → ``chezmémé``); other text is returned unchanged."""
    if not any(marker in text for marker in ("Ã", "Â")):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def collapse_spaces(text: str) -> str:
    """Return ``text`` with runs of white space made one space and the ends trimmed."""
    return _SPACES.sub(" ", text).strip()


def personal_data(text: str) -> list[str]:
    """Return the e-mail addresses and titled person names found in ``text`` (empty when none)."""
    return [m.group(0) for m in EMAIL.finditer(text)] + [m.group(0) for m in PERSON.finditer(text)]


def strip_personal_data(text: str) -> tuple[str, list[str]]:
    """Return ``text`` without its e-mail addresses and titled person names, and what was removed."""
    found = personal_data(text)
    for item in found:
        text = text.replace(item, " ")
    return collapse_spaces(text).strip(" ,;:-/"), found
