"""The Wikidata classes our place kinds map to: four verified by hand, the others resolved on the endpoint.

A kind without a verified class names French Wikipedia articles in the
configuration; the item each article is about (its sitelink: ``schema:about``,
``schema:isPartOf <https://fr.wikipedia.org/>``) is the class. Resolutions are
cached per endpoint with their date in ``data/links/classes.json``; a title that
does not resolve gives no class, never a guess.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..rdfio import write_atomically
from .client import SparqlClient
from .config import LinkConfig
from .wikidata import (
    FRENCH_WIKIPEDIA,
    PROLOGUE,
    VERIFIED_KIND_CLASSES,
    VERIFIED_KIND_PRACTICES,
    qid,
    string_literal,
)

CLASS_CACHE_NAME = "classes.json"


@dataclass(frozen=True)
class KindClasses:
    """Which Wikidata classes (and practices, through P366) each kind of place maps to."""

    classes: dict[str, frozenset[str]] = field(default_factory=dict)
    practices: dict[str, frozenset[str]] = field(default_factory=dict)
    any_kind: frozenset[str] = frozenset()
    unresolved: tuple[str, ...] = ()  # article titles that name no item on the endpoint

    def kinds_of(self, classes: set[str] | frozenset[str], practices: set[str] | frozenset[str]) -> set[str]:
        """Return the kinds whose classes (or practices) an item has; ``tiers-lieu`` for the any-kind classes."""
        kinds = {k for k, targets in self.classes.items() if targets & classes}
        kinds |= {k for k, targets in self.practices.items() if targets & practices}
        if self.any_kind & classes:
            kinds.add("tiers-lieu")
        return kinds

    @property
    def all_classes(self) -> frozenset[str]:
        """Every class any kind maps to."""
        return frozenset(self.any_kind.union(*self.classes.values()))

    @property
    def all_practices(self) -> frozenset[str]:
        """Every practice any kind maps to."""
        return frozenset().union(*self.practices.values())


def _titles(config: LinkConfig) -> list[str]:
    titles = [t for ts in config.class_articles.values() for t in ts] + list(config.any_kind_articles)
    return sorted(set(titles))


def resolve_articles(client: SparqlClient, titles: list[str]) -> dict[str, str | None]:
    """Ask the endpoint which item each French Wikipedia article is about: {title: QID or None}."""
    if not titles:
        return {}
    values = " ".join(f"{string_literal(t)}@fr" for t in titles)
    query = (
        PROLOGUE
        + f"""SELECT ?title ?item WHERE {{
  VALUES ?title {{ {values} }}
  ?article schema:name ?title ;
           schema:isPartOf <{FRENCH_WIKIPEDIA}> ;
           schema:about ?item .
}}"""
    )
    found: dict[str, set[str]] = {t: set() for t in titles}
    for row in client.select(query):
        title, item = row.get("title", {}).get("value"), qid(row.get("item", {}).get("value", ""))
        if title in found and item:
            found[title].add(item)
    # An article is about one item; more than one would be a broken mirror, and is not guessed between.
    return {t: (next(iter(items)) if len(items) == 1 else None) for t, items in found.items()}


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_kind_classes(
    client: SparqlClient, config: LinkConfig, links_dir: Path, *, refresh: bool = False, today: date | None = None
) -> KindClasses:
    """Return the kind → class mapping, resolving article titles on the endpoint unless fresh in the cache."""
    cache_path = Path(links_dir) / CLASS_CACHE_NAME
    cache = _read_cache(cache_path)
    titles = _titles(config)
    entry = cache.get(client.endpoint, {})
    fresh = False
    if entry and not refresh and set(entry.get("articles", {})) == set(titles):
        try:
            age_days = (time.time() - time.mktime(time.strptime(entry["resolved"], "%Y-%m-%d"))) / 86400
            fresh = age_days <= config.cache_max_age_days
        except (KeyError, ValueError):
            fresh = False
    if fresh:
        articles = entry["articles"]
    else:
        articles = resolve_articles(client, titles)
        cache[client.endpoint] = {"resolved": (today or date.today()).isoformat(), "articles": articles}
        write_atomically(cache_path, json.dumps(cache, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    classes: dict[str, set[str]] = {kind: {q} for kind, q in VERIFIED_KIND_CLASSES.items()}
    for kind, kind_titles in config.class_articles.items():
        classes.setdefault(kind, set()).update(articles[t] for t in kind_titles if articles.get(t))
    return KindClasses(
        classes={k: frozenset(v) for k, v in classes.items() if v},
        practices={k: frozenset({q}) for k, q in VERIFIED_KIND_PRACTICES.items()},
        any_kind=frozenset(articles[t] for t in config.any_kind_articles if articles.get(t)),
        unresolved=tuple(t for t in titles if not articles.get(t)),
    )
