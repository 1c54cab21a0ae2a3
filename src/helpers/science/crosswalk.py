"""Crosswalks: how a survey export maps onto the book's codebook, and the import itself.

A crosswalk is a small YAML file (documented on the book's data availability page)::

    format: qualtrics          # spss, stata, qualtrics or csv: checked against the file
    survey:                    # only for a survey other than the 2017 study
      title: Class survey, spring 2026
      year: 2026
      countries: [Germany]
    missing:                   # codes meaning "asked, no answer" / "not asked", everywhere
      NR: [-99]
      NA: [-98]
    variables:
      Q1:
        to: country            # the codebook column this variable fills
        codes: {1: Canada, 2: United States, 3: Israel}
      Q2: {to: ict_use, codes: {1: yes, 2: no}, NR: [3]}
      Q20: {to: age, derive: age_from_birth_year}
      StartDate: ignore

An empty cell (SPSS system-missing, a Qualtrics question left blank or not shown) means
``NA`` where the codebook's skip logic says the respondent was not asked, else ``NR``
(``blank: NR`` or ``blank: NA`` says otherwise). A ``.sav`` or ``.dta`` file whose
variables carry the codebook's names, and whose value labels are the codebook's values (and
``NR``/``NA``), needs no crosswalk. :func:`draft` writes a starting crosswalk for any
export. Every problem raises :class:`helpers.science.dataio.DataFileError` with one message.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import dataio
from .codebook import (
    NO_ANSWER,
    NOT_ASKED,
    Field,
    Survey,
    SurveyError,
    fields,
    study,
    survey_from,
    survey_path,
    survey_text,
)
from .dataio import DataFileError
from .exports import KIND_NAMES, Export, Variable, code_text, read_export

TODO = "TODO"
IGNORE = "ignore"
ROW_NUMBER = "row_number"
DERIVATIONS = {"age_from_birth_year": "age"}
BLANK_RULES = ("skip_logic", NO_ANSWER, NOT_ASKED)
TOP_KEYS = ("format", "survey", "missing", "blank", "variables", "derived")
VARIABLE_KEYS = ("to", "codes", NO_ANSWER, NOT_ASKED, "derive")
QUALTRICS_METADATA = (
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
)


@dataclass(frozen=True)
class Mapping:
    """One export variable and the codebook column it fills."""

    variable: str
    column: str
    codes: dict[str, str]  # export code → codebook value (or NR / NA)
    missing: dict[str, str]  # export code → NR or NA, for this variable only
    derive: str = ""


@dataclass(frozen=True)
class Crosswalk:
    """A checked crosswalk."""

    source: str
    format: str
    survey: Survey
    missing: dict[str, str]  # export code → NR or NA, in every variable
    blank: str
    mappings: tuple[Mapping, ...]
    row_ids: bool  # respondent_id numbers the rows 1, 2, ...
    given: bool = True  # False for an export that needs no crosswalk

    @property
    def named(self) -> str:
        """How messages name it."""
        return f"the crosswalk {Path(self.source).name}" if self.given else "its value labels"


class _Loader(yaml.SafeLoader):
    """YAML with YAML 1.2 booleans (``yes`` and ``no`` stay text, the codebook's values)
    and no key given twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DataFileError(
                    self.name,
                    f"'{key}' is given twice (lines {seen[key]} and {line})",
                    lines=[seen[key], line],
                    expected="each key once (a variable once, with everything it maps)",
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(path, "crosswalk not found", expected="a crosswalk YAML file") from None
    except UnicodeDecodeError:
        raise DataFileError(path, "is not UTF-8 text", expected="a crosswalk YAML file") from None
    loader = _Loader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise DataFileError(
            path,
            f"is not valid YAML ({getattr(err, 'problem', err)})",
            lines=[mark.line + 1] if mark else [],
            expected="a crosswalk as the data availability page describes it",
        ) from None
    finally:
        loader.dispose()


def _codes(path: Path, where: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        value = [value]
    if any(isinstance(v, (dict, list)) for v in value):
        raise DataFileError(path, f"{where} must be a list of codes, such as [-99, -98]")
    return [code_text(v) for v in value]


def load(path: str | Path, export: Export) -> Crosswalk:
    """Read a crosswalk and check it against the export and the codebook."""
    path = Path(path)
    data = _yaml(path)
    if not isinstance(data, dict):
        raise DataFileError(
            path, "expected 'name: value' lines", expected="the keys " + ", ".join(TOP_KEYS)
        )
    unknown = [str(k) for k in data if k not in TOP_KEYS]
    if unknown:
        raise DataFileError(
            path,
            f"unknown key {', '.join(map(repr, unknown))}",
            expected="only the keys " + ", ".join(TOP_KEYS),
        )
    fmt = str(data.get("format") or "")
    _check_format(path, fmt, export)
    try:
        survey = survey_from(data["survey"], "survey") if "survey" in data else study()
    except SurveyError as err:
        raise DataFileError(path, str(err)) from None
    missing = _missing(path, "missing", data.get("missing") or {})
    blank = str(data.get("blank", "skip_logic"))
    if blank not in BLANK_RULES:
        raise DataFileError(
            path, f"'blank: {blank}' is not a rule", expected="blank: " + " or ".join(BLANK_RULES)
        )
    derived = data.get("derived") or {}
    if derived not in ({}, {"respondent_id": ROW_NUMBER}):
        raise DataFileError(
            path,
            f"'derived: {derived}' is not something the import can make",
            expected=f"derived: {{respondent_id: {ROW_NUMBER}}} (ids 1, 2, ... in row order)",
        )
    variables = data.get("variables")
    if not isinstance(variables, dict) or not variables:
        raise DataFileError(
            path, "has no 'variables'", expected="a 'variables:' block naming each variable"
        )
    mappings = [
        m
        for name, spec in variables.items()
        if (m := _mapping(path, export, survey, str(name), spec)) is not None
    ]
    crosswalk = Crosswalk(str(path), fmt, survey, missing, blank, tuple(mappings), bool(derived))
    _check_columns(path, crosswalk)
    return crosswalk


def _check_format(path: Path, fmt: str, export: Export) -> None:
    if not fmt or fmt == export.kind:
        return
    if fmt not in KIND_NAMES:
        raise DataFileError(
            path, f"'format: {fmt}' is not a format", expected="format: " + ", ".join(KIND_NAMES)
        )
    if fmt == "qualtrics" and export.kind == "csv":
        raise DataFileError(
            export.path,
            "has one header row, but its crosswalk says it is a Qualtrics export, which has "
            "three: variable names, question texts, and import ids such as "
            '{"ImportId":"QID12"}',
            lines=[1, 2, 3],
            expected="the export as Qualtrics writes it (Data & Analysis > Export > CSV), or "
            "'format: csv' in the crosswalk if the file really has one header row",
        )
    raise DataFileError(
        export.path,
        f"is {KIND_NAMES[export.kind]}, but its crosswalk {path.name} is for {KIND_NAMES[fmt]}",
        expected=f"the crosswalk written for this file (python -m helpers crosswalk "
        f"{export.path.name})",
    )


def _missing(path: Path, where: str, spec: Any) -> dict[str, str]:
    if not isinstance(spec, dict) or set(spec) - {NO_ANSWER, NOT_ASKED}:
        raise DataFileError(
            path,
            f"'{where}' must list codes under {NO_ANSWER} and {NOT_ASKED}",
            expected=f"{where}: {{{NO_ANSWER}: [-99], {NOT_ASKED}: [-98]}}",
        )
    out: dict[str, str] = {}
    for meaning in (NO_ANSWER, NOT_ASKED):
        for code in _codes(path, f"'{where}: {meaning}'", spec.get(meaning, [])):
            if code in out:
                raise DataFileError(
                    path,
                    f"code {code} is listed both as {NO_ANSWER} and as {NOT_ASKED} in '{where}'",
                    expected="each code to mean one thing",
                )
            out[code] = meaning
    return out


def _mapping(path: Path, export: Export, survey: Survey, name: str, spec: Any) -> Mapping | None:
    present = [v.name for v in export.variables]
    if name not in present:
        close = difflib.get_close_matches(name, present, n=1)
        raise DataFileError(
            path,
            f"names variable '{name}', which {export.path.name} does not have"
            + (f" (did you mean '{close[0]}'?)" if close else ""),
            expected=f"a variable of the export: {_listing(present)}",
        )
    if spec == IGNORE:
        return None
    if spec == TODO or (isinstance(spec, dict) and spec.get("to") in (TODO, None)):
        raise DataFileError(
            path,
            f"variable '{name}' is marked {TODO}: the import cannot guess what it holds",
            expected=f"'to: COLUMN' with a codebook column, or '{name}: {IGNORE}'",
        )
    if not isinstance(spec, dict):
        raise DataFileError(
            path,
            f"variable '{name}': '{spec}' is not a mapping",
            expected=f"'{name}: {{to: COLUMN, codes: {{...}}}}' or '{name}: {IGNORE}'",
        )
    unknown = [str(k) for k in spec if k not in VARIABLE_KEYS]
    if unknown:
        raise DataFileError(
            path,
            f"variable '{name}': unknown key {', '.join(map(repr, unknown))}",
            expected="only " + ", ".join(VARIABLE_KEYS),
        )
    column = str(spec["to"])
    codebook = {f.name: f for f in fields(survey)}
    if column not in codebook:
        close = difflib.get_close_matches(column, list(codebook), n=1)
        raise DataFileError(
            path,
            f"variable '{name}' is mapped to '{column}', which is not a codebook column"
            + (f" (did you mean '{close[0]}'?)" if close else ""),
            expected="one of " + ", ".join(codebook),
        )
    derive = str(spec.get("derive") or "")
    if derive and DERIVATIONS.get(derive) != column:
        known = ", ".join(f"{k} (for {v})" for k, v in DERIVATIONS.items())
        raise DataFileError(
            path,
            f"variable '{name}': 'derive: {derive}' cannot make column '{column}'",
            expected=f"one of {known}",
        )
    codes_spec = spec.get("codes") or {}
    if not isinstance(codes_spec, dict):
        raise DataFileError(
            path,
            f"variable '{name}': 'codes' must map each export code to a codebook value",
            expected="codes: {1: yes, 2: no}",
        )
    f = codebook[column]
    codes: dict[str, str] = {}
    for code, value in codes_spec.items():
        text = code_text(value)
        if text == TODO:
            raise DataFileError(
                path,
                f"code {code_text(code)} of variable '{name}' is marked {TODO}",
                expected=_allowed(f),
            )
        if text not in (NO_ANSWER, NOT_ASKED) and not _allowed_value(f, text):
            hint = (
                "; a survey of other countries says so in a 'survey:' block (countries: [...])"
                if f.name == "country"
                else ""
            )
            raise DataFileError(
                path,
                f"maps code {code_text(code)} of variable '{name}' to '{text}', which is not a "
                f"value of column '{column}'{hint}",
                expected=_allowed(f),
            )
        codes[code_text(code)] = text
    own = _missing(
        path, f"variables: {name}", {k: spec[k] for k in (NO_ANSWER, NOT_ASKED) if k in spec}
    )
    return Mapping(name, column, codes, own, derive)


def _allowed_value(f: Field, text: str) -> bool:
    if f.enum:
        return text in f.enum
    return re.fullmatch(r"-?\d+", text) is not None


def _allowed(f: Field) -> str:
    if f.enum:
        return f"one of {', '.join(f.enum)} (or {NO_ANSWER}, {NOT_ASKED})"
    return f"a whole number (or {NO_ANSWER}, {NOT_ASKED})"


def _listing(names: list[str], shown: int = 12) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _check_columns(path: Path, crosswalk: Crosswalk) -> None:
    by_column: dict[str, list[str]] = {}
    for m in crosswalk.mappings:
        by_column.setdefault(m.column, []).append(m.variable)
    twice = {c: v for c, v in by_column.items() if len(v) > 1}
    if twice:
        column, variables = next(iter(twice.items()))
        raise DataFileError(
            path,
            f"maps {len(variables)} variables to column '{column}' ({' and '.join(variables)})",
            expected="one variable for each codebook column (ignore the other)",
        )
    if crosswalk.row_ids and "respondent_id" in by_column:
        raise DataFileError(
            path,
            f"makes respondent_id from row numbers but also maps variable "
            f"'{by_column['respondent_id'][0]}' to it",
            expected="one source for each codebook column",
        )
    filled = set(by_column) | ({"respondent_id"} if crosswalk.row_ids else set())
    unmapped = [f.name for f in fields(crosswalk.survey) if f.name not in filled]
    if unmapped:
        raise DataFileError(
            path,
            f"no variable is mapped to codebook column{'s' if len(unmapped) > 1 else ''} "
            + ", ".join(unmapped),
            expected="a variable for every codebook column ('to: COLUMN'); ids can be row "
            f"numbers (derived: {{respondent_id: {ROW_NUMBER}}})",
        )


def default(export: Export) -> Crosswalk:
    """The crosswalk of an export that needs none: variables named as the codebook's columns,
    with value labels that are the codebook's values (SPSS, Stata), or codebook text (CSV)."""
    names = [v.name for v in export.variables]
    missing = [f.name for f in fields() if f.name not in names]
    if export.kind == "qualtrics" or missing:
        why = (
            "a Qualtrics export"
            if export.kind == "qualtrics"
            else "its variables are not named as the codebook's columns "
            f"(no {_listing(missing, 4)})"
        )
        raise DataFileError(
            export.path,
            f"needs a crosswalk: {why}",
            expected=f"--map CROSSWALK.yaml; 'python -m helpers crosswalk {export.path.name}' "
            "writes a first draft",
        )
    mappings = []
    for f in fields():
        labels = export.variable(f.name).value_labels
        codes = {c: lab for c, lab in labels.items() if lab in (*f.enum, NO_ANSWER, NOT_ASKED)}
        mappings.append(Mapping(f.name, f.name, codes, {}, ""))
    return Crosswalk(
        str(export.path),
        export.kind,
        study(),
        {NO_ANSWER: NO_ANSWER, NOT_ASKED: NOT_ASKED},
        "skip_logic",
        tuple(mappings),
        row_ids=False,
        given=False,
    )


# --- applying a crosswalk ---------------------------------------------------------------


def apply(export: Export, crosswalk: Crosswalk) -> tuple[list[str], list[list[str]]]:
    """The export's rows as codebook text (NR / NA for missing), before validation."""
    survey = crosswalk.survey
    columns: dict[str, list[str | None]] = {}
    for m in crosswalk.mappings:
        columns[m.column] = _map_variable(export, crosswalk, m)
    if crosswalk.row_ids:
        columns["respondent_id"] = [str(i + 1) for i in range(export.n)]
    fs = fields(survey)
    for f in fs:
        values = columns[f.name]
        if f.required:
            columns[f.name] = ["" if v is None else v for v in values]
            continue
        if crosswalk.blank != "skip_logic" or f.asked_if is None:
            fill = crosswalk.blank if crosswalk.blank != "skip_logic" else NO_ANSWER
            columns[f.name] = [fill if v is None else v for v in values]
            continue
        gate, answer = f.asked_if
        columns[f.name] = [
            (NO_ANSWER if g == answer else NOT_ASKED) if v is None else v
            for v, g in zip(values, columns[gate], strict=True)
        ]
    header = [f.name for f in fs]
    rows = [[str(columns[name][i]) for name in header] for i in range(export.n)]
    return header, rows


def _map_variable(export: Export, crosswalk: Crosswalk, m: Mapping) -> list[str | None]:
    f = {f.name: f for f in fields(crosswalk.survey)}[m.column]
    variable = export.variable(m.variable)
    missing = {**crosswalk.missing, **m.missing}
    implicit = {v.lower(): v for v in f.enum} | {lab.lower(): v for v, lab in f.labels}
    out: list[str | None] = []
    unknown: dict[str, list[int]] = {}
    for i, cell in enumerate(export.cells[m.variable]):
        if cell in missing:
            out.append(missing[cell])
        elif cell in m.codes:
            out.append(m.codes[cell])
        elif cell == "":
            out.append(None)
        elif m.derive == "age_from_birth_year" and _whole(cell):
            out.append(str(crosswalk.survey.year - int(float(cell))))
        elif not m.derive and f.enum and not m.codes and cell.lower() in implicit:
            out.append(implicit[cell.lower()])
        elif not m.derive and not f.enum and _whole(cell):
            out.append(str(int(float(cell))))
        else:
            out.append(None)
            unknown.setdefault(cell, []).append(i)
    if unknown:
        _unmapped(export, crosswalk, m, f, variable, unknown)
    return out


def _whole(cell: str) -> bool:
    try:
        return float(cell).is_integer()
    except ValueError:
        return False


def _unmapped(
    export: Export,
    crosswalk: Crosswalk,
    m: Mapping,
    f: Field,
    variable: Variable,
    unknown: dict[str, list[int]],
) -> None:
    counts = sorted(unknown.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    described = []
    for code, rows in counts[:5]:
        label = variable.value_labels.get(code)
        declared = "; declared missing in the file" if code in variable.user_missing else ""
        name = f"'{label}'" if label else ""
        described.append(
            f"{code}{' ' + name if name else ''} ({len(rows):,} row{'s' if len(rows) > 1 else ''}"
            f"{declared})"
        )
    more = len(counts) - 5
    what = "value" if m.derive or not (f.enum or m.codes) else "code"
    listed = ", ".join(described) + (f" and {more} more" if more > 0 else "")
    plural = "s" if len(counts) > 1 else ""
    if m.derive or not (f.enum or m.codes):
        expected = "whole numbers (years)" if m.derive else _allowed(f)
        expected += " or a code listed under NR or NA"
    else:
        mapped = ", ".join(m.codes) if m.codes else ", ".join(f.enum)
        expected = f"a code the crosswalk maps ({mapped}) or lists under NR or NA"
    rows = sorted(i for r in unknown.values() for i in r)
    raise DataFileError(
        export.path,
        f"variable '{m.variable}' (→ {m.column}) has {what}{plural} {listed} that "
        + (
            f"{crosswalk.named} does not map"
            if crosswalk.given
            else "no value label names as a codebook value (a crosswalk can map it)"
        ),
        lines=export.where(rows),
        expected=expected,
        unit=export.unit,
    )


# --- the import -------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """An export mapped onto the codebook and validated."""

    frame: pd.DataFrame
    text: str  # the respondent file's CSV text
    survey: Survey  # its survey, naming the export and the crosswalk


def import_export(export_path: str | Path, crosswalk_path: str | Path | None = None) -> Imported:
    """Read an export, map it with its crosswalk (or with none, where none is needed) and
    validate the result against the codebook of its survey."""
    export = read_export(export_path)
    crosswalk = load(crosswalk_path, export) if crosswalk_path else default(export)
    header, rows = apply(export, crosswalk)
    try:
        frame = dataio.validate_rows(export.path, header, rows, crosswalk.survey)
    except DataFileError as err:
        raise _after_mapping(err, export, crosswalk) from None
    survey = replace(
        crosswalk.survey,
        export=export.path.name,
        crosswalk=Path(crosswalk_path).name if crosswalk_path else "",
    )
    return Imported(frame, dataio.to_csv_text(frame), survey)


def _after_mapping(err: DataFileError, export: Export, crosswalk: Crosswalk) -> DataFileError:
    variable = next((m.variable for m in crosswalk.mappings if m.column == err.column), "")
    if variable:
        where = f"variable '{variable}' (→ {err.column}), after mapping by {crosswalk.named}: "
    elif err.column:
        where = f"column '{err.column}', after mapping by {crosswalk.named}: "
    else:
        where = f"after mapping by {crosswalk.named}: "
    return DataFileError(
        export.path,
        where + err.problem,
        lines=export.where([n - 2 for n in err.lines if n >= 2]),
        expected=err.expected,
        unit=export.unit,
    )


def write(imported: Imported, out: str | Path, *inputs: str | Path) -> Path:
    """Write the respondent file and, beside it, its survey file (both atomically); refuse
    to write over an input."""
    out = Path(out)
    if out.suffix.lower() != ".csv":
        raise DataFileError(out, "is not a .csv name", expected="--out FILE.csv")
    for given in inputs:
        if (
            out.resolve() == Path(given).resolve()
            or survey_path(out).resolve() == Path(given).resolve()
        ):
            raise DataFileError(
                out, "is an input of the import", expected="another file: inputs are never changed"
            )
    dataio.write_atomic(out, imported.text)
    dataio.write_atomic(survey_path(out), survey_text(imported.survey))
    return out


# --- a draft crosswalk ------------------------------------------------------------------

NA_WORDS = ("not asked", "not applicable", "inapplicable", "skipped", "legitimate skip", "n/a")
NR_WORDS = ("no answer", "not answered", "refused", "prefer not", "no response", "missing")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _missing_kind(label: str) -> str:
    n = label.strip().lower()
    if n == NOT_ASKED.lower() or any(w in n for w in NA_WORDS):
        return NOT_ASKED
    if n == NO_ANSWER.lower() or any(w in n for w in NR_WORDS):
        return NO_ANSWER
    return ""


def _is_birth_year(v: Variable) -> bool:
    text = _norm(f"{v.name} {v.label}")
    return "birth" in text and ("year" in text or "yr" in text.split())


def matches(export: Export, survey: Survey | None = None) -> dict[str, tuple[str, str]]:
    """The variables whose codebook column is clear: the variable is named as the column,
    or labelled with its title or description (or is a year of birth, for age). A variable
    that fits two columns, or a column that two variables fit, is left out."""
    survey = survey or study()
    found: dict[str, set[tuple[str, str]]] = {}
    for v in export.variables:
        if export.kind == "qualtrics" and v.name in QUALTRICS_METADATA:
            continue
        label = _norm(v.label)
        hits = {
            (f.name, "")
            for f in fields(survey)
            if _norm(v.name) == _norm(f.name)
            or (label and label in {_norm(f.name), _norm(f.title), _norm(f.description)})
        }
        if not hits and _is_birth_year(v):
            hits = {("age", "age_from_birth_year")}
        found[v.name] = hits
    claimed = Counter(column for hits in found.values() for column, _ in hits)
    return {
        name: next(iter(hits))
        for name, hits in found.items()
        if len(hits) == 1 and claimed[next(iter(hits))[0]] == 1
    }


def _scalar(value: str) -> str:
    return value if re.fullmatch(r"-?\d+", value) else json.dumps(value, ensure_ascii=False)


def draft(export: Export) -> str:
    """A starting crosswalk for an export: every variable with its label and value labels,
    matched to a codebook column where the match is clear, the rest marked TODO; then every
    codebook column and what fills it."""
    matched = matches(export)
    fs = {f.name: f for f in fields()}
    variable_missing: dict[str, dict[str, str]] = {}
    for v in export.variables:
        for code, label in v.value_labels.items():
            if kind := _missing_kind(label):
                variable_missing.setdefault(v.name, {})[code] = kind
    meanings: dict[str, set[str]] = {}
    for codes in variable_missing.values():
        for code, kind in codes.items():
            meanings.setdefault(code, set()).add(kind)
    shared = {code: kinds.pop() for code, kinds in meanings.items() if len(kinds) == 1}
    lines = [
        f"# Crosswalk from {export.path.name} ({KIND_NAMES[export.kind]}) to the book's codebook",
        "# (data/datapackage.json), drafted by 'python -m helpers crosswalk'. Fill in every",
        "# TODO (the import refuses a crosswalk that still has one), then run",
        f"#   python -m helpers import {export.path.name} --map CROSSWALK.yaml --out FILE.csv",
        "# Every key is explained on the book's data availability page.",
        f"format: {export.kind}",
        "# survey:               # only for a survey other than the 2017 study",
        "#   title: Class survey, spring 2026",
        "#   year: 2026",
        "#   countries: [Germany]",
        "#   synthetic: false     # true only for generated data",
        "missing:  # codes meaning NR (asked, no answer) / NA (not asked), in every variable",
    ]
    for kind in (NO_ANSWER, NOT_ASKED):
        codes = [c for c, k in shared.items() if k == kind]
        lines.append(f"  {kind}: [{', '.join(_scalar(c) for c in codes)}]")
    lines += [
        "# An empty cell counts as NA where the skip logic did not ask the question, else NR.",
        "variables:",
    ]
    for v in export.variables:
        if export.kind == "qualtrics" and v.name in QUALTRICS_METADATA:
            lines.append(f"  {_key(v.name)}: {IGNORE}  # Qualtrics metadata")
            continue
        about = " ".join(v.label.split())
        if about or v.import_id:
            ident = f" ({v.import_id})" if v.import_id else ""
            lines.append(f"  # {about[:90]}{ident}")
        if v.name not in matched:
            lines.append(f"  {_key(v.name)}:")
            lines.append(f"    to: {TODO}  # a codebook column (listed at the end), or '{IGNORE}'")
            continue
        column, derive = matched[v.name]
        lines.append(f"  {_key(v.name)}:")
        lines.append(f"    to: {column}")
        if derive:
            lines.append(f"    derive: {derive}  # age = survey year - year of birth")
        own = {c: k for c, k in variable_missing.get(v.name, {}).items() if shared.get(c) != k}
        for kind in (NO_ANSWER, NOT_ASKED):
            codes = [c for c, k in own.items() if k == kind]
            if codes:
                lines.append(f"    {kind}: [{', '.join(_scalar(c) for c in codes)}]")
        if not derive:
            lines += _draft_codes(export, v, fs[column], set(variable_missing.get(v.name, {})))
    lines.append("# Codebook columns, and the variable that fills each:")
    filled = {column: name for name, (column, _) in matched.items()}
    for f in fs.values():
        source = filled.get(f.name, f"{TODO}: {f.description}")
        lines.append(f"#   {f.name:<20} <- {source}")
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else json.dumps(name)


def _draft_codes(export: Export, v: Variable, f: Field, missing: set[str]) -> list[str]:
    seen = Counter(c for c in export.cells[v.name] if c != "" and c not in missing)
    if not f.enum:
        odd = sorted(c for c in seen if not _whole(c))
        return [f"    # not whole numbers: {', '.join(odd[:5])}"] if odd else []
    implicit = set(f.enum) | {lab.lower() for _, lab in f.labels}
    if not v.value_labels and all(c in implicit or c.lower() in implicit for c in seen):
        return []
    out = ["    codes:"]
    codes = [c for c in v.value_labels if c not in missing]
    codes += sorted((c for c in seen if c not in v.value_labels), key=_code_order)
    allowed = ", ".join(f.enum)
    for code in codes:
        label = v.value_labels.get(code, "")
        n = _norm(label)
        value = next((x for x, lab in f.labels if n and n in (_norm(x), _norm(lab))), None)
        note = f"'{label}'" if label else f"{seen.get(code, 0):,} rows"
        if value:
            shown = f"  # {note}" if label and label != value else ""
            out.append(f"      {_scalar(code)}: {_scalar(value)}{shown}")
        else:
            out.append(f"      {_scalar(code)}: {TODO}  # {note}; one of {allowed}, NR, NA")
    return out


def _code_order(code: str) -> tuple[int, float, str]:
    return (0, float(code), "") if _whole(code) else (1, 0.0, code)


def survey_of(path: str | Path) -> Survey:
    """The survey a crosswalk describes (its ``survey`` block, or the study), read without
    an export."""
    path = Path(path)
    data = _yaml(path)
    if not isinstance(data, dict) or "survey" not in data:
        return study()
    try:
        return survey_from(data["survey"], "survey")
    except SurveyError as err:
        raise DataFileError(path, str(err)) from None
