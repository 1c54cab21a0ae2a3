"""The built book: pages, glued numbers, charts, and nothing loaded from other servers."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from helpers.science import audit, registry
from helpers.tools import build
from support import ROOT, committed_outputs


def _git_status() -> str | None:
    result = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout if result.returncode == 0 else None


@pytest.fixture(scope="session")
def status_before() -> str | None:
    return _git_status()


@pytest.fixture(scope="session")
def site(status_before: str | None) -> Path:
    return build.build(ROOT / "notebooks" / "params" / "canonical.yaml")


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part["chapters"]]
    return files


def test_every_toc_page_is_built(site: Path) -> None:
    for name in _toc_files():
        assert (site / f"{name}.html").is_file(), name


def _text(page: Path) -> str:
    """A page's visible text, tags stripped and white space collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_front_page_numbers_are_glued_from_the_registry(site: Path) -> None:
    text = _text(site / "book" / "index.html")
    assert f"{registry.total_size():,}" in text
    assert f"{len(registry.claims())} claims" in text


def test_data_chapter_states_the_audit_and_charts(site: Path) -> None:
    page = site / "notebooks" / "01_data.html"
    text = _text(page)
    summary = audit.summary()
    assert f"Of the {len(registry.claims())} claims, {summary[audit.CONSISTENT]} are" in text
    assert f"{summary[audit.ANOMALY]} cannot both hold if they are read as exclusive" in text
    assert registry.measures(["search_inappropriate", "search_appropriate"]) in text
    # the explanations that fit, none presumed
    for explanation in audit.conflict_explanations("search_inappropriate", "search_appropriate"):
        assert explanation.name in text
    assert len(re.findall(r'class="vega-chart"', page.read_text(encoding="utf-8"))) >= 2
    assert "Text description" in text
    assert "synthetic respondents generated with seed" in text


class _Loads(HTMLParser):
    """Collect every URL a page would load: scripts, style sheets, images, frames, fonts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source") and a.get("src"):
            self.urls.append(a["src"] or "")
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "preload", "icon"):
            self.urls.append(a["href"] or "")


def _external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url)) and not re.match(
        r"^(https?:)?//(localhost|127\.0\.0\.1)", url
    )


def test_nothing_is_loaded_from_other_servers(site: Path) -> None:
    offenders = []
    for page in site.rglob("*.html"):
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        offenders += [f"{page.relative_to(site)}: {u}" for u in parser.urls if _external(u)]
    for sheet in site.rglob("*.css"):
        css = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        for url in re.findall(r"(?:url\(|@import\s+)['\"]?([^'\")\s]+)", css):
            if _external(url):
                offenders.append(f"{sheet.relative_to(site)}: {url}")
    assert not offenders, offenders


def test_chart_libraries_are_served_by_the_site(site: Path) -> None:
    for lib in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert (site / "_static" / "vendor" / lib).stat().st_size > 10_000


def test_build_changes_nothing_in_the_checkout(site: Path, status_before: str | None) -> None:
    if status_before is None:
        pytest.skip("not a git checkout")
    assert _git_status() == status_before


def test_ledger_is_downloadable_with_a_row_per_claim(site: Path) -> None:
    import pandas as pd

    root_copy = pd.read_csv(site / "ledger.csv")
    assert set(registry.claims()) <= set(root_copy["id"])
    downloads = list((site / "_downloads").rglob("ledger.csv"))
    assert downloads and downloads[0].read_bytes() == (site / "ledger.csv").read_bytes()
    page = (site / "notebooks" / "06_ledger.html").read_text(encoding="utf-8")
    assert "_downloads/" in page and "ledger.csv" in page


def test_results_chapters_glue_their_numbers(site: Path) -> None:
    regression = _text(site / "notebooks" / "03_regression.html")
    assert re.search(r"The model uses [\d,]+ respondents, of whom [\d,]+ had contact", regression)
    assert "Published odds ratios (orange diamonds)" in (
        site / "notebooks" / "03_regression.html"
    ).read_text(encoding="utf-8")
    # built from synthetic respondents, and saying so
    assert re.search(r"McFadden’s pseudo R² on synthetic respondents \(seed \d+\) is", regression)
    ledger_page = _text(site / "notebooks" / "06_ledger.html")
    assert re.search(r"\d+ hold by construction, \d+ are findings about these data", ledger_page)
    simulation = _text(site / "notebooks" / "05_simulation.html")
    assert re.search(
        r"every published significance claim reproduces in one survey is "
        r"[\d.]+% \(Monte Carlo SE [\d.]+%\)",
        simulation,
    )
    front = _text(site / "book" / "index.html")
    assert "What holds by construction" in front


def test_a_book_without_its_repository_promises_no_launch_buttons(site: Path) -> None:
    """Built without knowing its repository (as here), no page shows a placeholder for its
    address, and the exercises send readers to JupyterLab, not to launch buttons or a
    Colab cell the book cannot fill in (the published build: test_browser)."""
    placeholder = re.compile(r"(?<![$\w])REPOSITORY_URL")  # $BOOK_REPOSITORY_URL may be named
    for page in site.rglob("*.html"):
        assert not placeholder.search(_text(page)), page.relative_to(site)
    exercises = _text(site / "book" / "exercises.html")
    assert "make lab" in exercises
    assert "launch button" not in exercises and "git clone" not in exercises


def _committed_tables() -> list[tuple[str, str]]:
    return [
        (stem, output["metadata"]["table"]["name"])
        for stem, output in committed_outputs()
        if "table" in output.get("metadata", {})
    ]


def test_every_results_table_is_numbered_captioned_and_referenced(site: Path) -> None:
    tables = _committed_tables()
    assert len(tables) >= 10
    numbers = []
    for stem, label in tables:
        html = (site / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        match = re.search(
            rf'<table class="[^"]*" id="{label}">\s*<caption><span class="caption-number">'
            r"Table (\d+) </span>",
            html,
        )
        assert match, f"{label} is not a numbered table in {stem}"
        numbers.append(int(match.group(1)))
        # the prose cites it by number: a numref link whose text is "Table N"
        assert re.search(
            rf'href="#{label}"[^>]*><span class="std std-numref">Table {match.group(1)}</span>',
            html,
        ), f"{label} is not cited by number in {stem}"
    assert numbers == list(range(1, len(tables) + 1))
    replication = (site / "book" / "replication.html").read_text(encoding="utf-8")
    for stem, label in tables:
        assert f"{stem}.html#{label}" in replication


def test_live_code_only_when_the_repository_is_known(site: Path) -> None:
    """Thebe needs Binder, so a book built without its repository offers no live code; the
    published build (tested in the browser) does, loading Thebe only when it is launched."""
    page = (site / "notebooks" / "03_regression.html").read_text(encoding="utf-8")
    assert "btn-launch-thebe" not in page and "initThebe" not in page


def test_class_data_are_downloadable_from_the_book(site: Path) -> None:
    """The book built on its own synthetic respondents offers them, with the class survey
    and the codebook, in three formats: linked from the data page, and at stable addresses
    under data/ (a book built from a respondent file offers none: test_privacy)."""
    from helpers.tools import downloads

    page = (site / "book" / "class_data.html").read_text(encoding="utf-8")
    for name in downloads.files():
        assert (site / "data" / name).stat().st_size > 0, name
        assert re.search(rf'href="[^"]*_downloads/[0-9a-f]+/{re.escape(name)}"', page), name
