"""Reading, validating and writing respondent-level files.

Every problem with an input file raises :class:`DataFileError` (a ``ValueError``) with
one message naming the file, the column, the lines and what was expected. Input files
are only ever read; outputs are written to a temporary file and moved into place, so a
failed or interrupted write never leaves a half-written file.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .codebook import NO_ANSWER, NOT_ASKED, Field, fields, minimum_age_at_graduation, names
from .codebook import survey_year as codebook_survey_year

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
SHOWN_LINES = 5
MISSING = (NO_ANSWER, NOT_ASKED)


class DataFileError(ValueError):
    """A respondent file (or data frame) does not follow the codebook."""

    def __init__(
        self,
        source: str | Path,
        problem: str,
        *,
        column: str = "",
        lines: Sequence[int] = (),
        expected: str = "",
    ) -> None:
        self.source = str(source)
        self.problem = problem
        self.column = column
        self.lines = tuple(lines)
        self.expected = expected
        message = f"{self.source}: {problem}"
        if column:
            message += f" in column '{column}'"
        if lines:
            message += f" on {_describe_lines(self.lines)}"
        if expected:
            message += f"; expected {expected}"
        super().__init__(message)


def _describe_lines(lines: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:SHOWN_LINES])
    more = len(lines) - SHOWN_LINES
    word = "line" if len(lines) == 1 else "lines"
    return f"{word} {shown}" + (f" and {more:,} more" if more > 0 else "")


def _read_text(path: Path) -> str:
    if not path.exists():
        raise DataFileError(path, "file not found", expected="a CSV file of respondents")
    if path.is_dir():
        raise DataFileError(path, "is a folder", expected="a CSV file of respondents")
    size = path.stat().st_size
    if size == 0:
        raise DataFileError(
            path, "file is empty", expected="a header line and one row per respondent"
        )
    if size > MAX_BYTES:
        raise DataFileError(
            path,
            f"file is {size / 1e6:,.0f} MB, far larger than a survey of this kind",
            expected=f"at most {MAX_BYTES / 1e6:,.0f} MB ({MAX_ROWS:,} respondents)",
        )
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise DataFileError(path, "is a binary file, not CSV text", expected="UTF-8 CSV text")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DataFileError(
            path,
            "starts with a byte-order mark (BOM)",
            expected="UTF-8 without a BOM (in Excel: 'CSV UTF-8' adds one; save as plain 'CSV')",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataFileError(
            path,
            f"is not UTF-8 text (byte 0x{raw[err.start]:02x} cannot be decoded)",
            lines=[line],
            expected="UTF-8 encoded text",
        ) from None
    if not text.strip():
        raise DataFileError(
            path, "file is empty", expected="a header line and one row per respondent"
        )
    return text


def read_rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Read a CSV file's header and rows as text, checking size and encoding."""
    path = Path(path)
    text = _read_text(path)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as err:
        raise DataFileError(
            path, f"is not valid CSV ({err})", expected="comma-separated values"
        ) from None
    records = [r for r in records if r]
    return records[0], records[1:]


def validate_rows(source: str | Path, header: list[str], rows: list[list[str]]) -> pd.DataFrame:
    """Check rows of text against the codebook; return them as a typed data frame.

    Categorical answers stay strings; ``NR`` (no answer) and ``NA`` (not asked) become
    missing values; integer fields become nullable integers.
    """
    expected_names = names()
    _check_header(source, header, expected_names)
    if not rows:
        raise DataFileError(
            source, "has a header but no respondents", expected="one row per respondent"
        )
    if len(rows) > MAX_ROWS:
        raise DataFileError(
            source,
            f"has {len(rows):,} rows, far more than a survey of this kind",
            expected=f"at most {MAX_ROWS:,} respondents",
        )
    short = [i + 2 for i, r in enumerate(rows) if len(r) != len(header)]
    if short:
        raise DataFileError(
            source,
            "rows with the wrong number of values",
            lines=short,
            expected=f"{len(header)} comma-separated values on every line",
        )
    columns = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    frame = {}
    for f in fields():
        frame[f.name] = _check_field(source, f, columns[f.name])
    _check_unique(source, fields(), frame)
    _check_graduation(source, frame)
    _check_skip_logic(source, fields(), columns)
    out = pd.DataFrame(frame)[expected_names]
    return out


def _check_header(source: str | Path, header: list[str], expected: list[str]) -> None:
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        sep = next(s for s in ";\t|" if s in header[0])
        shown = {"\t": "tab", ";": "semicolon", "|": "pipe"}[sep]
        raise DataFileError(
            source,
            f"values are separated by {shown}s",
            lines=[1],
            expected="comma-separated values",
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise DataFileError(
            source,
            "duplicated column names",
            column=", ".join(duplicated),
            lines=[1],
            expected="each column once",
        )
    missing = [n for n in expected if n not in header]
    extra = [h for h in header if h not in expected]
    if len(missing) == 1 and len(extra) == 1:
        raise DataFileError(
            source,
            f"column '{missing[0]}' is missing and '{extra[0]}' is not in the codebook (renamed?)",
            column=extra[0],
            lines=[1],
            expected=f"the column to be named '{missing[0]}'",
        )
    if missing:
        raise DataFileError(
            source,
            "missing columns",
            column=", ".join(missing),
            lines=[1],
            expected="every codebook column: " + ", ".join(expected),
        )
    if extra:
        raise DataFileError(
            source,
            "unexpected columns",
            column=", ".join(extra),
            lines=[1],
            expected="only codebook columns: " + ", ".join(expected),
        )


def _check_field(source: str | Path, f: Field, values: list[str]) -> pd.Series:
    blank = [i + 2 for i, v in enumerate(values) if not v.strip()]
    if blank:
        raise DataFileError(
            source,
            "empty cells",
            column=f.name,
            lines=blank,
            expected=f"a value, or {NO_ANSWER} (no answer) / {NOT_ASKED} (not asked)",
        )
    coded = [i + 2 for i, v in enumerate(values) if v in MISSING]
    if f.required and coded:
        raise DataFileError(
            source,
            "missing values in a required column",
            column=f.name,
            lines=coded,
            expected="a value for every respondent",
        )
    if f.type == "integer":
        bad = [i + 2 for i, v in enumerate(values) if v not in MISSING and not _is_int(v)]
        if bad:
            raise DataFileError(
                source,
                "non-numeric values",
                column=f.name,
                lines=bad,
                expected=f"whole numbers, or {NO_ANSWER}/{NOT_ASKED}",
            )
        numbers = [None if v in MISSING else int(v) for v in values]
        low = f.minimum if f.minimum is not None else -(10**12)
        high = f.maximum if f.maximum is not None else 10**12
        out = [i + 2 for i, x in enumerate(numbers) if x is not None and not low <= x <= high]
        if out:
            rng = (
                f"from {f.minimum} to {f.maximum}"
                if f.maximum is not None
                else f"at least {f.minimum}"
            )
            raise DataFileError(
                source,
                "values out of range",
                column=f.name,
                lines=out,
                expected=f"whole numbers {rng}",
            )
        return pd.Series(numbers, dtype="Int64")
    unknown = [i + 2 for i, v in enumerate(values) if v not in MISSING and v not in f.enum]
    if unknown:
        first = values[unknown[0] - 2]
        raise DataFileError(
            source,
            f"unknown category '{first}'",
            column=f.name,
            lines=unknown,
            expected="one of " + ", ".join(f.enum),
        )
    return pd.Series([None if v in MISSING else v for v in values], dtype="string")


def _is_int(text: str) -> bool:
    t = text.strip()
    return t.lstrip("-").isdigit() and t == text


def _check_unique(source: str | Path, fs: Sequence[Field], frame: dict[str, pd.Series]) -> None:
    for f in fs:
        if f.unique:
            dup = frame[f.name].duplicated(keep=False) & frame[f.name].notna()
            if dup.any():
                lines = [i + 2 for i in dup[dup].index]
                raise DataFileError(
                    source,
                    "duplicated ids",
                    column=f.name,
                    lines=lines,
                    expected="each respondent once",
                )


def _check_graduation(source: str | Path, frame: dict[str, pd.Series]) -> None:
    age, grad = frame["age"], frame["graduation_year"]
    birth = codebook_survey_year() - age
    too_young = (grad - birth) < minimum_age_at_graduation()
    bad = too_young.fillna(False)
    if bad.any():
        raise DataFileError(
            source,
            "graduation years impossible for the respondent's age",
            column="graduation_year",
            lines=[i + 2 for i in bad[bad].index],
            expected=f"graduation at age {minimum_age_at_graduation()} or older "
            f"(graduation_year ≥ {codebook_survey_year()} - age + {minimum_age_at_graduation()})",
        )


def _check_skip_logic(
    source: str | Path, fs: Sequence[Field], columns: dict[str, list[str]]
) -> None:
    for f in fs:
        if f.asked_if is None:
            wrong = [i + 2 for i, v in enumerate(columns[f.name]) if v == NOT_ASKED]
            if wrong:
                raise DataFileError(
                    source,
                    f"'{NOT_ASKED}' (not asked) for a question everyone is asked",
                    column=f.name,
                    lines=wrong,
                    expected=f"an answer or {NO_ANSWER} (no answer)",
                )
            continue
        gate, answer = f.asked_if
        asked = [g == answer for g in columns[gate]]
        answered_unasked = [
            i + 2
            for i, (a, v) in enumerate(zip(asked, columns[f.name], strict=True))
            if not a and v != NOT_ASKED
        ]
        if answered_unasked:
            raise DataFileError(
                source,
                f"answers from respondents who were not asked (skip logic: asked only if "
                f"{gate} = {answer})",
                column=f.name,
                lines=answered_unasked,
                expected=f"{NOT_ASKED} where {gate} is not '{answer}'",
            )
        unasked = [
            i + 2
            for i, (a, v) in enumerate(zip(asked, columns[f.name], strict=True))
            if a and v == NOT_ASKED
        ]
        if unasked:
            raise DataFileError(
                source,
                f"'{NOT_ASKED}' (not asked) for respondents who were asked (skip logic: "
                f"asked if {gate} = {answer})",
                column=f.name,
                lines=unasked,
                expected=f"an answer or {NO_ANSWER} where {gate} is '{answer}'",
            )


def read_respondents(path: str | Path) -> pd.DataFrame:
    """Read and validate a respondent file; raise :class:`DataFileError` on any problem."""
    header, rows = read_rows(path)
    return validate_rows(path, header, rows)


def encode(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn a typed respondent frame back into the file's text codes (NR / NA)."""
    out = pd.DataFrame(index=frame.index)
    for f in fields():
        col = frame[f.name].astype("object")
        if f.asked_if is not None:
            gate, answer = f.asked_if
            asked = frame[gate].astype("object").eq(answer).fillna(False).astype(bool)
            codes = asked.map({True: NO_ANSWER, False: NOT_ASKED})
        else:
            codes = pd.Series(NO_ANSWER, index=frame.index)
        out[f.name] = [str(v) if pd.notna(v) else c for v, c in zip(col, codes, strict=True)]
    return out


def to_csv_text(frame: pd.DataFrame) -> str:
    """The respondent file's exact text (deterministic: same frame, same bytes)."""
    return encode(frame).to_csv(index=False, lineterminator="\n")


def write_atomic(path: str | Path, text: str) -> Path:
    """Write text to ``path`` through a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
