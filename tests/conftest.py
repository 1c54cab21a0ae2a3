"""Shared fixtures: the project root, a canonical synthetic data set, the built book."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import synth
from helpers.assumptions import value as assumed

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def canonical_frame() -> pd.DataFrame:
    """The synthetic respondents of the canonical seed."""
    return synth.generate(int(assumed("canonical_seed")))


def tree_hash(folder: Path) -> str:
    """A hash of every file under a folder, names and contents."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``python -m helpers ...`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args], cwd=cwd, capture_output=True, text=True
    )
