"""The built site in a real browser (Chromium driven by Playwright), served on localhost."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import sphinx_thebe
from nbclient import NotebookClient

from helpers.science import registry
from support import REPOSITORY, ROOT, book_pages, needs_browser, visit, wait_for_charts

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
        # one row per claim, named by its measure (the ids are in the downloadable CSV)
        assert {c.measure for c in registry.claims().values()} <= set(cells)
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


# Thebe as sphinx-thebe pins it is not in the npm registry the tests can reach, so the
# request for it is answered with this stand-in, which records the call sphinx-thebe makes.
THEBE_STAND_IN = "window.thebelab = {on() {}, bootstrap() { window.thebeBootstrapped = true; }};"


def _launch_live_code(page) -> str:
    """Launch Thebe from the page's launch menu, the request for Thebe answered with the
    stand-in; return the address sphinx-thebe loaded it from."""
    url = page.evaluate("() => THEBE_JS_URL")
    page.route(
        url, lambda route: route.fulfill(body=THEBE_STAND_IN, content_type="text/javascript")
    )
    page.click(".dropdown-launch-buttons > button")
    page.click("button.btn-launch-thebe")
    page.wait_for_function("() => window.thebeBootstrapped === true", timeout=20_000)
    return url


def test_live_code_loads_nothing_from_other_servers_until_launched(browser, server: str) -> None:
    """A chapter of the published book offers live code yet loads nothing from another
    server; launching it loads Thebe, the version sphinx-thebe pins, and only that."""
    context, page, errors, foreign = visit(
        browser, f"{server}/notebooks/03_regression.html", server
    )
    try:
        wait_for_charts(page)
        page.keyboard.press("End")
        page.wait_for_load_state("networkidle")
        assert page.locator("button.btn-launch-thebe").count() == 1
        assert page.evaluate("() => typeof thebelab") == "undefined"
        assert not foreign, foreign
        url = _launch_live_code(page)
        assert f"/thebe@{sphinx_thebe.THEBE_VERSION}/" in url
        assert foreign == [url]
        assert not errors, errors
    finally:
        context.close()


def test_live_code_runs_every_cell_of_a_chapter(browser, server: str, tmp_path: Path) -> None:
    """Launched, live code asks Binder for the book's repository and branch and a Python
    kernel in the notebooks folder, and hands Thebe the chapter's cells, the hidden plumbing
    included and nothing but code; run in that order in a kernel started in a copy of the
    notebooks folder, as Binder would, every cell runs without an error."""
    context, page, errors, _ = visit(browser, f"{server}/notebooks/03_regression.html", server)
    try:
        _launch_live_code(page)
        config = page.evaluate(
            """() => Function("return (" + document.querySelector(
                'script[type="text/x-thebe-config"]').textContent + ")")()"""
        )
        sources = page.evaluate(
            "() => Array.from(document.querySelectorAll('[data-executable]'), e => e.textContent)"
        )
        inputs = page.locator("div.cell_input").count()
        taken = page.locator("div.cell_input [data-executable]").count()
        plumbing = page.locator("div.cell.tag_plumbing [data-executable]").count()
        hidden = page.locator("div.cell.tag_plumbing").count()
        assert not errors, errors
    finally:
        context.close()
    assert config["requestKernel"] is True
    assert config["binderOptions"] == {"repo": REPOSITORY.split("github.com/")[1], "ref": "main"}
    assert config["kernelOptions"] == {"name": "python3", "path": "./notebooks"}
    assert len(sources) == taken == inputs  # every code cell, and only code
    assert plumbing == hidden > 0  # the hidden plumbing cells are live too
    work = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    assert all(cell.execution_count for cell in notebook.cells)
    assert any(cell.outputs for cell in notebook.cells)
