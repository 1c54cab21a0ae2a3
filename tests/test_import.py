"""Survey exports (SPSS, Stata, Qualtrics) come in through a crosswalk; bad ones get one clear
message and are never changed; the examples are what their command makes."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.__main__ import main
from helpers.science import codebook, crosswalk, dataio, examples, exports
from helpers.science.dataio import DataFileError
from support import ROOT

EXAMPLES = ROOT / "data" / "examples"
QUALTRICS = EXAMPLES / "class_survey_qualtrics.csv"
QUALTRICS_MAP = EXAMPLES / "class_survey_qualtrics.yaml"
SPSS = EXAMPLES / "study_spss.sav"
SPSS_MAP = EXAMPLES / "study_spss.yaml"


def test_committed_examples_are_what_the_generator_makes(tmp_path: Path) -> None:
    written = examples.write_examples(tmp_path)
    assert sorted(p.name for p in written) == sorted(examples.FILES)
    for name in examples.FILES:
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), (
            f"data/examples/{name} is not what 'python -m helpers examples' makes"
        )


def test_examples_say_they_are_synthetic() -> None:
    export = exports.read_export(QUALTRICS)
    assert set(export.cells["data_note"]) == {examples.SYNTHETIC_NOTE}
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(SPSS), metadataonly=True)
    assert "SYNTHETIC" in meta.file_label


def test_qualtrics_example_imports_to_the_class_survey(tmp_path: Path, capsys) -> None:
    out = tmp_path / "class.csv"
    assert main(["import", str(QUALTRICS), "--map", str(QUALTRICS_MAP), "--out", str(out)]) == 0
    assert out.read_bytes() == (EXAMPLES / "class_survey.csv").read_bytes()
    survey = codebook.load_survey(codebook.survey_path(out))
    assert (survey.export, survey.crosswalk) == (QUALTRICS.name, QUALTRICS_MAP.name)
    assert main(["validate", str(out)]) == 0
    assert "600 respondents" in capsys.readouterr().out


def test_spss_example_imports_to_the_synthetic_study(canonical_frame: pd.DataFrame) -> None:
    imported = crosswalk.import_export(SPSS, SPSS_MAP)
    assert imported.frame.equals(canonical_frame)
    assert imported.text == dataio.to_csv_text(canonical_frame)
    export = exports.read_export(SPSS)
    q1 = export.variable("Q1_ICT")
    assert q1.value_labels["1"] == "Yes" and set(q1.user_missing) == {"-99", "-98"}
    assert "-99" in export.cells["Q2_HOURS"] and "-98" in export.cells["Q2_HOURS"]


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_round_trip_without_a_crosswalk(
    tmp_path: Path, canonical_frame: pd.DataFrame, suffix: str
) -> None:
    path = exports.write_labelled(canonical_frame, tmp_path / f"respondents{suffix}")
    export = exports.read_export(path)
    assert export.variable("country").value_labels == {
        "1": "Canada",
        "2": "United States",
        "3": "Israel",
    }
    imported = crosswalk.import_export(path)
    assert imported.frame.equals(canonical_frame)
    assert imported.text == dataio.to_csv_text(canonical_frame)


def _load(text: str) -> dict:
    return yaml.load(text, Loader=crosswalk._Loader)


def test_draft_crosswalk_maps_every_clear_variable(tmp_path: Path) -> None:
    for export_path, map_path in ((QUALTRICS, QUALTRICS_MAP), (SPSS, SPSS_MAP)):
        export = exports.read_export(export_path)
        draft = _load(crosswalk.draft(export))
        committed = _load(map_path.read_text(encoding="utf-8"))
        unclear = {"data_note"}  # a note, not a survey question: nothing to match
        assert list(draft["variables"]) == [v.name for v in export.variables]
        for name, spec in committed["variables"].items():
            drafted = draft["variables"][name]
            if name in unclear:
                assert drafted["to"] == crosswalk.TODO
            elif spec == crosswalk.IGNORE:
                assert drafted == crosswalk.IGNORE, name
            else:
                assert drafted["to"] == spec["to"], name
                assert drafted.get("derive") == spec.get("derive"), name
        # every codebook column is listed, with what fills it
        text = crosswalk.draft(export)
        assert all(f"#   {f.name} " in text for f in codebook.fields())
    # value labels make the SPSS draft complete: it imports as the committed crosswalk does
    spss_draft = tmp_path / "draft.yaml"
    assert main(["crosswalk", str(SPSS), "--out", str(spss_draft)]) == 0
    assert crosswalk.TODO not in str(_load(spss_draft.read_text(encoding="utf-8")))
    assert (
        crosswalk.import_export(SPSS, spss_draft).text
        == crosswalk.import_export(SPSS, SPSS_MAP).text
    )
    # Qualtrics exports numbers without labels: each code is listed for the user to map
    qualtrics_draft = _load(crosswalk.draft(exports.read_export(QUALTRICS)))
    assert qualtrics_draft["variables"]["Q2"]["codes"] == {1: "TODO", 2: "TODO"}


GERMANY = {"title": "Class survey, Berlin", "year": 2026, "countries": ["Germany"]}


def _german_class(tmp_path: Path, survey: dict | None) -> tuple[Path, Path]:
    """The class survey as if run in Germany in 2026: nine years later, one country."""
    frame = examples.class_survey().head(80).copy()
    frame["country"] = pd.array(["Germany"] * len(frame), dtype="string")
    frame["graduation_year"] = frame["graduation_year"] + 9
    export = tmp_path / "berlin.csv"
    text = examples.qualtrics_text(frame).replace(",Germany,", ",1,")
    export.write_text(text, encoding="utf-8", newline="")
    spec = _load(QUALTRICS_MAP.read_text(encoding="utf-8"))
    spec["variables"]["Q1"]["codes"] = {1: "Germany"}
    if survey:
        spec["survey"] = survey
    cw = tmp_path / "berlin.yaml"
    cw.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return export, cw


def test_a_class_in_germany_in_2026_passes_with_its_survey_override(tmp_path: Path) -> None:
    export, cw = _german_class(tmp_path, GERMANY)
    out = tmp_path / "berlin_respondents.csv"
    assert main(["import", str(export), "--map", str(cw), "--out", str(out)]) == 0
    frame = dataio.read_respondents(out)  # finds berlin_respondents.survey.yaml
    assert set(frame["country"]) == {"Germany"}
    assert frame["graduation_year"].max() > codebook.survey_year()
    survey = codebook.survey_for(out)
    assert (survey.year, survey.countries, survey.synthetic) == (2026, ("Germany",), False)
    # the study's codebook is unchanged, and refuses the same file without the override
    assert codebook.study().countries == ("Canada", "United States", "Israel")
    codebook.survey_path(out).unlink()
    with pytest.raises(DataFileError, match="unknown category 'Germany'"):
        dataio.read_respondents(out)
    override = tmp_path / "germany.yaml"
    override.write_text(yaml.safe_dump(GERMANY), encoding="utf-8")
    assert main(["validate", str(out), "--survey", str(override)]) == 0


def test_a_german_class_without_its_override_gets_a_clear_error(tmp_path: Path) -> None:
    export, cw = _german_class(tmp_path, None)
    with pytest.raises(DataFileError) as info:
        crosswalk.import_export(export, cw)
    message = str(info.value)
    assert "'Germany', which is not a value of column 'country'" in message
    assert "survey:" in message


def test_frictionless_validate_passes_on_a_synthetic_file(
    tmp_path: Path, canonical_frame: pd.DataFrame
) -> None:
    """The codebook is a standard Data Package: Frictionless's own command accepts a
    synthetic respondent file beside it."""
    shutil.copy(ROOT / "data" / "datapackage.json", tmp_path / "datapackage.json")
    (tmp_path / "respondents.csv").write_text(dataio.to_csv_text(canonical_frame), encoding="utf-8")
    command = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(command), "validate", "datapackage.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout.lower()
    assert not dataio.frictionless_errors(*_rows(dataio.to_csv_text(canonical_frame)))


def _rows(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


# --- malformed exports and crosswalks -----------------------------------------------------


def _qualtrics_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(QUALTRICS.read_text(encoding="utf-8-sig"))))


def _qualtrics(edit: Callable[[list[list[str]]], None]) -> Callable[[], bytes]:
    def make() -> bytes:
        rows = _qualtrics_rows()
        edit(rows)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    return make


def _set_cells(variable: str, value: str, count: int, where: Callable[[list[str]], bool]):
    def edit(rows: list[list[str]]) -> None:
        col = rows[0].index(variable)
        changed = 0
        for r in rows[3:]:
            if changed < count and where(r):
                r[col] = value
                changed += 1

    return edit


def _not_ict_user(rows0: list[str]) -> Callable[[list[str]], bool]:
    col = rows0.index("Q2")
    return lambda r: r[col] == "2"


def _map(edit: Callable[[dict], None]) -> Callable[[], str]:
    def make() -> str:
        spec = _load(QUALTRICS_MAP.read_text(encoding="utf-8"))
        edit(spec)
        return yaml.safe_dump(spec, sort_keys=False)

    return make


def _same_map() -> str:
    return QUALTRICS_MAP.read_text(encoding="utf-8")


def _same_export() -> bytes:
    return QUALTRICS.read_bytes()


HEADER0 = _qualtrics_rows()[0]

# (case, export name, export bytes, crosswalk text or None, words the message must hold)
BAD_IMPORTS: list[tuple[str, str, Callable[[], bytes], Callable[[], str] | None, list[str]]] = [
    (
        "crosswalk names a variable the export lacks",
        "survey.csv",
        _same_export,
        _map(lambda s: s["variables"].update({"Q99": {"to": "role"}})),
        ["variable 'Q99'", "does not have", "Q1"],
    ),
    (
        "unmapped code",
        "survey.csv",
        _qualtrics(_set_cells("Q14", "7", 3, lambda r: True)),
        _same_map,
        ["variable 'Q14' (→ setting)", "code 7 (3 rows)", "lines 4, 5, 6"],
    ),
    (
        "two variables mapped to one column",
        "survey.csv",
        _same_export,
        _map(lambda s: s["variables"].update({"Q2": {"to": "country", "codes": {1: "Canada"}}})),
        ["2 variables to column 'country'", "Q1 and Q2"],
    ),
    (
        "wrong file type",
        "survey.xlsx",
        _same_export,
        _same_map,
        ["Excel workbook", "does not read", "CSV"],
    ),
    (
        "truncated .sav",
        "study.sav",
        lambda: SPSS.read_bytes()[: SPSS.stat().st_size // 2],
        lambda: SPSS_MAP.read_text(encoding="utf-8"),
        ["cannot be read as an SPSS .sav file", "truncated"],
    ),
    (
        "Qualtrics file without its header rows",
        "survey.csv",
        _qualtrics(lambda rows: rows.__delitem__(slice(1, 3))),
        _same_map,
        ["one header row", "Qualtrics export", '{"ImportId":"QID12"}'],
    ),
    (
        "code mapped to a value outside the codebook",
        "survey.csv",
        _same_export,
        _map(lambda s: s["variables"]["Q1"]["codes"].update({3: "Germany"})),
        ["code 3 of variable 'Q1'", "'Germany'", "not a value of column 'country'"],
    ),
    (
        "skip-logic break after mapping",
        "survey.csv",
        _qualtrics(_set_cells("Q3", "1", 2, _not_ict_user(HEADER0))),
        _same_map,
        ["variable 'Q3' (→ outside_hours)", "after mapping", "not asked", "ict_use"],
    ),
    (
        "a variable listed twice in the crosswalk",
        "survey.csv",
        _same_export,
        lambda: _same_map().replace("  Q2:", "  Q1:\n    to: country\n  Q2:", 1),
        ["'Q1' is given twice", "lines"],
    ),
    (
        "TODO left in the crosswalk",
        "survey.csv",
        _same_export,
        _map(lambda s: s["variables"]["Q4"]["codes"].update({2: "TODO"})),
        ["code 2 of variable 'Q4' is marked TODO", "one of client"],
    ),
    (
        "a .sav that is really CSV text",
        "survey.sav",
        _same_export,
        lambda: SPSS_MAP.read_text(encoding="utf-8"),
        ["is not an SPSS .sav file", "CSV or other text"],
    ),
    (
        "mapped to a column the codebook lacks",
        "survey.csv",
        _same_export,
        _map(lambda s: s["variables"]["Q15"].update({"to": "roles"})),
        ["'roles', which is not a codebook column", "did you mean 'role'"],
    ),
    (
        "a codebook column left unmapped",
        "survey.csv",
        _same_export,
        _map(lambda s: s["variables"].update({"Q15": "ignore"})),
        ["no variable is mapped to codebook column role"],
    ),
    (
        "a number that is not a number",
        "survey.csv",
        _qualtrics(_set_cells("Q12", "forty", 1, lambda r: r[HEADER0.index("Q12")] != "")),
        _same_map,
        ["variable 'Q12' (→ age)", "value forty (1 row)", "whole number"],
    ),
    (
        "crosswalk for another file type",
        "survey.csv",
        _same_export,
        _map(lambda s: s.update({"format": "spss"})),
        ["is a Qualtrics CSV export", "is for an SPSS .sav file"],
    ),
    (
        "crosswalk that is not YAML",
        "survey.csv",
        _same_export,
        lambda: _same_map().replace("  Q1:", "  Q1: [", 1),
        ["not valid YAML", "line"],
    ),
    (
        "graduation impossible for the age after mapping",
        "survey.csv",
        _qualtrics(_set_cells("Q13", "1960", 1, lambda r: r[HEADER0.index("Q12")] == "30")),
        _same_map,
        ["variable 'Q13' (→ graduation_year)", "impossible for the respondent's age"],
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "make_export", "make_map", "words"),
    BAD_IMPORTS,
    ids=[b[0] for b in BAD_IMPORTS],
)
def test_bad_export_or_crosswalk_gets_one_clear_error(
    tmp_path: Path,
    case: str,
    name: str,
    make_export: Callable[[], bytes],
    make_map: Callable[[], str] | None,
    words: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    export = tmp_path / name
    export.write_bytes(make_export())
    args = ["import", str(export), "--out", str(tmp_path / "out.csv")]
    inputs = [export]
    if make_map is not None:
        cw = tmp_path / "crosswalk.yaml"
        cw.write_text(make_map(), encoding="utf-8")
        args += ["--map", str(cw)]
        inputs.append(cw)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs}
    assert main(args) == 1, case
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for word in words:
        assert word in err, f"{word!r} not in: {err}"
    # the inputs are untouched, and nothing was written
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in inputs)


def test_import_never_writes_over_its_input(tmp_path: Path, capsys) -> None:
    export = tmp_path / "survey.csv"
    shutil.copy(EXAMPLES / "class_survey.csv", export)
    before = export.read_bytes()
    assert main(["import", str(export), "--out", str(export)]) == 1
    assert "is an input of the import" in capsys.readouterr().err
    assert export.read_bytes() == before


def test_cli_import_error_has_no_traceback(tmp_path: Path) -> None:
    from support import run_cli

    result = run_cli("import", str(SPSS), "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "needs a crosswalk" in result.stderr and "python -m helpers crosswalk" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()


def test_a_chapter_reads_a_codebook_named_sav_directly(
    tmp_path: Path, canonical_frame: pd.DataFrame
) -> None:
    from helpers.chapters import preamble
    from helpers.science import privacy

    path = exports.write_labelled(canonical_frame, tmp_path / "study.sav")
    try:
        frame, label = preamble.respondents(None, str(path), None)
        assert frame.equals(canonical_frame)
        assert "`study.sav`, read through its value labels" in label and privacy.active()
    finally:
        privacy.configure(False)
