"""The practice chapter: derived shares, the reporting audit, other publications, the
instrument template, the bibliography, and the built pages."""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from helpers.science import audit, practice, registry, synth
from helpers.science.assumptions import value as assumed
from helpers.tools import build
from support import ROOT

PUBLICATIONS_MD = ROOT.parent.parent / "shared" / "reference" / "publications.md"
if not PUBLICATIONS_MD.exists():
    PUBLICATIONS_MD = ROOT.parent / "shared" / "reference" / "publications.md"
BIB = ROOT / "book" / "references.bib"
TABLE_SCHEMA_TYPES = {
    "string",
    "number",
    "integer",
    "boolean",
    "object",
    "array",
    "date",
    "time",
    "datetime",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "any",
}


def _bibkeys() -> set[str]:
    return set(re.findall(r"^@\w+\{([^,]+),", BIB.read_text(encoding="utf-8"), flags=re.M))


def _finding(claim_id: str) -> audit.Finding:
    return next(f for f in audit.findings() if f.id == claim_id)


# ------------------------------------------------------------------------ derived shares


def test_outside_hours_as_a_share_of_everyone() -> None:
    c = registry.claim("outside_hours")
    f = _finding("outside_hours")
    s = practice.share_of_all("outside_hours")
    total = registry.total_size()
    assert s.asked_of == "ICT users"
    assert s.floor == c.n / total
    assert s.ceiling == (c.n + f.population_size - f.denominator_lo) / total
    # of everyone, the share is well below the published share of ICT users who answered
    assert s.ceiling < c.percent / 100
    assert s.text() == f"{s.floor:.1%} to {s.ceiling:.1%}"


def test_curiosity_searches_as_a_share_of_everyone() -> None:
    c = registry.claim("search_curiosity")
    s = practice.share_of_all("search_curiosity")
    assert s.asked_of == "searchers"
    assert s.count == c.n and s.total == registry.total_size()
    assert s.floor * registry.total_size() == c.n
    assert s.floor < registry.claim("searched").n / registry.total_size()


def test_a_question_without_nonresponse_has_no_range() -> None:
    s = dataclasses.replace(practice.share_of_all("friend_request"), nonresponse_hi=0)
    assert s.text() == f"{s.floor:.1%}"


def test_share_of_all_refuses_country_and_odds_ratio_claims() -> None:
    for claim_id in ("ict_use_canada", "or_israel"):
        with pytest.raises(ValueError, match="whole-sample percent"):
            practice.share_of_all(claim_id)


def test_shares_table_covers_every_whole_sample_percent_and_says_derived() -> None:
    table = practice.shares_table()
    expected = [
        c.id
        for c in registry.percent_claims()
        if not c.country and c.in_sample and c.variable != "ict_use"
    ]
    assert list(table["id"]) == expected
    assert set(table["provenance"]) == {"derived"}


def test_supervision_range_among_ict_users() -> None:
    s = practice.supervision_range()
    no_talk = registry.claim("no_talk").n
    users = registry.claim("ict_use").n
    assert s.asked_of == "whole sample"
    assert s.lo == no_talk - (registry.total_size() - users)
    assert s.hi == min(no_talk, users)
    assert 0 < s.lo_share < s.hi_share < 1
    # the published 41% is of everyone; among ICT users the floor is far lower
    assert s.lo_share < registry.claim("no_talk").percent / 100


def test_supervision_range_never_goes_below_zero() -> None:
    s = dataclasses.replace(practice.supervision_range(), non_users=10**6)
    assert s.lo == 0 and s.lo_share == 0


def test_canadian_share_of_the_pooled_sample() -> None:
    shares = {c: practice.country_share(c) for c in registry.country_sizes()}
    assert shares["Canada"] == registry.claim("n_canada").n / registry.total_size()
    assert max(shares, key=shares.get) == "Canada"
    assert sum(shares.values()) == pytest.approx(1)


def test_setting_contrasts_are_worded_from_the_numbers() -> None:
    base = 0.5
    far = base + practice.FAR_POINTS / 100
    near = base + (practice.FAR_POINTS - 1) / 100
    same = base - (practice.CLOSE_POINTS - 1) / 100
    below = base - (practice.CLOSE_POINTS + 1) / 100
    predictions = {
        "social_service_agency": base,
        "private_practice": far,
        "school": near,
        "community_healthcare": same,
        "hospital": below,
    }
    assert practice.setting_contrasts(predictions) == {
        "private_practice": "far above",
        "school": "above",
        "community_healthcare": "about the same",
        "hospital": "below",
    }
    assert practice.contrast_word(base - practice.FAR_POINTS / 100, base) == "far below"
    # a setting, or the reference, missing from the data cannot be compared
    partial = practice.setting_contrasts({"social_service_agency": base, "school": far})
    assert partial["school"] == "far above"
    assert partial["hospital"] == practice.NOT_COMPARABLE
    without_reference = practice.setting_contrasts({"school": 0.8})
    assert set(without_reference.values()) == {practice.NOT_COMPARABLE}


# ---------------------------------------------------------- sources and other publications


@pytest.mark.skipif(not PUBLICATIONS_MD.exists(), reason="shared reference not beside clone")
def test_later_paper_figures_in_the_registry_match_the_source_text() -> None:
    text = PUBLICATIONS_MD.read_text(encoding="utf-8")
    later = [c for c in registry.claims().values() if c.source != "sswr2019"]
    assert later, "the registry holds figures from the later papers"
    for c in later:
        if c.kind == "percent":
            assert f"{c.percent_text}% (n = {c.n})" in text, c.id
        else:
            assert f"{c.n:,}" in text, c.id


def test_literature_rows_cite_the_bibliography_and_the_registry() -> None:
    lit = practice.literature()
    assert set(lit["bibkey"]) <= _bibkeys()
    for claim_id in lit.loc[lit["compare_to"] != "", "compare_to"]:
        assert claim_id in registry.claims()


def test_a_country_n_that_differs_between_publications_is_reported() -> None:
    diffs = practice.sample_size_differences()
    israel = diffs[diffs["registry_id"] == "n_israel"].iloc[0]
    assert israel["registry_n"] == registry.claim("n_israel").n
    assert israel["difference"] == israel["other_n"] - israel["registry_n"] != 0
    # the registry keeps one n per country: the withdrawn figure is not a claim
    assert registry.country_sizes()["Israel"] == registry.claim("n_israel").n


def test_standards_cite_the_bibliography_and_say_what_was_checked() -> None:
    standards = practice.standards()
    keys = {k for cell in standards["bibkeys"] for k in cell.split(";")}
    assert keys <= _bibkeys()
    assert (standards["checked"].str.len() > 5).all()
    unverified = standards[standards["provision"].str.contains("not verified")]
    assert len(unverified) >= 1


def test_bibliography_titles_protect_proper_nouns() -> None:
    nouns = [
        "Canada",
        "United States",
        "Israel",
        "Internet",
        "NASW",
        "BASW",
        "COVID",
        "CHERRIES",
        "Googled",
    ]
    text = BIB.read_text(encoding="utf-8")
    for title in re.findall(r"^\s*title\s*=\s*\{(.*)\},?\s*$", text, flags=re.M):
        unprotected = re.sub(r"\{[^{}]*\}", "", title)
        for noun in nouns:
            assert noun not in unprotected, f"{noun!r} unprotected in title {title!r}"


# -------------------------------------------------------------------------- CHERRIES


def test_cherries_audit_covers_every_item_with_a_known_status() -> None:
    items = practice.cherries()
    assert list(items["item"]) == [str(i) for i in range(1, 31)]
    for column in practice.PUBLICATIONS:
        assert set(items[column]) <= set(practice.STATUSES)
    # anything reported at all says where
    reported = items[
        items[list(practice.PUBLICATIONS)].isin(["reported", "partly reported"]).any(axis=1)
    ]
    assert (reported["where"] != "").all()
    # the abstract is read in full, so nothing in it is 'not checked'
    assert "not checked" not in set(items["abstract_2019"])
    assert set(practice.PUBLICATIONS.values()) <= _bibkeys()


def _copy_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setattr(practice, "data_dir", lambda: data)
    return data


def test_a_bad_status_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _copy_data(tmp_path, monkeypatch)
    path = data / "cherries.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("not reported", "maybe", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(practice.DataFileError) as err:
        practice.cherries()
    message = str(err.value)
    assert "cherries.csv" in message and "'abstract_2019'" in message
    assert "row(s) 4" in message and "'maybe'" in message and "'not checked'" in message


def test_a_missing_column_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _copy_data(tmp_path, monkeypatch)
    path = data / "literature.csv"
    text = path.read_text(encoding="utf-8").replace(",compare_to\n", "\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        practice.DataFileError, match=r"literature.csv: missing column\(s\) compare_to"
    ):
        practice.literature()


# ------------------------------------------------------------------------- instrument


def test_instrument_is_a_valid_data_package() -> None:
    pkg = practice.instrument_package()
    assert re.fullmatch(r"[a-z0-9._-]+", pkg["name"])
    assert pkg["licenses"] and pkg["title"] and pkg["description"]
    names = {r["name"] for r in pkg["resources"]}
    assert names == {"items", "options"}
    for resource in pkg["resources"]:
        assert (practice.instrument_dir() / resource["path"]).is_file()
        assert resource["profile"] == "tabular-data-resource"
        fields = resource["schema"]["fields"]
        assert all(f["type"] in TABLE_SCHEMA_TYPES for f in fields)
        field_names = [f["name"] for f in fields]
        assert set(resource["schema"]["primaryKey"]) <= set(field_names)
    options = next(r for r in pkg["resources"] if r["name"] == "options")
    (fk,) = options["schema"]["foreignKeys"]
    assert fk["reference"]["resource"] == "items"
    assert practice.instrument_problems() == []


def test_instrument_is_apart_from_the_codebook_and_agrees_with_it() -> None:
    codebook = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert practice.instrument_package()["name"] != codebook["name"]
    fields = {f["name"]: f for f in codebook["resources"][0]["schema"]["fields"]}
    items = practice.instrument_resource("items")
    options = practice.instrument_resource("options")
    linked = items[items["codebook_field"] != ""]
    assert set(linked["codebook_field"]) <= set(fields)
    for r in linked.itertuples():
        enum = fields[r.codebook_field].get("constraints", {}).get("enum", [])
        offered = set(options.loc[options["item_id"] == r.item_id, "value"])
        assert set(enum) <= offered, r.item_id
    # every item the 2017 survey published a result for is in the template
    published_vars = {c.variable for c in registry.percent_claims()} - {
        "reason_assessment",
        "reason_curiosity",
    }
    assert published_vars <= set(linked["codebook_field"])


def test_instrument_carries_the_follow_up_items_and_marks_wording() -> None:
    items = practice.instrument_resource("items").set_index("item_id")
    for item in practice.FOLLOW_UP_ITEMS:
        assert items.loc[item, "in_2017_survey"] == "no", item
    assert set(items["wording_status"]) <= {"published", "adapted", "proposed"}
    adapted = items[items["wording_status"] != "proposed"]
    sources = {s.split(":")[0] for s in adapted["wording_source"]}
    assert sources <= _bibkeys()


def test_skip_logic_reads_as_a_reader_would_say_it() -> None:
    table = practice.instrument_table().set_index("item")
    ict_number = table.loc["ict_use", "number"]
    assert table.loc["modality", "asked_of"] == f"those answering 'Yes' to no. {ict_number}"
    assert table.loc["country", "asked_of"] == "everyone"


def test_a_broken_skip_rule_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _copy_data(tmp_path, monkeypatch)
    path = data / "instrument" / "items.csv"
    text = path.read_text(encoding="utf-8").replace("searched = yes", "searched = maybe", 1)
    path.write_text(text, encoding="utf-8")
    problems = practice.instrument_problems()
    assert any("'searched' has no option 'maybe'" in p for p in problems), problems


def test_instrument_downloads_are_reproducible_and_complete(tmp_path: Path) -> None:
    assert practice.instrument_zip() == practice.instrument_zip()
    written = practice.write_downloads(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        [practice.INSTRUMENT_ZIP, practice.INSTRUMENT_PAGE]
    )
    with zipfile.ZipFile(io.BytesIO(practice.instrument_zip())) as archive:
        names = set(archive.namelist())
        assert names == {
            "instrument/datapackage.json",
            "instrument/items.csv",
            "instrument/options.csv",
        }
        assert (
            archive.read("instrument/datapackage.json")
            == (practice.instrument_dir() / "datapackage.json").read_bytes()
        )
    page = (tmp_path / practice.INSTRUMENT_PAGE).read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert page.count("</td></tr>") == len(practice.instrument_resource("items"))


# ------------------------------------------------------------------------ built pages


@pytest.fixture(scope="module")
def site() -> Path:
    return build.build(ROOT / "notebooks" / "params" / "canonical.yaml")


def _text(page: Path) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.mark.slow
def test_practice_chapter_glues_the_derived_numbers(site: Path) -> None:
    text = _text(site / "notebooks" / "07_practice.html")
    assert practice.share_of_all("outside_hours").text() in text
    assert practice.share_of_all("search_curiosity").text() in text
    s = practice.supervision_range()
    assert f"{s.lo_share:.1%} to {s.hi_share:.1%} of ICT users" in text
    assert text.count("Interpretation") >= 4
    for label in ("Codes and standards", "CHERRIES items", "Questionnaire template"):
        assert re.search(rf"Table \d+(\.\d+)? {label}", text), label
    assert "Questions for the original authors" in text


@pytest.mark.slow
def test_instrument_is_downloadable_from_the_site(site: Path) -> None:
    archive = site / practice.INSTRUMENT_ZIP
    assert archive.read_bytes() == practice.instrument_zip()
    page = (site / practice.INSTRUMENT_PAGE).read_text(encoding="utf-8")
    assert html.escape(practice.instrument_package()["title"]) in page


@pytest.mark.slow
def test_bibliography_prints_proper_nouns_in_their_case(site: Path) -> None:
    text = _text(site / "book" / "bibliography.html")
    assert "Canada, the United States, and Israel" in text
    assert "canada, the united states" not in text


@pytest.mark.slow
def test_discussion_glues_the_canadian_share_and_setting_predictions(site: Path) -> None:
    page = site / "book" / "discussion.html"
    text = _text(page)
    assert f"{practice.country_share('Canada'):.1%}" in text
    predictions = practice.setting_predictions(synth.generate(int(assumed("canonical_seed"))))
    for level in ("private_practice", "school", "social_service_agency"):
        assert f"{predictions[level]:.0%}" in text
    # one list of questions for the authors, in the practice chapter
    assert "07_practice.html#questions-for-authors" in page.read_text(encoding="utf-8")
    assert "Which of the two printed percentages" not in text
