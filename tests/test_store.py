"""The results store: one chapter computes, another reads; each caller gets its own copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import store
from support import ROOT


@pytest.fixture
def counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A store under ``tmp_path``, and a list that grows by one per computation."""
    monkeypatch.setattr(store, "build_dir", lambda: tmp_path)
    monkeypatch.setattr(store, "_IN_PROCESS", {})
    return []


def _compute(calls: list[int]):
    def compute() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"estimate": [0.25, 0.5]})

    return compute


def test_a_stored_result_is_read_back_not_computed_again(
    counted: list[int], tmp_path: Path
) -> None:
    first = store.cached("rows", {"seed": 1}, _compute(counted))
    second = store.cached("rows", {"seed": 1}, _compute(counted))
    assert len(counted) == 1
    pd.testing.assert_frame_equal(first, second)
    second.loc[0, "estimate"] = 99.0  # a caller's change reaches no other caller
    assert store.cached("rows", {"seed": 1}, _compute(counted)).loc[0, "estimate"] == 0.25
    kept = sorted(p.suffix for p in (tmp_path / "store").iterdir())
    assert kept in ([".lock", ".pkl"], [".pkl"])  # the result, and its lock where locks exist
    store.cached("rows", {"seed": 2}, _compute(counted))  # other parameters, computed afresh
    assert len(counted) == 2


def test_store_off_writes_nothing_and_computes_once_per_process(
    counted: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWICT_STORE", "off")
    first = store.cached("rows", {"seed": 1}, _compute(counted))
    first.loc[0, "estimate"] = 99.0
    again = store.cached("rows", {"seed": 1}, _compute(counted))
    assert len(counted) == 1 and again.loc[0, "estimate"] == 0.25
    assert not (tmp_path / "store").exists()


CONCURRENT = """
import sys, time
from pathlib import Path
from helpers import store

folder = Path(sys.argv[1])
store.build_dir = lambda: folder


def compute():
    with (folder / "computed.txt").open("a") as log:
        log.write("x")
    time.sleep(1.0)  # long enough for the other process to ask meanwhile
    return 42


print(store.cached("design", {}, compute))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no POSIX file locks: both compute")
def test_processes_asking_at_once_compute_the_result_once(tmp_path: Path) -> None:
    script = tmp_path / "ask.py"
    script.write_text(CONCURRENT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("SWICT_STORE", None)
    asking = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    answers = [p.communicate(timeout=60)[0].strip() for p in asking]
    assert answers == ["42", "42"]
    assert (tmp_path / "computed.txt").read_text() == "x"
