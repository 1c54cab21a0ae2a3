"""What every chapter does first: parameters, display options, data, glue.

Chapters call :func:`setup` once, :func:`respondents` to get the data their parameters
ask for, :func:`glue_text` to hand pre-formatted numbers to the prose, and ``table``
(from :mod:`helpers.chapters.tables`) for numbered, captioned results tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .. import params
from ..science import privacy
from ..science.codebook import Survey, study, survey_for
from ..science.crosswalk import import_export
from ..science.dataio import DataFileError, read_respondents
from ..science.descriptive import comparability
from ..science.synth import generate
from . import figures
from .tables import table as table


def setup() -> None:
    """Chart renderer and theme, and table display options."""
    figures.setup()
    pd.set_option("display.max_colwidth", 400)
    pd.set_option("display.max_rows", 200)


def resolve_seed(seed: int | None) -> int:
    """The seed to use: the canonical one when ``seed`` is None."""
    params.check({"seed": seed})
    return params.canonical_seed() if seed is None else seed


def respondents(
    seed: int | None, data_file: str, countries: list[str] | None = None
) -> tuple[pd.DataFrame, str]:
    """The respondent data the parameters ask for, and a sentence saying what they are.

    A data file is read with its survey file (another year or other countries than the
    study's); unless that declares it synthetic, the privacy rules are switched on
    (:mod:`helpers.science.privacy`) and the sentence says so, and so does it say which published
    figures do not apply to another survey. With a ``countries`` subset, only those
    countries' respondents are kept; the default, the study's countries, means every
    country of the survey.
    """
    checked = {"seed": seed, "data_file": data_file}
    if countries is not None:
        checked["countries"] = countries
    params.check(checked)
    survey = study()
    if data_file and path_is_export(data_file):
        imported = import_export(params.data_path(data_file))
        frame, survey = imported.frame, imported.survey
        label = f"{_source(params.data_path(data_file), survey)} ({len(frame):,} respondents)"
    elif data_file:
        path = params.data_path(data_file)
        try:
            survey = survey_for(path)
        except ValueError as err:
            raise DataFileError(path, f"its survey file cannot be used ({err})") from None
        frame = read_respondents(path, survey)
        label = f"{_source(path, survey)} ({len(frame):,} respondents)"
    else:
        used = resolve_seed(seed)
        canonical = " (the canonical seed)" if used == params.canonical_seed() else ""
        frame = generate(used)
        label = f"synthetic respondents generated with seed {used}{canonical}"
    private = bool(data_file) and not survey.synthetic
    privacy.configure(private)
    if countries is not None and list(countries) == list(study().countries):
        countries = list(survey.countries)
    if countries is not None and set(countries) != set(frame["country"].dropna()):
        frame = frame[frame["country"].isin(countries)].reset_index(drop=True)
        label += f", restricted to {', '.join(countries)} ({len(frame):,} respondents)"
    label += comparability(survey)
    if private:
        label += (
            "; these data are not declared synthetic, so no respondent-level row is shown "
            f"and {privacy.NOTE}"
        )
    return frame, label


def path_is_export(data_file: str) -> bool:
    """Whether a data file is an SPSS or Stata export (read with no crosswalk: its variables
    and value labels must be the codebook's; others go through the build's import)."""
    return Path(data_file).suffix.lower() in params.EXPORTS


def _source(path: Path, survey: Survey) -> str:
    if survey.export:
        return (
            f"the survey export `{survey.export}` mapped onto the codebook by the crosswalk "
            f"`{survey.crosswalk}`"
            if survey.crosswalk
            else f"the survey export `{survey.export}`, read through its value labels"
        )
    return f"the respondent file `{path.name}`"


def parameters_note(**values: object) -> None:
    """Glue ``params_text``: the parameters that built this page."""
    glue_text(params_text=params.describe(values))


def glue_text(**values: str) -> None:
    """Glue pre-formatted strings for the prose (``{glue:text}`name` ``)."""
    from myst_nb import glue

    for name, text in values.items():
        if not isinstance(text, str):
            raise TypeError(f"glue '{name}': pre-format the value as a string")
        glue(name, text, display=False)


def percent(share: float) -> str:
    """A share as a reader would print it: whole percents, one decimal below 1%."""
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


def p_text(p: float) -> str:
    """A p-value as the book prints it: "p < .001", otherwise to three decimals."""
    return "p < .001" if p < 0.001 else f"p = {p:.3f}"


def chi2_text(statistic: float, df: float, p: float) -> str:
    """A chi-squared test as the book prints it: "χ² = 5.8 on 8 degrees of freedom,
    p = 0.674"."""
    return f"χ² = {statistic:,.1f} on {df:.0f} degrees of freedom, {p_text(p)}"


def listing(items: Iterable[str], empty: str = "none") -> str:
    """Items for a glued list, separated by semicolons; ``empty`` when there are none."""
    return "; ".join(items) or empty


def resolve_replications(replications: int) -> int:
    """Check the number of simulated surveys."""
    params.check({"replications": replications})
    return replications


def resolve_data_kind(data_file: str, data_kind: str | None) -> str:
    """What the data are (``synthetic``, ``study``, ``new_sample``, ``other_population``):
    synthetic without a data file; a data file must declare its kind."""
    return params.data_kind(data_file, data_kind)


_SHORT_KINDS = {
    "study": "the study's own respondents",
    "new_sample": "a new sample of the study's population",
    "other_population": "a different population",
}


def data_source(seed: int | None, data_file: str, data_kind: str) -> str:
    """A short phrase naming the respondents a result was computed from, for chart titles,
    table captions and the ledger: "synthetic respondents (seed 2017)", "class_survey.csv
    (a different population)"."""
    if data_kind == "synthetic":
        where = (
            f"file {params.data_path(data_file).name}"
            if data_file
            else f"seed {resolve_seed(seed)}"
        )
        return f"synthetic respondents ({where})"
    return f"{params.data_path(data_file).name} ({_SHORT_KINDS[data_kind]})"


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number_word(n: int) -> str:
    """A small count in words, as prose writes it ("two"); 10 and more in digits."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else f"{n:,}"


def count_phrase(n: int, one: str, many: str) -> str:
    """A count with words that agree with it: ``count_phrase(1, "does not", "do not")`` is
    "1 does not", with 2 it is "2 do not"."""
    return f"{n:,} {one if n == 1 else many}"
