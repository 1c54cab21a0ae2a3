"""Respondents stay private in a book built from data that are not synthetic; another
survey's book says which published comparisons do not apply; publishing needs consent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.chapters import figures, preamble
from helpers.science import codebook, dataio, descriptive, exports, privacy
from helpers.tools import build
from support import ROOT

PARAMS = ROOT / "notebooks" / "params"
EXAMPLES = ROOT / "data" / "examples"


@pytest.fixture
def private() -> Iterator[None]:
    privacy.configure(True)
    yield
    privacy.configure(False)


def _small_frame(canonical_frame: pd.DataFrame) -> pd.DataFrame:
    """Israel's respondents and three Canadians: a country of three."""
    israel = canonical_frame[canonical_frame["country"] == "Israel"]
    canada = canonical_frame[canonical_frame["country"] == "Canada"].head(3)
    return pd.concat([israel, canada], ignore_index=True)


def test_small_counts_are_suppressed_in_tables(canonical_frame, private) -> None:
    table = descriptive.replicate_all(_small_frame(canonical_frame)).set_index("id")
    assert table.loc["n_canada", "replicated"] == f"n: {privacy.SUPPRESSED}"
    assert pd.isna(table.loc["n_canada", "n"])
    assert table.loc["ict_use_canada", "replicated"] == privacy.SUPPRESSED
    assert table.loc["n_israel", "replicated"].startswith("n = ")
    shown = table["replicated"].str.extract(r"n = ([\d,]+)")[0].dropna()
    assert not shown.str.replace(",", "").astype(int).between(1, 4).any()


def test_synthetic_data_are_shown_in_full(canonical_frame) -> None:
    table = descriptive.replicate_all(_small_frame(canonical_frame)).set_index("id")
    assert table.loc["n_canada", "replicated"] == "n = 3"


def test_a_lone_small_answer_takes_the_next_smallest_with_it(canonical_frame, private) -> None:
    frame = canonical_frame.copy()
    users = frame.index[frame["initiated"] == "social_worker"]
    frame.loc[users[3:], "initiated"] = "client"  # three social workers remain
    dist = descriptive.distribution(frame, "initiated", synthetic=False)
    assert dist.attrs["suppressed"] == ["Social worker", "Client"]
    assert list(dist["answer"]) == ["Both"]
    chart = figures.answer_bars(dist, title="t", y_title="y", description="d.").to_dict()
    assert "not shown" in chart["title"]["subtitle"]
    assert (
        "Social worker" in chart["description"]
        and "to keep respondents private" in (chart["description"])
    )


def test_small_chart_bars_and_cells_are_left_out(canonical_frame, private) -> None:
    small = _small_frame(canonical_frame)
    by_country = descriptive.comparison(small, ["ict_use_canada", "ict_use_israel"])
    assert list(by_country["id"]) == ["ict_use_israel"]
    assert by_country.attrs["suppressed"]
    spec = figures.reported_vs_replicated(
        by_country, title="t", y_title="y", description="d."
    ).to_dict()
    assert "not shown" in spec["title"]["subtitle"]
    heat = figures.age_graduation(small, title="t", description="d.").to_dict()
    cells = next(iter(heat["datasets"].values()))
    assert cells and all(c["respondents"] >= privacy.MIN_COUNT for c in cells)
    assert "Cells with fewer than 5 respondents are not shown" in heat["description"]


def test_charts_receive_counts_not_respondents(canonical_frame, private) -> None:
    heat = figures.age_graduation(canonical_frame, title="t", description="d.").to_dict()
    rows = [r for data in heat["datasets"].values() for r in data]
    assert rows and all("respondent_id" not in r for r in rows)
    assert len(rows) < len(canonical_frame) / 10


def test_comparability_says_which_comparisons_do_not_apply() -> None:
    assert descriptive.comparability(codebook.study()) == ""
    germany = codebook.Survey(year=2026, countries=("Germany",))
    text = descriptive.comparability(germany)
    assert "another survey (surveyed in 2026, in Germany)" in text
    assert "no published figure applies" in text
    canada = codebook.Survey(year=2026, countries=("Canada",))
    text = descriptive.comparability(canada)
    assert "United States, Israel and for the whole 2017 sample do not apply" in text
    assert "point of reference" in text


def test_another_surveys_book_reads_it_with_the_default_countries(
    tmp_path: Path, canonical_frame
) -> None:
    frame = canonical_frame.head(60).copy()
    frame["country"] = pd.array(["Germany"] * len(frame), dtype="string")
    frame["graduation_year"] = frame["graduation_year"] + 9
    data = tmp_path / "berlin.csv"
    data.write_text(dataio.to_csv_text(frame), encoding="utf-8")
    codebook.survey_path(data).write_text(
        yaml.safe_dump({"year": 2026, "countries": ["Germany"]}), encoding="utf-8"
    )
    try:
        got, label = preamble.respondents(None, str(data), ["Canada", "United States", "Israel"])
        assert len(got) == 60 and privacy.active()
        assert "no published figure applies" in label and "not declared synthetic" in label
        table = descriptive.replicate_all(got)
        assert set(table["match"]) == {descriptive.NOT_APPLICABLE}
    finally:
        privacy.configure(False)


# --- publishing ------------------------------------------------------------------------


def test_publishing_needs_consent_for_data_that_are_not_synthetic(tmp_path: Path, capsys) -> None:
    assert build.main(["--params", str(PARAMS / "canonical.yaml"), "--check-publication"]) == 0
    assert build.main(["--params", str(PARAMS / "own-data.yaml"), "--check-publication"]) == 0
    assert build.main(["--params", str(PARAMS / "qualtrics.yaml"), "--check-publication"]) == 1
    assert "publish: true" in capsys.readouterr().err
    consent = tmp_path / "consent.yaml"
    spec = yaml.safe_load((PARAMS / "qualtrics.yaml").read_text(encoding="utf-8"))
    consent.write_text(yaml.safe_dump({**spec, "publish": True}), encoding="utf-8")
    assert build.main(["--params", str(consent), "--check-publication"]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**spec, "publish": "yes please"}), encoding="utf-8")
    assert build.main(["--params", str(bad), "--check-publication"]) == 1
    assert "'publish' must be true or false" in capsys.readouterr().err


def test_publish_workflow_checks_before_it_builds() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    steps = [s.get("run", "") for s in workflow["jobs"]["build"]["steps"]]
    check = next(i for i, s in enumerate(steps) if "--check-publication" in s)
    make = next(i for i, s in enumerate(steps) if "make book" in s)
    assert check < make and '"$PARAMS"' in steps[check] and '"$PARAMS"' in steps[make]


# --- a book built from an export that is not declared synthetic --------------------------


@pytest.fixture(scope="module")
def qualtrics_site() -> Path:
    return build.build(PARAMS / "qualtrics.yaml")


def _texts(site: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".csv", ".json", ".txt", ".js"}:
            yield path, path.read_text(encoding="utf-8", errors="replace")


def test_book_builds_from_an_export_and_names_both_files(qualtrics_site: Path) -> None:
    assert qualtrics_site == ROOT / "_build" / "qualtrics" / "html"
    for chapter in ("01_data", "02_descriptive", "03_regression", "06_ledger"):
        page = (qualtrics_site / "notebooks" / f"{chapter}.html").read_text(encoding="utf-8")
        assert "class_survey_qualtrics.csv" in page and "class_survey_qualtrics.yaml" in page
        assert "not declared synthetic" in page, chapter
    ledger = pd.read_csv(qualtrics_site / "ledger.csv").set_index("id")
    assert ledger.loc["n_total", "replicated"] == "n = 600"


def test_no_respondent_level_row_leaves_the_build(qualtrics_site: Path) -> None:
    imported = ROOT / "_build" / "imports" / "qualtrics" / "class_survey_qualtrics.csv"
    rows = imported.read_text(encoding="utf-8").splitlines()[1:]
    export = exports.read_export(EXAMPLES / "class_survey_qualtrics.csv")
    response_ids = set(export.cells["ResponseId"])
    for path, text in _texts(qualtrics_site):
        assert not any(row in text for row in rows), f"a respondent's row is in {path}"
        assert not response_ids & set(re.findall(r"R_[A-Za-z0-9]{15}", text)), path
        record = re.search(r'"respondent_id"\s*:\s*\d+\s*,\s*"country"', text)
        assert not record, f"respondent-level records in {path}"


def test_counts_under_five_are_suppressed_and_said_so(qualtrics_site: Path) -> None:
    data = (qualtrics_site / "notebooks" / "01_data.html").read_text(encoding="utf-8")
    assert "Cells with fewer than 5 respondents are not shown" in data
    for path, text in _texts(qualtrics_site):
        for pattern in (r'"respondents":\s*[1-4][,}]', r'"n":\s*[1-4][,}]', r"n = [1-4](?![\d,])"):
            assert not re.search(pattern, text), f"{pattern} in {path}"
    ledger = pd.read_csv(qualtrics_site / "ledger.csv")
    assert not ledger["replicated"].astype(str).str.contains(r"n = [1-4](?![\d,])").any()
