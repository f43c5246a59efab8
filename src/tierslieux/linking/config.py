"""The linker's configuration: ``data/links/config.toml``, read into typed settings with clear errors."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..matching.config import CONFIG_PATH as MATCHING_CONFIG_PATH
from ..matching.config import MatchingConfigError, load_settings
from ..matching.decision import Settings
from ..paths import DATA_DIR

LINKS_DIR = DATA_DIR / "links"
CONFIG_PATH = LINKS_DIR / "config.toml"
DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"

#: The search capabilities a run can use.
ENTITY_SEARCH = "entity-search"
LABEL_QUERY = "label-query"
SEARCH_MODES = (ENTITY_SEARCH, LABEL_QUERY)


class ConfigError(ValueError):
    """A configuration file with a missing or malformed value (the message names the file and the key)."""


@dataclass(frozen=True)
class LinkConfig:
    """Everything ``tierslieux link`` needs to know besides the data."""

    endpoint: str = DEFAULT_ENDPOINT
    contact: str = "https://w3id.org/tiers-lieux/"
    entity_search_endpoints: tuple[str, ...] = (DEFAULT_ENDPOINT,)
    timeout_seconds: float = 60.0
    batch_size: int = 20
    max_retries: int = 6
    backoff_seconds: float = 2.0
    cache_max_age_days: float = 30.0
    class_articles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    any_kind_articles: tuple[str, ...] = ()
    scoring: Settings = field(default_factory=Settings)  # the matcher's [link] settings (data/matching.toml)

    def with_endpoint(self, endpoint: str | None) -> LinkConfig:
        """Return a copy that queries ``endpoint`` (unchanged when None)."""
        return self if not endpoint else replace(self, endpoint=endpoint)


def _get(table: dict, key: str, kind: type | tuple[type, ...], path: Path, where: str, default=None):
    value = table.get(key, default)
    if value is None:
        raise ConfigError(f"{path}: [{where}] {key} is missing")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{path}: [{where}] {key} must be a {name}, not {value!r}")
    return value


def _strings(value, path: Path, where: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{path}: {where} must be a list of {what}, not {value!r}")
    return tuple(v.strip() for v in value)


def load_config(path: Path = CONFIG_PATH, matching_path: Path = MATCHING_CONFIG_PATH) -> LinkConfig:
    """Read the linker's configuration from ``path`` (its scoring from ``[link]`` of ``matching_path``).

    Raises :class:`ConfigError` naming the file and key.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    endpoint = data.get("endpoint", {})
    classes = data.get("classes", {})
    if "scoring" in data:
        raise ConfigError(f"{path}: [scoring] moved to the matcher's configuration, [link] of {matching_path}")
    try:
        scoring = load_settings("link", matching_path)
    except MatchingConfigError as error:
        raise ConfigError(str(error)) from None
    articles = classes.get("articles", {})
    if not isinstance(articles, dict):
        raise ConfigError(f"{path}: [classes.articles] must be a table of kind = [titles]")
    return LinkConfig(
        endpoint=_get(endpoint, "url", str, path, "endpoint"),
        contact=_get(endpoint, "contact", str, path, "endpoint"),
        entity_search_endpoints=_strings(endpoint.get("entity_search", []), path, "[endpoint] entity_search", "endpoint URLs"),
        timeout_seconds=_get(endpoint, "timeout_seconds", float, path, "endpoint", 60.0),
        batch_size=_get(endpoint, "batch_size", int, path, "endpoint", 20),
        max_retries=_get(endpoint, "max_retries", int, path, "endpoint", 6),
        backoff_seconds=_get(endpoint, "backoff_seconds", float, path, "endpoint", 2.0),
        cache_max_age_days=_get(endpoint, "cache_max_age_days", float, path, "endpoint", 30.0),
        class_articles={kind: _strings(titles, path, f"[classes.articles] {kind}", "French Wikipedia article titles") for kind, titles in articles.items()},
        any_kind_articles=_strings(classes.get("any_kind", []), path, "[classes] any_kind", "French Wikipedia article titles"),
        scoring=scoring,
    )


def configured_endpoint(path: Path = CONFIG_PATH) -> str:
    """Return the Wikidata endpoint of the configuration, or Wikidata's own when the file cannot be read.

    The SPARQL service allows this endpoint as a ``SERVICE`` target (federated queries).
    """
    try:
        return load_config(path).endpoint
    except ConfigError:
        return DEFAULT_ENDPOINT
