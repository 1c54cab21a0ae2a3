"""The environment is locked, and Binder's environment.yml uses exactly the same pins."""

from __future__ import annotations

import re
import tomllib

from helpers.tools import lockfile
from support import ROOT


def test_environment_yml_matches_the_lock() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert env == lockfile.environment_yaml(lock), "run 'make lock' to regenerate environment.yml"


def test_every_dependency_is_pinned_exactly() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = {re.split("==", p)[0].lower().replace("_", "-"): p for p in lockfile.pins(lock)}
    assert all("==" in p for p in pins.values())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]  # 'book' (building the site) and 'test'
    wanted = project["dependencies"] + [r for extra in extras.values() for r in extra]
    for requirement in wanted:
        name = re.split(r"[<>=!\[ ]", requirement)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is not in requirements.lock"


def test_jupyter_book_is_version_one() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert re.search(r"^jupyter-book==1\.", lock, flags=re.M)


def test_committed_notebooks_carry_the_canonical_outputs() -> None:
    """nbval compares reruns against stored outputs: a notebook saved without them would
    pass vacuously, so every code cell must have been executed."""
    import json

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        unexecuted = [i for i, c in enumerate(code) if c.get("execution_count") is None]
        assert not unexecuted, f"{path.name}: code cells {unexecuted} have no stored outputs"
