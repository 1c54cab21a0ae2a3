"""Binder rehearsal: JupyterLab from the project's environment, every chapter run through the
JupyterLab interface in Chromium, as a Binder user would, with no error in any output."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.chapters.vega_render import MIME
from support import ROOT, committed_outputs, jupyter, lab_page, needs_browser

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TOKEN = "rehearsal"
SHOTS = ROOT / "_build" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    needs_browser,
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on localhost, serving a copy of the notebooks (a user's own folder, so the
    committed notebooks are never autosaved over)."""
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
        yield base


def _chart_count(name: str) -> int:
    return sum(
        stem == Path(name).stem and MIME in output.get("data", {})
        for stem, output in committed_outputs()
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab_without_errors(browser, lab: str, name: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page, foreign = lab_page(browser, lab)
    try:
        # a workspace of its own, reset, so no tab of an earlier notebook is restored
        workspace = f"rehearsal-{Path(name).stem}"
        page.goto(
            f"{lab}/lab/workspaces/{workspace}/tree/{name}?reset&token={TOKEN}",
            wait_until="domcontentloaded",
        )
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached", timeout=90_000
        )
        started = (
            "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
            ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"
        )
        for _ in range(6):  # the menu is inert until the kernel has started: retry
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            try:
                page.wait_for_function(started, timeout=10_000)
                break
            except PlaywrightTimeout:
                page.keyboard.press("Escape")
        page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            }""",
            timeout=240_000,
            polling=1000,
        )
        outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
        errors = [o for o in outputs if "Traceback (most recent call last)" in o]
        assert not errors, errors[:1]
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
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"binder-{name}.png"), full_page=True)
        raise
    finally:
        page.close()
