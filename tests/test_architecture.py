"""The package's layout holds: modules depend on each other without cycles, and the light modules stay light.

A cycle means a room reaches back into the one that uses it (docs/architecture.md lays out the data flow);
imports inside functions count, since they are cycles all the same once the function runs.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"


def module_imports(src: Path = SRC) -> dict[str, set[str]]:
    """Return, for each module of the package under ``src``, the modules of the package it imports (anywhere in it)."""
    modules = {}
    for path in src.rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
                target = ".".join(p for p in (base, node.module or "") if p)
                names = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            # a package's __init__ is not a cycle of its own submodules' making
            edges[name] |= {n for n in names if n in modules and n != name and not name.startswith(n + ".")}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the import cycles of ``edges`` (each as the list of modules around it), found by depth-first search."""
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(name: str, stack: list[str]) -> None:
        state[name] = 1
        stack.append(name)
        for target in sorted(edges[name]):
            if state.get(target) == 1:
                found.append(stack[stack.index(target):] + [target])
            elif not state.get(target):
                visit(target, stack)
        stack.pop()
        state[name] = 2

    for name in sorted(edges):
        if not state.get(name):
            visit(name, [])
    return found


def test_the_package_has_no_import_cycle():
    assert cycles(module_imports()) == []


def test_the_cycle_check_finds_a_cycle(tmp_path):
    package = tmp_path / "pkg"
    (package / "a").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a" / "__init__.py").write_text("")
    (package / "a" / "one.py").write_text("from ..b import two\n")
    (package / "b.py").write_text("def f():\n    from .a import one\n")
    assert cycles(module_imports(tmp_path)) == [["pkg.a.one", "pkg.b", "pkg.a.one"]]


@pytest.mark.parametrize(
    ("module", "heavy"),
    [
        ("tierslieux.release", ("pyshacl", "rdflib", "flask")),
        ("tierslieux.service", ("pyshacl", "tierslieux.build", "tierslieux.validation")),
        # what a worker loads to answer the places API, nearby places and the reconciliation service
        ("tierslieux.service.places.api", ("pyshacl", "tierslieux.build", "tierslieux.validation")),
        ("tierslieux.service.reconcile_data", ("pyshacl", "tierslieux.build", "tierslieux.validation")),
        ("tierslieux.formats", ("rdflib", "flask")),
    ],
)
def test_light_modules_do_not_load_heavy_ones(module, heavy):
    """The service's workers and the release layout must not load the builder or pySHACL (start-up time and memory)."""
    probe = f"import sys, {module}; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {{'pyshacl','rdflib','flask','tierslieux'}})))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert [m for m in loaded if any(m == h or m.startswith(h + ".") for h in heavy)] == []
