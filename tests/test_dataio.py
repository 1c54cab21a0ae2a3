"""Bad input files get one clear error; inputs are never changed; outputs are atomic."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from helpers.__main__ import main
from helpers.science import dataio
from helpers.science.dataio import DataFileError


@pytest.fixture(scope="module")
def good_text(canonical_frame: pd.DataFrame) -> str:
    return dataio.to_csv_text(canonical_frame)


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _untable(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _edit(fn: Callable[[list[list[str]]], None]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        rows = _table(text)
        fn(rows)
        return _untable(rows)

    return apply


def _set(column: str, line: int, value: str) -> Callable[[list[list[str]]], None]:
    def fn(rows: list[list[str]]) -> None:
        rows[line - 1][rows[0].index(column)] = value

    return fn


def _first_line(rows: list[list[str]], column: str, value: str) -> int:
    col = rows[0].index(column)
    return next(i + 1 for i, r in enumerate(rows) if i and r[col] == value)


def _skip_violation(rows: list[list[str]]) -> None:
    line = _first_line(rows, "ict_use", "no")
    rows[line - 1][rows[0].index("outside_hours")] = "yes"


def _unasked_marked(rows: list[list[str]]) -> None:
    line = _first_line(rows, "ict_use", "yes")
    rows[line - 1][rows[0].index("outside_hours")] = "NA"


def _young_graduate(rows: list[list[str]]) -> None:
    rows[3][rows[0].index("age")] = "25"
    rows[3][rows[0].index("graduation_year")] = "1990"


def _duplicate_id(rows: list[list[str]]) -> None:
    rows[5][0] = rows[4][0]


def _drop(column: str) -> Callable[[list[list[str]]], None]:
    def fn(rows: list[list[str]]) -> None:
        col = rows[0].index(column)
        for r in rows:
            del r[col]

    return fn


def _add_column(rows: list[list[str]]) -> None:
    for i, r in enumerate(rows):
        r.append("postcode" if i == 0 else "M5S")


def _ragged(rows: list[list[str]]) -> None:
    rows[7].append("extra")


# (case, how to make the file from good text, column named, expected words in the message)
BAD_FILES: list[tuple[str, Callable[[str], str | bytes], str, str]] = [
    ("missing column", _edit(_drop("age")), "age", "every codebook column"),
    ("extra column", _edit(_add_column), "postcode", "only codebook columns"),
    ("renamed column", lambda t: t.replace(",age,", ",Age,", 1), "Age", "named 'age'"),
    ("non-numeric age", _edit(_set("age", 3, "forty")), "age", "whole numbers"),
    ("age out of range", _edit(_set("age", 3, "150")), "age", "from 18 to 90"),
    ("unknown category", _edit(_set("country", 4, "France")), "country", "one of Canada"),
    ("graduation before age 18", _edit(_young_graduate), "graduation_year", "age 18"),
    ("answer the skip logic forbids", _edit(_skip_violation), "outside_hours", "NA where"),
    ("NA for a respondent who was asked", _edit(_unasked_marked), "outside_hours", "NR where"),
    (
        "NA for a question everyone is asked",
        _edit(_set("searched", 3, "NA")),
        "searched",
        "NR (no answer)",
    ),
    (
        "missing value in a required column",
        _edit(_set("country", 3, "NR")),
        "country",
        "for every respondent",
    ),
    ("empty cell", _edit(_set("friend_request", 6, "")), "friend_request", "a value"),
    ("duplicated ids", _edit(_duplicate_id), "respondent_id", "each respondent once"),
    ("wrong number of values", _edit(_ragged), "", "comma-separated values on every line"),
    ("empty file", lambda t: "", "", "a header line"),
    ("header only", lambda t: t.splitlines()[0] + "\n", "", "one row per respondent"),
    ("binary file", lambda t: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "", "UTF-8 CSV"),
    ("semicolon delimiter", lambda t: t.replace(",", ";"), "", "comma-separated"),
    ("byte-order mark", lambda t: "\ufeff" + t, "", "without a BOM"),
    (
        "not UTF-8",
        lambda t: t.replace("Israel", "Isra\xebl").encode("latin-1"),
        "",
        "UTF-8 encoded",
    ),
    ("far larger than the survey", lambda t: t + t.split("\n", 1)[1] * 60, "", "at most"),
]


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")


@pytest.mark.parametrize(
    ("case", "make", "column", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_file_gets_one_clear_error(
    tmp_path: Path,
    good_text: str,
    case: str,
    make: Callable[[str], str | bytes],
    column: str,
    expected: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "respondents.csv"
    _write(path, make(good_text))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DataFileError) as info:
        dataio.read_respondents(path)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith(str(path)), message
    assert expected in message, message
    if column:
        assert f"column '{column}" in message or f"'{column}'" in message, message
    whole_file = (
        "empty file",
        "header only",
        "far larger than the survey",
        "binary file",
        "byte-order mark",
    )
    if case not in whole_file:
        assert " line" in message, message
    # the command line says the same in one line, exits 1, and shows no traceback
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: {message}" and "Traceback" not in err
    # the input is untouched and nothing else was written
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir()] == ["respondents.csv"]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="file not found"):
        dataio.read_respondents(tmp_path / "nope.csv")


def test_error_lists_lines_and_counts_the_rest(tmp_path: Path, good_text: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(good_text.replace(",Canada,", ",Kanada,"), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        dataio.read_respondents(path)
    assert info.value.column == "country"
    assert len(info.value.lines) > 5 and "more" in str(info.value)


def test_valid_file_roundtrips(tmp_path: Path, good_text: str, canonical_frame) -> None:
    path = tmp_path / "r.csv"
    path.write_text(good_text, encoding="utf-8")
    assert dataio.read_respondents(path).equals(canonical_frame)


def test_cli_error_has_no_traceback(tmp_path: Path) -> None:
    from support import run_cli

    bad = tmp_path / "bad.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    result = run_cli("validate", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {bad}") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_seed_writes_nothing(tmp_path: Path) -> None:
    from support import run_cli

    out = tmp_path / "out.csv"
    result = run_cli("synth", "--seed", "-4", "--out", str(out))
    assert (
        result.returncode != 0
        and "parameter 'seed' must be a whole number ≥ 0; got -4" in result.stderr
    )
    assert not out.exists()


def test_interrupted_write_leaves_no_partial_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(dataio.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        dataio.write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
