"""The wheel carries the knowledge model it needs and installs no generic top-level module."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tierslieux import __version__

from .conftest import REPO_ROOT


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)], cwd=REPO_ROOT, check=True, capture_output=True)
    [wheel] = out.glob("*.whl")
    assert wheel.name == f"tierslieux-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        return names + ["ENTRY_POINTS:" + archive.read(entry_points).decode(), "METADATA:" + archive.read(metadata).decode()]


@pytest.mark.parametrize("folder", ["ontology", "ontology/vocabularies", "shapes", "data/curated", "queries", "queries/qc"])
def test_wheel_carries_every_file_of_the_model(wheel_names, folder):
    suffixes = {".ttl", ".rq"}
    expected = sorted(
        f"tierslieux/_resources/{p.relative_to(REPO_ROOT).as_posix()}"
        for p in (REPO_ROOT / folder).iterdir()
        if p.suffix in suffixes
    )
    assert expected, f"{folder} is empty"
    assert set(expected) <= set(wheel_names)


def test_wheel_installs_only_the_tierslieux_package(wheel_names):
    top_level = {name.split("/")[0] for name in wheel_names if not name.startswith(("ENTRY_POINTS:", "METADATA:"))}
    assert top_level == {"tierslieux", f"tierslieux-{__version__}.dist-info"}


def test_wheel_declares_the_command(wheel_names):
    [entry_points] = [n for n in wheel_names if n.startswith("ENTRY_POINTS:")]
    assert "tierslieux = tierslieux.cli:main" in entry_points


def test_the_server_installs_no_engine_it_does_not_run(wheel_names):
    """Regression: morph-kgc's dependencies (pandas, duckdb, falcon…) shipped with the server, and morph-kgc itself
    could only be installed with --no-deps (its pins exclude this project's pyoxigraph and rdflib)."""
    [metadata] = [n for n in wheel_names if n.startswith("METADATA:")]
    required = [line.split(":", 1)[1].strip().split()[0].split(";")[0].lower() for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert required and not {"morph-kgc", "pandas", "duckdb", "falcon", "elementpath", "jsonpath-python"} & {r.split(">")[0].split("<")[0].split("=")[0] for r in required}


def test_the_installed_environment_is_consistent():
    """``pip check``: every installed package's requirements are met (make setup runs it too)."""
    done = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
