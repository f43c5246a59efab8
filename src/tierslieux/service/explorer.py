"""The explorer at ``/`` and the embeddable map at ``/embed``: places on a map, a search box, facets and a list.

Both pages are the same HTML with or without the site's chrome; everything
they show is read by ``static/js/explorer.js`` from the places API
(``/api/places``, ``/api/places/facets``), so the explorer, the embedded map
and other programs share one code path. The whole state (filters, text, map
view, language) lives in the page's query string, so a link reproduces the
view. Texts are in French and English (``lang=fr|en``, else the browser's
preference). Map tiles come from ``MAP_TILE_URL`` (the pages' setting); an
empty setting or an unreachable tile server leaves a plain background.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, make_response, render_template, request

from .languages import other_language_args, page_language, say_language
from .pages import page_csp
from .places.filters import FACETS

bp = Blueprint("explorer", __name__)

#: The page's texts; the script's own texts come in the page's configuration.
TEXTS = {
    "fr": {
        "title": "Explorer les tiers-lieux",
        "search": "Rechercher un lieu ou une commune",
        "search_button": "Rechercher",
        "filters": "Filtres",
        "clear_all": "Tout effacer",
        "places": "lieux",
        "in_view": "dans la vue",
        "list": "Lieux de la zone visible",
        "embed": "Intégrer cette vue",
        "embed_help": "Copiez ce code dans votre page :",
        "download": "Télécharger",
        "loading": "Chargement…",
        "no_place": "Aucun lieu ne correspond.",
        "more": "Zoomez pour voir les autres lieux de la zone.",
        "error": "Les lieux n'ont pas pu être lus :",
        "busy": "Le service est occupé ; nouvel essai dans {seconds} s…",
        "open": "Ouvrir la fiche",
        "zoom_cluster": "lieux : zoomer",
        "skip": "Aller à la liste des lieux",
        "map_label": "Carte des lieux",
        "other_language": "English",
        "query": "Requêtes SPARQL",
        "api": "API",
    },
    "en": {
        "title": "Explore the tiers-lieux",
        "search": "Search a place or a commune",
        "search_button": "Search",
        "filters": "Filters",
        "clear_all": "Clear all",
        "places": "places",
        "in_view": "in view",
        "list": "Places in the visible area",
        "embed": "Embed this view",
        "embed_help": "Copy this code into your page:",
        "download": "Download",
        "loading": "Loading…",
        "no_place": "No place matches.",
        "more": "Zoom in to see the other places of the area.",
        "error": "The places could not be read:",
        "busy": "The service is busy; trying again in {seconds} s…",
        "open": "Open its page",
        "zoom_cluster": "places: zoom in",
        "skip": "Skip to the list of places",
        "map_label": "Map of the places",
        "other_language": "Français",
        "query": "SPARQL queries",
        "api": "API",
    },
}


def _render(embedded: bool) -> Response:
    lang = page_language()
    texts = TEXTS[lang]
    config = {
        "lang": lang,
        "embedded": embedded,
        "api": f"{request.script_root}/api/places",
        "pages": f"{request.script_root}/id/place/",
        "embedUrl": request.host_url.rstrip("/") + request.script_root + "/embed",
        "tiles": current_app.config.get("MAP_TILE_URL") or "",
        "images": f"{request.script_root}/static/vendor/leaflet/images/",
        "facets": [{"name": f.name, "label": f.label_fr if lang == "fr" else f.label_en} for f in FACETS],
        "texts": texts,
    }
    html = render_template("explorer.html", embedded=embedded, texts=texts, lang=lang, other_lang=other_language_args(lang), page_config=config)
    response = say_language(make_response(html), lang)
    response.headers["Content-Security-Policy"] = page_csp()
    if embedded:
        response.headers["Content-Security-Policy"] += "; frame-ancestors *"
    else:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/")
def explorer() -> Response:
    """The explorer: the map, the search box, the facets and the list of the places in view."""
    return _render(embedded=False)


@bp.get("/embed")
def embed() -> Response:
    """The same map without the site's chrome, for an ``<iframe>`` on another site."""
    return _render(embedded=True)
