"""The language of a page for people (the explorer, the observatory): French or English.

Data keeps its French names; a page's own texts come in both languages. The
language is ``lang=`` of the query string (so a link keeps it), else the
browser's preference, else French, the language of the movement and of most
of the graph's users.
"""

from __future__ import annotations

from flask import Response, request

LANGUAGES = ("fr", "en")


def page_language() -> str:
    """``lang=`` of the query string, else the browser's preference, else French."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default="fr") if request.accept_languages else "fr"


def other_language_args(lang: str) -> dict[str, str]:
    """The current query string with ``lang`` switched to the other language (for the page's language link)."""
    other = "en" if lang == "fr" else "fr"
    return {k: v for k, v in request.args.items() if k != "lang"} | {"lang": other}


def say_language(response: Response, lang: str) -> Response:
    """Mark ``response`` as written in ``lang``, and as depending on the browser's preference."""
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response
