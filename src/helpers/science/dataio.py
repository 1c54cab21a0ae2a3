"""Reading, validating and writing respondent-level files.

Every problem with an input file raises :class:`DataFileError` (a ``ValueError``) with
one message naming the file, the column, the lines and what was expected. Input files
are only ever read; outputs are written to a temporary file and moved into place, so a
failed or interrupted write never leaves a half-written file.

Validation has three steps:

1. reading: size, encoding and CSV syntax of the file;
2. the generic checks of the Table Schema in ``data/datapackage.json`` (column names,
   types, allowed values, ranges, required values, the missing-value codes and the primary
   key), done by Frictionless; its findings are translated into one message;
3. by hand, the rules a Table Schema cannot state: the skip logic (``askedIf``), which must
   tell ``NR`` (asked, no answer) from ``NA`` (not asked) where Frictionless treats both
   alike as missing, and the plausibility of graduation years for each age.

A respondent file from another survey than the 2017 study (another year, other countries)
is checked against the study's codebook overridden by its survey file
(:func:`helpers.science.codebook.survey_for`).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from .codebook import (
    NO_ANSWER,
    NOT_ASKED,
    Field,
    Survey,
    fields,
    minimum_age_at_graduation,
    study,
    survey_for,
    survey_schema,
)

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
        unit: str = "line",
    ) -> None:
        self.source = str(source)
        self.problem = problem
        self.column = column
        self.lines = tuple(lines)
        self.expected = expected
        self.unit = unit
        message = f"{self.source}: {problem}"
        if column:
            message += f" in column '{column}'"
        if lines:
            message += f" on {_describe_lines(self.lines, unit)}"
        if expected:
            message += f"; expected {expected}"
        super().__init__(message)


def _describe_lines(lines: Sequence[int], unit: str = "line") -> str:
    shown = ", ".join(str(n) for n in lines[:SHOWN_LINES])
    more = len(lines) - SHOWN_LINES
    word = unit if len(lines) == 1 else f"{unit}s"
    return f"{word} {shown}" + (f" and {more:,} more" if more > 0 else "")


def _read_text(path: Path, allow_bom: bool = False) -> str:
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
    if raw.startswith(b"\xef\xbb\xbf") and allow_bom:
        raw = raw[3:]
    elif raw.startswith(b"\xef\xbb\xbf"):
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


def read_rows(path: str | Path, allow_bom: bool = False) -> tuple[list[str], list[list[str]]]:
    """Read a CSV file's header and rows as text, checking size and encoding (a byte-order
    mark is refused unless ``allow_bom``: survey tools write one, the codebook does not)."""
    path = Path(path)
    text = _read_text(path, allow_bom)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as err:
        raise DataFileError(
            path, f"is not valid CSV ({err})", expected="comma-separated values"
        ) from None
    records = [r for r in records if r]
    return records[0], records[1:]


def validate_rows(
    source: str | Path,
    header: list[str],
    rows: list[list[str]],
    survey: Survey | None = None,
) -> pd.DataFrame:
    """Check rows of text against the codebook (of ``survey``, by default the study's);
    return them as a typed data frame.

    Categorical answers stay strings; ``NR`` (no answer) and ``NA`` (not asked) become
    missing values; integer fields become nullable integers.
    """
    survey = survey or study()
    fs = fields(survey)
    _check_separator(source, header)
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
    _check_schema(source, header, rows, survey)
    columns = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    frame = {f.name: _typed(f, columns[f.name]) for f in fs}
    _check_graduation(source, frame, survey)
    _check_skip_logic(source, fs, columns)
    return pd.DataFrame(frame)[[f.name for f in fs]]


def _typed(f: Field, values: list[str]) -> pd.Series:
    if f.type == "integer":
        return pd.Series([None if v in MISSING else int(v) for v in values], dtype="Int64")
    return pd.Series([None if v in MISSING else v for v in values], dtype="string")


@cache
def _frictionless_schema(survey: Survey) -> Any:
    from frictionless import Schema

    return Schema.from_descriptor(survey_schema(survey))


def frictionless_errors(
    header: list[str], rows: list[list[str]], survey: Survey | None = None
) -> list[Any]:
    """Every error Frictionless finds in rows of text checked against the Table Schema."""
    from frictionless import Resource

    survey = survey or study()
    resource = Resource(data=[header, *rows], schema=_frictionless_schema(survey))
    limit = (len(rows) + 1) * (len(header) + 1)
    report = resource.validate(limit_errors=limit)
    return [] if report.valid else list(report.tasks[0].errors)


CONSTRAINT = re.compile(r'constraint "(\w+)"')
LABEL_ERRORS = {"missing-label", "extra-label", "incorrect-label", "duplicate-label", "blank-label"}
ROW_LENGTH_ERRORS = {"extra-cell", "missing-cell"}
KEY_ERRORS = {"unique-error", "primary-key"}


def _check_schema(
    source: str | Path, header: list[str], rows: list[list[str]], survey: Survey
) -> None:
    """The Table Schema's checks, by Frictionless; raise on its first finding, in the order
    a person fixes them: the header, the row lengths, each column in file order, the ids."""
    errors = frictionless_errors(header, rows, survey)
    if not errors:
        return
    kinds = {e.type for e in errors}
    if kinds & LABEL_ERRORS:
        _explain_header(source, header, [f.name for f in fields(survey)])
    if kinds & ROW_LENGTH_ERRORS:
        raise DataFileError(
            source,
            "rows with the wrong number of values",
            lines=sorted({e.row_number for e in errors if e.type in ROW_LENGTH_ERRORS}),
            expected=f"{len(header)} comma-separated values on every line",
        )
    for f in fields(survey):
        cells = [e for e in errors if getattr(e, "field_name", None) == f.name]
        cells = [e for e in cells if e.type not in KEY_ERRORS]
        if cells:
            _explain_cells(source, f, cells)
    keyed = sorted({e.row_number for e in errors if e.type in KEY_ERRORS})
    if keyed:
        key = ", ".join(survey_schema(survey).get("primaryKey", ["respondent_id"]))
        ids = [r[header.index(key)] for r in rows] if key in header else []
        first = {v: i for i, v in reversed(list(enumerate(ids)))}
        lines = sorted({*keyed, *(first[ids[n - 2]] + 2 for n in keyed if ids)})
        raise DataFileError(
            source, "duplicated ids", column=key, lines=lines, expected="each respondent once"
        )
    first = errors[0]
    raise DataFileError(
        source,
        f"{first.title.lower()}: {first.note}",
        lines=sorted({e.row_number for e in errors if getattr(e, "row_number", None)}),
    )


def _explain_cells(source: str | Path, f: Field, errors: list[Any]) -> None:
    """One message for Frictionless's cell errors in one column: empty cells first, then
    missing values where a value is required, then wrong types, then values outside the
    allowed set or range."""

    def lines(pick: Callable[[Any], bool]) -> list[int]:
        return sorted({e.row_number for e in errors if pick(e)})

    blank = lines(lambda e: e.cell == "")
    if blank:
        raise DataFileError(
            source,
            "empty cells",
            column=f.name,
            lines=blank,
            expected=f"a value, or {NO_ANSWER} (no answer) / {NOT_ASKED} (not asked)",
        )
    required = lines(lambda e: _constraint(e) == "required")
    if required:
        raise DataFileError(
            source,
            "missing values in a required column",
            column=f.name,
            lines=required,
            expected="a value for every respondent",
        )
    mistyped = lines(lambda e: e.type == "type-error")
    if mistyped:
        raise DataFileError(
            source,
            "non-numeric values",
            column=f.name,
            lines=mistyped,
            expected=f"whole numbers, or {NO_ANSWER}/{NOT_ASKED}",
        )
    outside = [e for e in errors if _constraint(e) in ("minimum", "maximum")]
    if outside:
        rng = (
            f"from {f.minimum} to {f.maximum}" if f.maximum is not None else f"at least {f.minimum}"
        )
        raise DataFileError(
            source,
            "values out of range",
            column=f.name,
            lines=lines(lambda e: e in outside),
            expected=f"whole numbers {rng}",
        )
    unknown = [e for e in errors if _constraint(e) == "enum"]
    if unknown:
        raise DataFileError(
            source,
            f"unknown category '{unknown[0].cell}'",
            column=f.name,
            lines=lines(lambda e: e in unknown),
            expected="one of " + ", ".join(f.enum),
        )
    raise DataFileError(
        source,
        f"{errors[0].title.lower()}: {errors[0].note}",
        column=f.name,
        lines=lines(lambda e: True),
    )


def _constraint(error: Any) -> str:
    found = CONSTRAINT.search(error.note) if error.type == "constraint-error" else None
    return found.group(1) if found else ""


def _check_separator(source: str | Path, header: list[str]) -> None:
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        sep = next(s for s in ";\t|" if s in header[0])
        shown = {"\t": "tab", ";": "semicolon", "|": "pipe"}[sep]
        raise DataFileError(
            source,
            f"values are separated by {shown}s",
            lines=[1],
            expected="comma-separated values",
        )


def _explain_header(source: str | Path, header: list[str], expected: list[str]) -> None:
    """Say what is wrong with a header Frictionless found not to match the schema."""
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
    raise DataFileError(
        source,
        "columns in another order than the codebook's",
        lines=[1],
        expected="the columns in this order: " + ", ".join(expected),
    )


def _check_graduation(source: str | Path, frame: dict[str, pd.Series], survey: Survey) -> None:
    age, grad = frame["age"], frame["graduation_year"]
    birth = survey.year - age
    too_young = (grad - birth) < minimum_age_at_graduation()
    bad = too_young.fillna(False)
    if bad.any():
        raise DataFileError(
            source,
            "graduation years impossible for the respondent's age",
            column="graduation_year",
            lines=[i + 2 for i in bad[bad].index],
            expected=f"graduation at age {minimum_age_at_graduation()} or older "
            f"(graduation_year ≥ {survey.year} - age + {minimum_age_at_graduation()})",
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


def read_respondents(path: str | Path, survey: Survey | None = None) -> pd.DataFrame:
    """Read and validate a respondent file against the codebook of its survey (by default
    the survey file beside it, else the study); raise :class:`DataFileError` on any
    problem."""
    if survey is None:
        try:
            survey = survey_for(path)
        except ValueError as err:
            raise DataFileError(path, f"its survey file cannot be used ({err})") from None
    header, rows = read_rows(path)
    return validate_rows(path, header, rows, survey)


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
