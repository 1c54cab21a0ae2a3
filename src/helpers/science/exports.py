"""Reading survey exports as they come out of the tools: SPSS, Stata, Qualtrics, plain CSV.

:func:`read_export` reads any of them into one :class:`Export`: its variables (name,
label or question text, value labels, declared missing values) and every cell as text
(``1`` for a numeric 1.0, ``""`` for an empty or system-missing cell), so that a crosswalk
(:mod:`helpers.science.crosswalk`) maps the same codes whatever the file type.

- ``.sav`` / ``.zsav``: SPSS, read by pyreadstat with user-missing values kept as codes;
- ``.dta``: Stata, read by pyreadstat;
- ``.csv``: a Qualtrics export (three header rows: names, question texts, and import ids
  such as ``{"ImportId":"QID12"}``) or a plain CSV file (one header row).

Every problem raises :class:`helpers.science.dataio.DataFileError` with one message; the export is
only ever read.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .dataio import DataFileError, read_rows

KINDS = {".sav": "spss", ".zsav": "spss", ".dta": "stata", ".csv": "csv"}
KIND_NAMES = {
    "spss": "an SPSS .sav file",
    "stata": "a Stata .dta file",
    "qualtrics": "a Qualtrics CSV export",
    "csv": "a CSV file",
}
OTHER_TYPES = {
    ".xlsx": "an Excel workbook",
    ".xls": "an Excel workbook",
    ".ods": "a spreadsheet",
    ".json": "a JSON file",
    ".por": "an SPSS portable file",
    ".sas7bdat": "a SAS data set",
    ".rds": "an R data file",
    ".tsv": "a tab-separated file",
    ".txt": "a text file",
}
ACCEPTED = "an SPSS .sav, a Stata .dta, or a CSV file (a Qualtrics export or plain CSV)"


@dataclass(frozen=True)
class Variable:
    """One variable of an export."""

    name: str
    label: str = ""  # SPSS/Stata variable label, or the Qualtrics question text
    import_id: str = ""  # Qualtrics import id (QID12), '' elsewhere
    value_labels: dict[str, str] = field(default_factory=dict)  # code → label
    user_missing: tuple[str, ...] = ()  # codes the file itself declares missing (SPSS)


@dataclass(frozen=True)
class Export:
    """A survey export: its variables and every cell as text."""

    path: Path
    kind: str  # spss, stata, qualtrics or csv
    variables: tuple[Variable, ...]
    cells: dict[str, list[str]]
    first_line: int  # the line (or case) number of the first respondent
    unit: str  # "line" for CSV files, "case" for SPSS and Stata

    @property
    def n(self) -> int:
        """The number of respondents (rows)."""
        return len(next(iter(self.cells.values()), []))

    def variable(self, name: str) -> Variable:
        """One variable by name."""
        return next(v for v in self.variables if v.name == name)

    def where(self, rows: list[int]) -> list[int]:
        """Line (or case) numbers of rows counted from 0."""
        return [self.first_line + r for r in rows]


def code_text(value: Any) -> str:
    """A cell as the text a crosswalk names it by: ``1`` for 1 or 1.0, ``""`` if missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def read_export(path: str | Path) -> Export:
    """Read an export of any supported type; raise ``DataFileError`` if it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise DataFileError(path, "file not found", expected=ACCEPTED)
    if path.is_dir():
        raise DataFileError(path, "is a folder", expected=ACCEPTED)
    if suffix not in KINDS:
        what = OTHER_TYPES.get(suffix, f"a '{suffix or 'extensionless'}' file")
        raise DataFileError(
            path,
            f"is {what}, which the import does not read",
            expected=ACCEPTED + "; in Qualtrics, export 'CSV' with 'Use numeric values'",
        )
    if path.stat().st_size == 0:
        raise DataFileError(path, "file is empty", expected=ACCEPTED)
    if KINDS[suffix] == "csv":
        return _read_csv(path)
    return _read_readstat(path, KINDS[suffix])


MAGIC = {"spss": (b"$FL2", b"$FL3"), "stata": (b"<stata_dta>",)}
OLD_STATA_VERSIONS = {104, 105, 108, 110, 111, 113, 114, 115}


def _read_readstat(path: Path, kind: str) -> Export:
    import pyreadstat

    head = path.read_bytes()[:16]
    old_stata = kind == "stata" and head and head[0] in OLD_STATA_VERSIONS
    if not head.startswith(MAGIC[kind]) and not old_stata:
        found = "CSV or other text" if _looks_like_text(head) else "something else"
        raise DataFileError(
            path,
            f"is not {KIND_NAMES[kind]} (its first bytes are {found})",
            expected=f"{KIND_NAMES[kind]} saved by the program, or a file named for its type",
        )
    reader = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_dta
    try:
        frame, meta = reader(str(path), user_missing=True, disable_datetime_conversion=True)
    except Exception as err:  # pyreadstat raises its own error classes, and others
        raise DataFileError(
            path,
            f"cannot be read as {KIND_NAMES[kind]}: it is truncated or damaged ({err})",
            expected=f"the complete file as {'SPSS' if kind == 'spss' else 'Stata'} saved it "
            "(copy or download it again)",
        ) from None
    declared = getattr(meta, "number_rows", None)
    if declared not in (None, -1) and declared != len(frame):
        raise DataFileError(
            path,
            f"holds {len(frame):,} of the {declared:,} cases its header announces: it is truncated",
            expected="the complete file (copy or download it again)",
        )
    labels = meta.column_names_to_labels or {}
    value_labels = meta.variable_value_labels or {}
    missing = meta.missing_ranges or {}
    variables = []
    cells = {}
    for name in frame.columns:
        variables.append(
            Variable(
                name=name,
                label=labels.get(name) or "",
                value_labels={code_text(k): str(v) for k, v in value_labels.get(name, {}).items()},
                user_missing=tuple(_missing_codes(missing.get(name, []))),
            )
        )
        cells[name] = [code_text(v) for v in frame[name].tolist()]
    return Export(path, kind, tuple(variables), cells, first_line=1, unit="case")


def _missing_codes(ranges: list[Any]) -> list[str]:
    out = []
    for r in ranges:
        lo, hi = (r["lo"], r["hi"]) if isinstance(r, dict) else (r, r)
        if lo == hi:
            out.append(code_text(lo))
        else:
            out.append(f"{code_text(lo)} to {code_text(hi)}")
    return out


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def import_id(cell: str) -> str:
    """The import id of a Qualtrics third-row cell (``{"ImportId":"QID12"}``), or ''."""
    text = cell.strip()
    if not text.startswith("{"):
        return ""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return ""
    return str(value.get("ImportId", "")) if isinstance(value, dict) else ""


def _read_csv(path: Path) -> Export:
    header, rows = read_rows(path, allow_bom=True)
    if import_id(header[0]):
        raise DataFileError(
            path,
            "starts with Qualtrics import ids, not with variable names: its first header "
            "rows were removed",
            lines=[1],
            expected="a Qualtrics export with its three header rows (names, question texts, "
            'import ids such as {"ImportId":"QID12"}), as Qualtrics writes it',
        )
    ids = [import_id(c) for c in rows[1]] if len(rows) > 1 else []
    if ids and sum(bool(i) for i in ids) >= len(ids) / 2:
        texts, body, kind, first = rows[0], rows[2:], "qualtrics", 4
    else:
        texts, body, kind, first = [""] * len(header), rows, "csv", 2
        ids = [""] * len(header)
    short = [i + first for i, r in enumerate(body) if len(r) != len(header)]
    if short:
        raise DataFileError(
            path,
            "rows with the wrong number of values",
            lines=short,
            expected=f"{len(header)} comma-separated values on every line",
        )
    if not body:
        raise DataFileError(path, "has header rows but no respondents", expected="one row each")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise DataFileError(
            path,
            "duplicated variable names",
            column=", ".join(duplicated),
            lines=[1],
            expected="each variable once",
        )
    variables = tuple(
        Variable(name=h, label=texts[i] if i < len(texts) else "", import_id=ids[i])
        for i, h in enumerate(header)
    )
    cells = {h: [r[i].strip() for r in body] for i, h in enumerate(header)}
    return Export(path, kind, variables, cells, first_line=first, unit="line")


MISSING_CODES = {"NR": -1, "NA": -2}


def write_labelled(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write typed respondents (as :func:`helpers.science.dataio.read_respondents` returns) as an
    SPSS ``.sav`` or Stata ``.dta`` file named as the codebook's columns: categories as
    numbers 1, 2, ... labelled with the codebook's values, ``NR`` and ``NA`` as -1 and -2
    labelled ``NR`` and ``NA`` (SPSS: declared user-missing). Such a file imports back with
    no crosswalk. Written atomically."""
    import pyreadstat

    from .codebook import fields
    from .dataio import encode

    path = Path(path)
    kind = KINDS.get(path.suffix.lower())
    if kind not in ("spss", "stata"):
        raise DataFileError(path, "is not a .sav or .dta name", expected="FILE.sav or FILE.dta")
    text = encode(frame)
    data = {}
    labels: dict[str, dict[float, str]] = {}
    for f in fields():
        codes = {v: i + 1 for i, v in enumerate(f.enum)} | MISSING_CODES
        column = text[f.name]
        data[f.name] = [float(codes[v]) if v in codes else float(v) for v in column]
        named = {float(i): v for v, i in codes.items() if v in f.enum}
        if not f.required:
            named |= {float(i): v for v, i in MISSING_CODES.items()}
        if named:
            labels[f.name] = named
    out = pd.DataFrame(data)
    titles = {f.name: f.title for f in fields()}
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if kind == "spss":
            missing = {name: list(MISSING_CODES.values()) for name in labels}
            pyreadstat.write_sav(
                out,
                str(tmp),
                column_labels=titles,
                variable_value_labels=labels,
                missing_ranges=missing,
            )
        else:
            pyreadstat.write_dta(out, str(tmp), column_labels=titles, variable_value_labels=labels)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
