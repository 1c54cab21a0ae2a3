"""The package's three wings stay apart: the science draws nothing and publishes nothing,
no chapter imports a publishing tool, and the lint a contributor's pre-commit runs is the
one `make test` runs."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from support import ROOT

SRC = ROOT / "src" / "helpers"
SHARED = {"paths", "store", "params"}
"""Modules at the package's top, which every wing may use."""


def _imports(path: Path) -> set[str]:
    """The helpers modules a file imports, as absolute dotted names."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found |= {f"{module}.{a.name}" for a in node.names} | {module}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m.startswith("helpers.")}


@pytest.mark.parametrize("path", sorted((SRC / "science").rglob("*.py")), ids=lambda p: p.stem)
def test_the_science_imports_no_presentation_and_no_tool(path: Path) -> None:
    wrong = {m for m in _imports(path) if m.startswith(("helpers.chapters", "helpers.tools"))}
    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


@pytest.mark.parametrize("path", sorted((SRC / "chapters").rglob("*.py")), ids=lambda p: p.stem)
def test_chapter_helpers_import_no_tool(path: Path) -> None:
    wrong = {m for m in _imports(path) if m.startswith("helpers.tools")}
    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem
)
def test_no_chapter_imports_a_publishing_tool(path: Path) -> None:
    cells = json.loads(path.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    top = set(re.findall(r"^from helpers import (\w+)", code, re.M))
    assert "helpers.tools" not in code, f"{path.name} imports a publishing tool"
    assert top <= SHARED, f"{path.name} imports {sorted(top - SHARED)} from the package's top"


def test_pre_commit_runs_the_locked_ruff() -> None:
    locked = re.search(r"^ruff==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M)
    hooks = (ROOT / ".pre-commit-config.yaml").read_text()
    assert locked and f"rev: v{locked.group(1)}" in hooks
    assert "lint" in re.search(r"^test:.*$", (ROOT / "Makefile").read_text(), re.M).group(0)
