"""Which parameters of a test are ``slow``: the ones that read the 2019 census, the graph's one big file.

``make test-fast`` (``-m "not slow"``) keeps the edit loop in-process and small; ``make test`` runs them all.
Tests that use a real process's fixture are marked in ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

CENSUS_DIR = REPO_ROOT / "data" / "census"


def slow_if_census(paths: Iterable[Path]) -> list:
    """``paths`` as parameters, each file under ``data/census/`` marked ``slow`` (it holds the 1,499 places)."""
    return [pytest.param(path, marks=pytest.mark.slow) if CENSUS_DIR in path.resolve().parents else path for path in paths]
