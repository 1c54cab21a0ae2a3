"""The results store: one chapter computes, another reads; each caller gets its own copy."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import store


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
    assert [p.suffix for p in (tmp_path / "store").iterdir()] == [".pkl"]
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
