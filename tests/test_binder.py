"""Binder rehearsal: JupyterLab from the project's environment, every chapter run through the
JupyterLab interface in Chromium, as a Binder user would, with no error in any output."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.chapters.vega_render import MIME
from support import ROOT, committed_outputs, jupyter, lab_page, needs_browser, run_all_in_lab

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TOKEN = "rehearsal"
SHOTS = ROOT / "_build" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    needs_browser,
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """JupyterLab on localhost, serving a copy of the notebooks (a user's own folder, so the
    committed notebooks are never autosaved over): its URL and its log."""
    home = tmp_path_factory.mktemp("binder")
    work = home / "work"
    shutil.copytree(ROOT / "notebooks", work)
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}), encoding="utf-8"
    )
    with jupyter(
        "lab",
        work,
        home,
        TOKEN,
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
    ) as base:
        yield base, home / "jupyter.log"


def _chart_count(name: str) -> int:
    return sum(
        stem == Path(name).stem and MIME in output.get("data", {})
        for stem, output in committed_outputs()
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab_without_errors(
    browser, lab: tuple[str, Path], name: str
) -> None:
    base, log = lab
    page, foreign = lab_page(browser, base)
    try:
        outputs = run_all_in_lab(page, base, TOKEN, name, log)
        assert len(outputs) > 0
        charts = _chart_count(name)
        if charts:
            page.wait_for_function(
                """n => document.querySelectorAll(
                    '.jp-RenderedVegaCommon5 canvas, .jp-RenderedVegaCommon5 svg.marks'
                ).length >= n""",
                arg=charts,
                timeout=60_000,
            )
        assert not foreign, foreign  # charts draw offline, with JupyterLab's own Vega
    except BaseException:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"binder-{name}.png"), full_page=True)
        raise
    finally:
        page.close()
