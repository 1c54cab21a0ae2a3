"""Example survey exports in ``data/examples/``, made from synthetic respondents.

``python -m helpers examples`` writes, from the generator (:mod:`helpers.science.synth`) and fixed
seeds, byte for byte the same files on any machine:

- ``class_survey_qualtrics.csv``: the class survey of ``class_survey.csv`` as Qualtrics
  exports it (three header rows, Qualtrics' own column names, numeric codes, blank cells
  for questions left unanswered or not shown), and its crosswalk
  ``class_survey_qualtrics.yaml``;
- ``study_spss.sav``: the synthetic study (canonical seed) as its authors' SPSS file might
  hold it (their own variable names, numeric codes with value labels, user-missing codes
  -99 and -98, year of birth instead of age), and its crosswalk ``study_spss.yaml``.

Every file says it is synthetic: the Qualtrics export in an embedded-data column, the SPSS
file in its file label.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..paths import data_dir
from .assumptions import value as assumed
from .codebook import NO_ANSWER, NOT_ASKED, field, survey_year
from .dataio import encode, write_atomic
from .synth import generate, subsample

SYNTHETIC_NOTE = "SYNTHETIC data made by helpers.science.examples: no real respondent"
CLASS_SEED, CLASS_SIZE = 101, 600


@dataclass(frozen=True)
class Question:
    """One codebook column as a survey tool asks it: its name there and its codes."""

    column: str
    name: str
    codes: dict[str, int]  # codebook value → the tool's code ({} for numbers)


def _numbered(column: str, skip: tuple[int, ...] = ()) -> dict[str, int]:
    numbers = [n for n in range(1, 20) if n not in skip]
    return {v: numbers[i] for i, v in enumerate(field(column).enum)}


# Qualtrics numbers the choices 1, 2, ... in the order they were written; the policy
# question had a choice deleted and added again, as happens while a survey is edited.
QUALTRICS = (
    Question("country", "Q1", _numbered("country")),
    Question("ict_use", "Q2", _numbered("ict_use")),
    Question("outside_hours", "Q3", _numbered("outside_hours")),
    Question("initiated", "Q4", _numbered("initiated")),
    Question("talked_supervisor", "Q5", _numbered("talked_supervisor")),
    Question("friend_request", "Q6", _numbered("friend_request")),
    Question("searched", "Q7", _numbered("searched")),
    Question("reason_assessment", "Q8_1", _numbered("reason_assessment")),
    Question("reason_curiosity", "Q8_2", _numbered("reason_curiosity")),
    Question("search_appropriate", "Q9", _numbered("search_appropriate")),
    Question("workplace_policy", "Q10", _numbered("workplace_policy", skip=(3,))),
    Question("plan_continue", "Q11", _numbered("plan_continue")),
    Question("age", "Q12", {}),
    Question("graduation_year", "Q13", {}),
    Question("setting", "Q14", _numbered("setting")),
    Question("role", "Q15", _numbered("role")),
)
METADATA = (
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"America/Toronto"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"America/Toronto"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"America/Toronto"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
)
EMBEDDED = ("respondent_id", "data_note")

# The authors' SPSS file: their own names, labels as the codebook's titles and categories.
SPSS = (
    Question("respondent_id", "RESPID", {}),
    Question("country", "COUNTRY", _numbered("country")),
    Question("ict_use", "Q1_ICT", _numbered("ict_use")),
    Question("outside_hours", "Q2_HOURS", _numbered("outside_hours")),
    Question("initiated", "Q3_INIT", _numbered("initiated")),
    Question("talked_supervisor", "Q4_SUPERV", _numbered("talked_supervisor")),
    Question("friend_request", "Q5_FRIEND", _numbered("friend_request")),
    Question("searched", "Q6_SEARCH", _numbered("searched")),
    Question("reason_assessment", "Q7A_ASSESS", _numbered("reason_assessment")),
    Question("reason_curiosity", "Q7B_CURIOUS", _numbered("reason_curiosity")),
    Question("search_appropriate", "Q8_APPROP", _numbered("search_appropriate")),
    Question("workplace_policy", "Q9_POLICY", _numbered("workplace_policy")),
    Question("plan_continue", "Q10_CONT", _numbered("plan_continue")),
    Question("age", "BIRTHYR", {}),
    Question("graduation_year", "GRADYR", {}),
    Question("setting", "SETTING", _numbered("setting")),
    Question("role", "ROLE", _numbered("role")),
)
SPSS_MISSING = {NO_ANSWER: -99, NOT_ASKED: -98}
SPSS_MISSING_LABELS = {NO_ANSWER: "No answer", NOT_ASKED: "Not asked (skip logic)"}
# Where the SPSS header keeps the day and time a file was written (bytes 92-108): set to
# the survey's year, so that the same data give the same bytes on every run.
SAV_DATE_AT, SAV_DATE = 92, b"01 Jan 17" + b"00:00:00"


def class_survey() -> pd.DataFrame:
    """The class survey of ``data/examples/class_survey.csv``."""
    return subsample(generate(CLASS_SEED), CLASS_SIZE, CLASS_SEED)


def qualtrics_text(frame: pd.DataFrame, seed: int = CLASS_SEED) -> str:
    """Respondents as a Qualtrics CSV export with numeric values (UTF-8 with a byte-order
    mark, as Qualtrics writes it)."""
    rng = np.random.default_rng(seed)
    text = encode(frame)
    n = len(frame)
    start = pd.Timestamp(f"{survey_year()}-03-06 08:00:00") + pd.to_timedelta(
        np.sort(rng.integers(0, 21 * 24 * 3600, n)), unit="s"
    )
    duration = rng.integers(240, 1500, n)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    ids = ["R_" + "".join(rng.choice(letters, 15)) for _ in range(n)]
    header = [m[0] for m in METADATA] + [q.name for q in QUALTRICS] + list(EMBEDDED)
    texts = [m[1] for m in METADATA]
    texts += [field(q.column).description for q in QUALTRICS] + list(EMBEDDED)
    import_ids = [m[2] for m in METADATA]
    import_ids += [_import_id(q) for q in QUALTRICS]
    import_ids += [f'{{"ImportId":"{name}"}}' for name in EMBEDDED]
    rows = []
    for i in range(n):
        end = start[i] + pd.Timedelta(seconds=int(duration[i]))
        meta = [
            f"{start[i]:%Y-%m-%d %H:%M:%S}",
            f"{end:%Y-%m-%d %H:%M:%S}",
            "0",
            "100",
            str(duration[i]),
            "1",
            f"{end:%Y-%m-%d %H:%M:%S}",
            ids[i],
            "anonymous",
            "EN",
        ]
        answers = []
        for q in QUALTRICS:
            value = text.at[i, q.column]
            answers.append(
                "" if value in (NO_ANSWER, NOT_ASKED) else str(q.codes.get(value, value))
            )
        rows.append(meta + answers + [text.at[i, "respondent_id"], SYNTHETIC_NOTE])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([header, texts, import_ids, *rows])
    return "\ufeff" + out.getvalue()


def _import_id(q: Question) -> str:
    number = q.name[1:].split("_")[0]
    if not q.codes:
        return f'{{"ImportId":"QID{number}_TEXT"}}'
    if "_" in q.name:
        return f'{{"ImportId":"QID{number}_{q.name.split("_")[1]}"}}'
    return f'{{"ImportId":"QID{number}"}}'


def _codes_yaml(q: Question, indent: str) -> list[str]:
    pairs = ", ".join(f'{code}: "{value}"' for value, code in q.codes.items())
    return [f"{indent}codes: {{{pairs}}}"]


def qualtrics_crosswalk() -> str:
    """The crosswalk of the Qualtrics example."""
    lines = [
        "# Crosswalk: the Qualtrics export of the example class survey",
        "# (class_survey_qualtrics.csv, synthetic) to the book's codebook. Import it with",
        "#   python -m helpers import data/examples/class_survey_qualtrics.csv \\",
        "#     --map data/examples/class_survey_qualtrics.yaml --out respondents.csv",
        "# Qualtrics leaves a cell blank both when a question was not answered and when the",
        "# survey flow did not show it: the codebook's skip logic tells which (NA where the",
        "# question was not asked, else NR), so no missing codes are listed.",
        "# There is no 'survey:' block: the class surveyed the study's countries in its year.",
        "# Nor does it say 'synthetic: true', so the book treats the data as it would a real",
        "# class's: no respondent-level rows, and counts under 5 suppressed.",
        "format: qualtrics",
        "variables:",
    ]
    lines += [f"  {_yaml_key(name)}: ignore  # Qualtrics metadata" for name, _, _ in METADATA]
    for q in QUALTRICS:
        lines.append(f"  {q.name}:  # {field(q.column).title}")
        lines.append(f"    to: {q.column}")
        if q.codes:
            lines += _codes_yaml(q, "    ")
    lines.append("  respondent_id:  # embedded data: the id each student was sent")
    lines.append("    to: respondent_id")
    lines.append("  data_note: ignore  # says the file is synthetic")
    return "\n".join(lines) + "\n"


def _yaml_key(name: str) -> str:
    return f'"{name}"' if " " in name or "(" in name else name


def spss_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict[float, str]]]:
    """Respondents as the SPSS example codes them, with its value labels."""
    text = encode(frame)
    data: dict[str, list[float]] = {}
    labels: dict[str, dict[float, str]] = {}
    for q in SPSS:
        f = field(q.column)
        column = text[q.column]
        if q.column == "age":
            column = pd.Series(
                [v if v in SPSS_MISSING else str(survey_year() - int(v)) for v in column]
            )
        data[q.name] = [
            float(SPSS_MISSING[v] if v in SPSS_MISSING else q.codes[v] if f.enum else int(v))
            for v in column
        ]
        named = {float(code): f.label(value) for value, code in q.codes.items()}
        if not f.required:
            named |= {float(SPSS_MISSING[k]): SPSS_MISSING_LABELS[k] for k in SPSS_MISSING}
        if named:
            labels[q.name] = named
    return pd.DataFrame(data), labels


def write_spss(frame: pd.DataFrame, path: Path) -> None:
    """Write the SPSS example (atomically, with a fixed creation date)."""
    import pyreadstat

    data, labels = spss_frame(frame)
    titles = {q.name: field(q.column).title for q in SPSS}
    titles["BIRTHYR"] = "Year of birth"
    missing = {name: sorted(float(c) for c in SPSS_MISSING.values()) for name in labels}
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pyreadstat.write_sav(
            data,
            str(tmp),
            file_label=SYNTHETIC_NOTE,
            column_labels=titles,
            variable_value_labels=labels,
            missing_ranges=missing,
            row_compress=True,
            variable_measure={q.name: "nominal" if q.codes else "scale" for q in SPSS},
        )
        raw = bytearray(tmp.read_bytes())
        raw[SAV_DATE_AT : SAV_DATE_AT + len(SAV_DATE)] = SAV_DATE
        tmp.write_bytes(bytes(raw))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def spss_crosswalk() -> str:
    """The crosswalk of the SPSS example."""
    lines = [
        "# Crosswalk: the SPSS example (study_spss.sav, synthetic) to the book's codebook.",
        "# Import it with",
        "#   python -m helpers import data/examples/study_spss.sav \\",
        "#     --map data/examples/study_spss.yaml --out respondents.csv",
        "format: spss",
        "missing:  # the file's user-missing codes",
        f"  NR: [{SPSS_MISSING[NO_ANSWER]}]  # {SPSS_MISSING_LABELS[NO_ANSWER]}",
        f"  NA: [{SPSS_MISSING[NOT_ASKED]}]  # {SPSS_MISSING_LABELS[NOT_ASKED]}",
        "variables:",
    ]
    for q in SPSS:
        lines.append(f"  {q.name}:")
        lines.append(f"    to: {q.column}")
        if q.column == "age":
            lines.append("    derive: age_from_birth_year  # age = survey year - year of birth")
        elif q.codes:
            lines += _codes_yaml(q, "    ")
    return "\n".join(lines) + "\n"


FILES = (
    "class_survey_qualtrics.csv",
    "class_survey_qualtrics.yaml",
    "study_spss.sav",
    "study_spss.yaml",
)


def write_examples(folder: Path | None = None) -> list[Path]:
    """Write every example export and its crosswalk into ``folder`` (``data/examples``)."""
    folder = folder or data_dir() / "examples"
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        _write_bytes(folder / FILES[0], qualtrics_text(class_survey()).encode("utf-8")),
        write_atomic(folder / FILES[1], qualtrics_crosswalk()),
    ]
    write_spss(generate(int(assumed("canonical_seed"))), folder / FILES[2])
    written += [folder / FILES[2], write_atomic(folder / FILES[3], spss_crosswalk())]
    return written


def _write_bytes(path: Path, data: bytes) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
