"""The built site in a real browser (Chromium driven by Playwright), served on localhost."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import REPOSITORY, ROOT, book_pages, jupyter, needs_browser, visit, wait_for_charts
from helpers import registry

SCREENSHOTS = ROOT / "_build" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    needs_browser,
]


@pytest.mark.parametrize("path", book_pages())
def test_page_loads_cleanly_and_renders_its_charts(browser, server: str, path: str) -> None:
    context, page, errors, foreign = visit(browser, f"{server}/{path}", server)
    try:
        charts = wait_for_charts(page)
        assert not errors, errors
        if charts:
            marks = page.evaluate(
                """() => window.bookCharts.map(v => {
                    let count = 0;
                    const walk = item => {
                        count += 1;
                        (item.items || []).forEach(walk);
                    };
                    walk(v.scenegraph().root);
                    return count;
                })"""
            )
            assert all(m > 3 for m in marks), marks
            drawn = page.evaluate(
                """() => Array.from(document.querySelectorAll('.vega-chart')).map(
                    div => div.querySelectorAll('canvas.marks, svg.marks').length)"""
            )
            assert all(n >= 1 for n in drawn), drawn
        assert not errors, errors
        assert not foreign, foreign
    finally:
        context.close()


def test_ledger_table_has_a_row_for_every_claim(browser, server: str) -> None:
    context, page, _, _ = visit(browser, f"{server}/notebooks/06_ledger.html", server)
    try:
        cells = page.locator("table.dataframe tbody tr td:first-child").all_inner_texts()
        assert set(registry.claims()) <= set(cells)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "ledger.png"), full_page=True)
    finally:
        context.close()


def test_front_page_and_forest_plot_screenshots(browser, server: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, _, _ = visit(browser, f"{server}/book/index.html", server)
    try:
        assert "simulation-based replication" in page.title()
        page.screenshot(path=str(SCREENSHOTS / "front.png"), full_page=True)
        page.goto(f"{server}/notebooks/03_regression.html", wait_until="networkidle")
        wait_for_charts(page)
        forest = page.locator(".vega-chart").first
        forest.scroll_into_view_if_needed()
        forest.screenshot(path=str(SCREENSHOTS / "forest.png"))
    finally:
        context.close()
    for name in ("front", "forest", "ledger"):
        if (SCREENSHOTS / f"{name}.png").exists():
            assert (SCREENSHOTS / f"{name}.png").stat().st_size > 5_000


def test_search_returns_results(browser, server: str) -> None:
    context, page, errors, _ = visit(browser, f"{server}/search.html?q=denominator", server)
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        assert page.locator("#search-results ul.search li").count() > 0
        assert not errors, errors
    finally:
        context.close()


def test_launch_repository_and_download_buttons(browser, server: str) -> None:
    context, page, _, foreign = visit(browser, f"{server}/notebooks/01_data.html", server)
    try:
        assert page.locator(".dropdown-download-buttons").count() > 0
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        binder = [u for u in links if u.startswith("https://mybinder.org/v2/gh/example/")]
        colab = [u for u in links if u.startswith("https://colab.research.google.com/github/")]
        assert binder and colab, links
        assert any(u.startswith(REPOSITORY) for u in links)
        assert "01_data.ipynb" in binder[0] and "01_data.ipynb" in colab[0]
        assert not foreign  # launch buttons are links: nothing was loaded from them
    finally:
        context.close()


def test_exercises_colab_setup_names_the_repository(browser, server: str) -> None:
    context, page, _, _ = visit(browser, f"{server}/book/exercises.html", server)
    try:
        code = " ".join(page.locator("div.highlight-ipython pre").all_inner_texts())
        assert f"git clone --depth 1 {REPOSITORY} /content/book" in code
    finally:
        context.close()


def test_live_code_runs_a_chapter_with_thebe(
    browser, server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Thebe, served by the site itself, turns a chapter's cells into live code: launched
    from the page's launch menu against a Jupyter server on localhost (Binder's place; it
    is not reachable here), "run all" runs every cell, the hidden plumbing first."""
    home = tmp_path_factory.mktemp("thebe")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    token = "live-code"
    with jupyter("server", home, home, token, f"--ServerApp.allow_origin={server}") as kernels:
        context, page, errors, foreign = visit(
            browser, f"{server}/notebooks/03_regression.html", server
        )
        try:
            page.evaluate(
                "options => { window.bookThebeOptions = options; }",
                {
                    "useBinder": False,
                    "serverSettings": {
                        "baseUrl": kernels,
                        "wsUrl": kernels.replace("http", "ws", 1),
                        "token": token,
                    },
                },
            )
            page.click(".dropdown-launch-buttons > button")
            page.click("button.btn-launch-thebe")
            page.wait_for_function("() => window.thebe && window.thebe.session", timeout=90_000)
            cell = page.locator("div.cell.tag_hide-input").last
            cell.locator("summary").first.click()
            cell.locator(".thebe-runall-button").click()
            page.wait_for_function(
                """() => window.thebe.notebook.cells.every(c => c.executionCount)
                    || Array.from(document.querySelectorAll(".thebe-cell .jp-OutputArea-output"))
                        .some(o => /Traceback|\\w+Error\\b/.test(o.innerText))""",
                timeout=180_000,
            )
            outputs = page.locator(".thebe-cell .jp-OutputArea-output").all_inner_texts()
            failed = [o for o in outputs if "Traceback" in o or re.search(r"\w+Error\b", o)]
            assert not failed, failed[:1]
            assert page.evaluate("() => window.thebe.notebook.cells.every(c => c.executionCount)")
            cells = page.evaluate("() => window.thebe.notebook.cells.length")
            hidden = page.locator("div.cell.tag_plumbing").count()
            assert cells > hidden > 0  # the plumbing cells ran too
            assert any(o.strip() for o in outputs)
            assert not errors, errors
            # Thebe came from the site; the only other server contacted is the kernel's
            assert not [u for u in foreign if not u.startswith(kernels)], foreign
        finally:
            context.close()
