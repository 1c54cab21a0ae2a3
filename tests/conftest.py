"""Shared fixtures: the project root, a canonical synthetic data set, the browser.

The user-facing checks (the site in a browser, the Binder rehearsal, the PDF) need Chromium.
Without one they are skipped, and the last lines of the run say how many did not run and
the one command that enables them; with ``SWICT_REQUIRE_BROWSER=1`` (set by ``.ci/run``)
they fail instead.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from helpers.science import synth
from helpers.science.assumptions import value as assumed
from helpers.tools import build
from helpers.tools.pdf import BROWSER_FLAGS, INSTALL_BROWSER
from support import (
    CHROMIUM,
    NO_BROWSER,
    REPOSITORY,
    ROOT,
    serve,
)

_not_run: list[str] = []


@pytest.fixture(scope="session")
def browser():
    """Chromium, driven by Playwright, for every browser test of the session."""
    if CHROMIUM is None:
        pytest.fail(f"SWICT_REQUIRE_BROWSER=1 but no Chromium: run '{INSTALL_BROWSER}'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The canonical book as published: built with its repository known, so it has its
    repository and launch buttons (a parameter file of its own keeps it apart)."""
    params = tmp_path_factory.mktemp("published") / "published.yaml"
    shutil.copy2(ROOT / "notebooks" / "params" / "canonical.yaml", params)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BOOK_REPOSITORY_URL", REPOSITORY)
        return build.build(params)


@pytest.fixture(scope="session")
def server(published_site: Path) -> Iterator[str]:
    """The published book on localhost, one server for every browser test."""
    with serve(published_site) as url:
        yield url


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and NO_BROWSER in str(report.longrepr):
        _not_run.append(report.nodeid)


def pytest_unconfigure(config: pytest.Config) -> None:
    """End a run that skipped the user-facing checks with a summary nobody can miss."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not _not_run or reporter is None:
        return
    reporter.write_sep("!", "NOT EVERYTHING WAS CHECKED", red=True, bold=True)
    reporter.write_line(
        f"{len(_not_run)} user-facing checks did not run because no browser was found "
        "(the site in Chromium, the Binder rehearsal, the PDF).",
        red=True,
    )
    reporter.write_line(
        f"Enable them with: {INSTALL_BROWSER}   (or set CHROMIUM=/path/to/chromium), "
        "then run make test again.",
        bold=True,
    )


@pytest.fixture(scope="session")
def canonical_frame() -> pd.DataFrame:
    """The synthetic respondents of the canonical seed."""
    return synth.generate(int(assumed("canonical_seed")))
