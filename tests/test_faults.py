"""Faults: a notebook that raises fails the build; a killed build leaves the old site whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from helpers.tools import build
from support import ROOT, tree_hash


def test_a_notebook_that_raises_fails_the_build(tmp_path: Path, monkeypatch, capsys) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("seed = None", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("raise ValueError('boom')"),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    broken = tmp_path / "01_broken.ipynb"
    nbformat.write(nb, broken)
    params = tmp_path / "broken.yaml"
    params.write_text("seed: null\n", encoding="utf-8")
    monkeypatch.setattr(build, "notebooks", lambda: [broken])
    assert build.main(["--params", str(params), "--force"]) == 1
    err = capsys.readouterr().err
    assert '01_broken.ipynb failed: ValueError: boom (in the cell starting "raise' in err
    assert not (ROOT / "_build" / "broken" / "html").exists()


@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_site_intact() -> None:
    site = build.build(ROOT / "notebooks" / "params" / "canonical.yaml")
    before = tree_hash(site)
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers.tools.build", "--force"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    staging = ROOT / "_build" / ".staging-canonical-html"
    deadline = time.monotonic() + 60
    while not (staging / "src" / "notebooks").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # well into executing the notebooks
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert tree_hash(site) == before, "the previous site changed under a killed build"
    # the next build starts clean and replaces the site whole
    rebuilt = build.build(ROOT / "notebooks" / "params" / "canonical.yaml", force=True)
    assert (rebuilt / "index.html").is_file() and not staging.exists()
