"""The matcher's settings for each use, read from ``data/matching.toml`` with clear errors.

One table per use: ``[link]`` (the Wikidata linker), ``[import]`` (an import
against the places already in the graph) and ``[reconcile]`` (the
reconciliation service). A key left out takes the default of
:class:`~.decision.Settings`; the four weights must add up to 1.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..paths import DATA_DIR
from .decision import Settings

CONFIG_PATH = DATA_DIR / "matching.toml"
USES = ("link", "import", "reconcile")


class MatchingConfigError(ValueError):
    """A matching configuration with a missing or malformed value (the message names the file and key)."""


def _value(table: dict, key: str, default, path: Path, use: str):
    value = table.get(key, default)
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        raise MatchingConfigError(f"{path}: [{use}] {key} must be a {expected.__name__}, not {value!r}")
    return value


def settings_from_table(table: dict, path: Path, use: str) -> Settings:
    """Return the :class:`Settings` a TOML table gives (``path`` and ``use`` name it in errors)."""
    if not isinstance(table, dict):
        raise MatchingConfigError(f"{path}: [{use}] must be a table")
    defaults = Settings()
    unknown = sorted(set(table) - set(defaults.__dataclass_fields__))
    if unknown:
        raise MatchingConfigError(f"{path}: [{use}] has unknown key(s) {', '.join(unknown)}")
    settings = Settings(**{name: _value(table, name, getattr(defaults, name), path, use) for name in defaults.__dataclass_fields__})
    weights = settings.name + settings.distance + settings.commune + settings.website
    if abs(weights - 1.0) > 1e-6:
        raise MatchingConfigError(f"{path}: [{use}] name + distance + commune + website must add up to 1, not {weights:g}")
    if not 0.0 <= settings.review <= settings.accept:
        raise MatchingConfigError(f"{path}: [{use}] review ({settings.review:g}) must be between 0 and accept ({settings.accept:g})")
    return settings


def load_settings(use: str, path: Path = CONFIG_PATH) -> Settings:
    """Return the settings of ``use`` (one of :data:`USES`) from ``path``."""
    if use not in USES:
        raise ValueError(f"unknown use of the matcher: {use!r} (one of {', '.join(USES)})")
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MatchingConfigError(f"{path}: cannot read the matching configuration ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise MatchingConfigError(f"{path}: {error}") from None
    return settings_from_table(data.get(use, {}), path, use)
