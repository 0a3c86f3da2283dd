"""The package layout: one import namespace, dependencies that flow one way, no import circle."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE_DIRS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
# What each part may import of the others (the root package's own helpers always).
ALLOWED = {
    "bundle": set(),
    "intake": set(),
    "provenance": set(),
    "server": {"bundle", "intake", "provenance"},
    "batch": {"bundle", "intake", "provenance"},
    "training": {"bundle"},
    "convert": {"bundle", "training"},
}


def modules() -> dict[str, Path]:
    """Every module of the distribution by its dotted name."""
    found = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in relative.parts if p != "__init__"]
            name = ".".join([package, *parts])
            if name.count(".") == package.count(".") + len(parts):
                found.setdefault(name, path)
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """The ``aiorhuman.*`` modules a file imports, at its top or inside functions
    (``from package import module`` counts as importing the module, not the package)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names}
            names.update(submodules & known.keys() if submodules <= known.keys() else {node.module})
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("aiorhuman")}


def test_every_part_installs_under_aiorhuman():
    packages = PYPROJECT["tool"]["setuptools"]["packages"]
    assert all(p == "aiorhuman" or p.startswith("aiorhuman.") for p in packages)
    scripts = PYPROJECT["project"]["scripts"].values()
    assert all(target.startswith("aiorhuman.") for target in scripts)
    for part in ALLOWED:
        assert PACKAGE_DIRS[f"aiorhuman.{part}"] == part


def test_no_generic_top_level_names_are_importable(tmp_path):
    code = (
        "import importlib.util as u, aiorhuman.server, aiorhuman.training\n"
        "print([n for n in ('server', 'training', 'bundle', 'convert', 'provenance', 'batch',"
        " 'intake') if u.find_spec(n)])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_what_it_may(part):
    known, offending = modules(), {}
    for name, path in known.items():
        if not name.startswith(f"aiorhuman.{part}"):
            continue
        for imported in imports_of(path, known):
            other = imported.split(".")[1] if imported.count(".") else None
            if other in ALLOWED and other != part and other not in ALLOWED[part]:
                offending.setdefault(name, set()).add(imported)
    assert not offending


def test_there_is_no_import_circle():
    known = modules()
    graph = {
        name: {i for i in imports_of(path, known) if i in known and i != name}
        for name, path in known.items()
    }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return [*trail, node, nxt]
            if nxt not in state and (circle := visit(nxt, [*trail, node])):
                return circle
        state[node] = 2
        return None

    for name in graph:
        if name not in state:
            assert visit(name, []) is None
