"""Data a class can download: synthetic respondents as CSV, SPSS ``.sav`` and Stata ``.dta``.

:func:`write` writes, for the synthetic respondents of the canonical seed and for the
example class survey (``data/examples/class_survey.csv``, itself synthetic):

- ``NAME.csv``: the book's own respondent file (codebook values, ``NR`` for no answer,
  ``NA`` for not asked), which ``python -m helpers validate`` accepts;
- ``NAME.sav`` (SPSS) and ``NAME.dta`` (Stata): the same respondents with numeric codes
  1, 2, ... in codebook order and the codebook's labels as value labels, the codebook's
  titles as variable labels; no answer and not asked are user-missing values in SPSS
  (-99 and -98, labelled) and extended missing values in Stata (``.a`` no answer, ``.b`` not
  asked);

and the codebook, as ``codebook.csv`` (one row per variable, with the codes the SPSS and
Stata files use) and as ``datapackage.json`` (the Frictionless Data Package, describing
both CSV files). Every file says it is synthetic: in its name, in its file label (SPSS,
Stata), in each variable label and in the Data Package's title. The build copies them into
the site (``data/`` at its top) and the data page links them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..paths import data_dir
from ..science.assumptions import value as assumed
from ..science.codebook import NO_ANSWER, NOT_ASKED, fields, package
from ..science.dataio import encode, read_respondents, to_csv_text, write_atomic
from ..science.synth import generate

SYNTHETIC = "SYNTHETIC"
SPSS_MISSING = {NO_ANSWER: -99, NOT_ASKED: -98}
STATA_MISSING = {NO_ANSWER: "a", NOT_ASKED: "b"}
MISSING_LABELS = {NO_ANSWER: "No answer", NOT_ASKED: "Not asked (skip logic)"}
CLASS_SURVEY = Path("examples") / "class_survey.csv"
CODEBOOK_FILES = ("codebook.csv", "datapackage.json")
FORMATS = ("csv", "sav", "dta")
SAV_DATE_AT, SAV_DATE = 92, b"01 Jan 17" + b"00:00:00"
"""Where an SPSS file's header keeps the day and time it was written: set to the survey's
year, so that the same respondents give the same bytes on every build."""
STATA_DATE = b"01 Jan 2017 00:00"
"""The time stamp in a Stata file's header, fixed for the same reason."""


def datasets() -> dict[str, tuple[pd.DataFrame, str, str]]:
    """Each downloadable data set by file name (without extension), with a short label (the
    SPSS and Stata file label) and a description."""
    seed = int(assumed("canonical_seed"))
    respondents = generate(seed)
    survey = read_respondents(data_dir() / CLASS_SURVEY)
    return {
        f"synthetic_respondents_seed{seed}": (
            respondents,
            f"{SYNTHETIC} respondents, seed {seed}: not the survey's real data",
            f"{SYNTHETIC} respondents of seed {seed} ({len(respondents):,}), made to reproduce "
            "the published counts: not the survey's real data",
        ),
        "class_survey_synthetic": (
            survey,
            f"{SYNTHETIC} class survey: no real respondent",
            f"{SYNTHETIC} class survey ({len(survey):,} respondents sampled from synthetic "
            "data) standing in for a class's own: no real respondent",
        ),
    }


def variable_label(title: str) -> str:
    """A variable label that says the data are synthetic (at most 80 characters, Stata)."""
    return f"{title} [synthetic]"[:80]


def coded(frame: pd.DataFrame, missing: dict[str, object]) -> pd.DataFrame:
    """The respondents with numeric codes (1, 2, ... in codebook order) for categories and
    ``missing[code]`` for no answer and not asked."""
    text = encode(frame)
    out = {}
    for f in fields():
        codes = {v: i for i, v in enumerate(f.enum, start=1)}
        out[f.name] = [
            missing[v] if v in missing else codes[v] if f.enum else int(v) for v in text[f.name]
        ]
    return pd.DataFrame(out)


def value_labels(with_missing: bool) -> dict[str, dict[int, str]]:
    """Value labels of every categorical variable (and of the SPSS missing codes)."""
    out: dict[str, dict[int, str]] = {}
    for f in fields():
        labels = {i: f.label(v) for i, v in enumerate(f.enum, start=1)}
        if with_missing and not f.required:
            labels |= {SPSS_MISSING[k]: MISSING_LABELS[k] for k in SPSS_MISSING}
        if labels:
            out[f.name] = labels
    return out


def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def _fix_bytes(path: Path, at: int, stamp: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[at : at + len(stamp)] = stamp
    path.write_bytes(bytes(raw))


def write_sav(frame: pd.DataFrame, path: Path, label: str, description: str) -> Path:
    """The respondents as an SPSS file (see the module's description)."""
    import pyreadstat

    data = coded(frame, SPSS_MISSING)
    optional = [f.name for f in fields() if not f.required]

    def write(tmp: Path) -> None:
        pyreadstat.write_sav(
            data,
            str(tmp),
            file_label=label[:64],
            note=textwrap.wrap(description, 80),
            column_labels={f.name: variable_label(f.title) for f in fields()},
            variable_value_labels=value_labels(with_missing=True),
            missing_ranges={name: sorted(SPSS_MISSING.values()) for name in optional},
            variable_measure={f.name: "nominal" if f.enum else "scale" for f in fields()},
        )
        _fix_bytes(tmp, SAV_DATE_AT, SAV_DATE)

    return _atomic(path, write)


def write_dta(frame: pd.DataFrame, path: Path, label: str) -> Path:
    """The respondents as a Stata file (see the module's description)."""
    import pyreadstat

    data = coded(frame, STATA_MISSING).astype(object)
    optional = [f.name for f in fields() if not f.required]

    def write(tmp: Path) -> None:
        pyreadstat.write_dta(
            data,
            str(tmp),
            file_label=label[:80],
            column_labels={f.name: variable_label(f.title) for f in fields()},
            variable_value_labels=value_labels(with_missing=False),
            missing_user_values={name: sorted(STATA_MISSING.values()) for name in optional},
        )
        raw = tmp.read_bytes()
        at = raw.find(b"<timestamp>")
        if at >= 0:
            _fix_bytes(tmp, at + len(b"<timestamp>") + 1, STATA_DATE)

    return _atomic(path, write)


def codebook_text() -> str:
    """The codebook as one CSV row per variable, with the codes of the SPSS and Stata files."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["variable", "label", "meaning", "values (CSV)", "codes (SPSS, Stata)", "asked of",
         "no answer (CSV; SPSS; Stata)", "not asked (CSV; SPSS; Stata)"]
    )  # fmt: skip
    for f in fields():
        values = "; ".join(f"{v} = {lab}" for v, lab in f.labels) or (
            f"whole number from {f.minimum}" + (f" to {f.maximum}" if f.maximum else "")
        )
        codes = "; ".join(f"{i} = {lab}" for i, (_, lab) in enumerate(f.labels, start=1))
        asked = f"{f.asked_if[0]} = {f.asked_if[1]}" if f.asked_if else "everyone"
        no_answer = (
            ""
            if f.required
            else f"{NO_ANSWER}; {SPSS_MISSING[NO_ANSWER]}; .{STATA_MISSING[NO_ANSWER]}"
        )
        not_asked = (
            f"{NOT_ASKED}; {SPSS_MISSING[NOT_ASKED]}; .{STATA_MISSING[NOT_ASKED]}"
            if f.asked_if
            else ""
        )
        writer.writerow(
            [f.name, variable_label(f.title), f.description, values, codes or "as in the CSV",
             asked, no_answer, not_asked]
        )  # fmt: skip
    return out.getvalue()


def datapackage_text(names: dict[str, str]) -> str:
    """The codebook's Data Package describing each downloadable CSV file, marked synthetic."""
    pkg = json.loads(json.dumps(package()))
    template = pkg["resources"][0]
    pkg["title"] = f"{SYNTHETIC}: {pkg['title']}"
    pkg["description"] = (
        "Synthetic respondent-level files that follow the codebook of the 2017 #socialwork "
        "survey replication. They are made by the book's generator, not collected: no row is "
        "a real respondent."
    )
    resources = []
    for stem, description in names.items():
        resource = json.loads(json.dumps(template))
        resource.update(name=stem.replace("_", "-"), path=f"{stem}.csv", description=description)
        resources.append(resource)
    pkg["resources"] = resources
    return json.dumps(pkg, indent=2, ensure_ascii=False) + "\n"


def files() -> list[str]:
    """The names of every file :func:`write` writes."""
    return [f"{stem}.{ext}" for stem in datasets() for ext in FORMATS] + list(CODEBOOK_FILES)


def write(folder: Path) -> list[Path]:
    """Write every downloadable file into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    described = {}
    for stem, (frame, label, description) in datasets().items():
        written.append(write_atomic(folder / f"{stem}.csv", to_csv_text(frame)))
        written.append(write_sav(frame, folder / f"{stem}.sav", label, description))
        written.append(write_dta(frame, folder / f"{stem}.dta", label))
        described[stem] = description
    written.append(write_atomic(folder / CODEBOOK_FILES[0], codebook_text()))
    written.append(write_atomic(folder / CODEBOOK_FILES[1], datapackage_text(described)))
    return written


FORMAT_NAMES = {"csv": "CSV", "sav": "SPSS", "dta": "Stata"}


def page_text(folder: str = "_generated/data") -> str:
    """A Markdown table of the downloads (``{download}`` links to files under ``folder``,
    relative to the page that includes it)."""
    lines = ["| Data set | What it is | Files |", "| --- | --- | --- |"]
    for stem, (_, _, description) in datasets().items():
        links = ", ".join(
            f"{{download}}`{FORMAT_NAMES[ext]} <{folder}/{stem}.{ext}>`" for ext in FORMATS
        )
        lines.append(f"| `{stem}` | {description} | {links} |")
    codebook = ", ".join(f"{{download}}`{name} <{folder}/{name}>`" for name in CODEBOOK_FILES)
    lines.append(f"| codebook | the variables of both files, with their codes | {codebook} |")
    return "\n".join(lines) + "\n"
