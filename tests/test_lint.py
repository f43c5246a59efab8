"""One style for the code: ruff's check (rules in pyproject.toml's ``[tool.ruff]``) finds nothing.

Run ``make lint`` to see the findings, ``.venv/bin/ruff check --fix src tests benchmarks scripts`` to fix the
ones ruff can (import order, old syntax).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("src", "tests", "benchmarks", "scripts")


def ruff() -> str:
    """The ruff installed beside this interpreter (the ``test`` extra pins it)."""
    found = Path(sys.executable).with_name("ruff")
    if found.exists():
        return str(found)
    anywhere = shutil.which("ruff")
    if anywhere is None:
        pytest.fail("ruff is missing: run `make setup` (it is in the project's `test` extra)")
    return anywhere


def test_ruff_finds_nothing():
    done = subprocess.run([ruff(), "check", "--output-format", "concise", *FOLDERS], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]


def test_ruff_check_can_fail(tmp_path):
    """The check above reads the project's rules and would report an unused import."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n", encoding="utf-8")
    done = subprocess.run([ruff(), "check", "--config", str(ROOT / "pyproject.toml"), "--output-format", "concise", str(bad)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "F401" in done.stdout, done.stdout + done.stderr
