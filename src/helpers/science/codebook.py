"""The codebook: a Frictionless Data Package describing one respondent-level file.

``data/datapackage.json`` is the single definition of every variable: its type, allowed
values, missing-value codes and skip logic (``askedIf``: who is asked the question).

It describes the 2017 study. Another survey run with the same questions (a class's own, in
another year or country) keeps that codebook and overrides only what sets it apart, with a
small YAML file beside its respondent file (:class:`Survey`): ``class.csv`` is described by
``class.survey.yaml``::

    title: Class survey, spring 2026
    year: 2026            # the survey year: ages and graduation years refer to it
    countries: [Germany]  # the countries respondents may practise in
    synthetic: false      # true only for generated data (respondent rows may be shown)

The study's codebook itself is never edited.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..paths import data_dir

if TYPE_CHECKING:
    import pandas as pd

NO_ANSWER = "NR"
NOT_ASKED = "NA"


@dataclass(frozen=True)
class Field:
    """One variable of the respondent file."""

    name: str
    title: str
    description: str
    type: str
    required: bool
    enum: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    unique: bool = False
    asked_if: tuple[str, str] | None = None

    def label(self, value: str) -> str:
        """The human label of a category value."""
        return dict(self.labels).get(value, value)


@cache
def package() -> dict[str, Any]:
    """The raw Data Package descriptor."""
    return json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))


def schema() -> dict[str, Any]:
    """The Table Schema of the respondents resource."""
    return package()["resources"][0]["schema"]


@dataclass(frozen=True)
class Survey:
    """The survey a respondent file comes from: the 2017 study, or another survey that
    overrides the study's year and countries (everything else is the study's codebook)."""

    year: int
    countries: tuple[str, ...]
    synthetic: bool = False
    title: str = ""
    source: str = ""  # the override file; '' for the study itself
    export: str = ""  # the export the file was imported from, if it was
    crosswalk: str = ""  # and the crosswalk that mapped it

    def differs_from_study(self) -> bool:
        """Whether this survey's year or countries are not the study's."""
        s = study()
        return self.year != s.year or set(self.countries) != set(s.countries)


class SurveyError(ValueError):
    """A survey override file cannot be used; the message names the file and the key."""


SURVEY_KEYS = ("title", "year", "countries", "synthetic", "imported_from")


def study() -> Survey:
    """The 2017 study, as its codebook describes it."""
    return Survey(
        year=survey_year(), countries=tuple(_study_field("country")["constraints"]["enum"])
    )


def _study_field(name: str) -> dict[str, Any]:
    return next(f for f in schema()["fields"] if f["name"] == name)


def survey_path(data_file: str | Path) -> Path:
    """Where the survey override of a respondent file lives: ``x.csv`` → ``x.survey.yaml``."""
    path = Path(data_file)
    return path.with_name(f"{path.stem}.survey.yaml")


def survey_from(values: Any, source: str) -> Survey:
    """A survey from a mapping (an override file's contents, or a crosswalk's ``survey``
    block), checked key by key; ``source`` names where it comes from in messages."""
    if not isinstance(values, dict):
        raise SurveyError(f"{source}: expected 'name: value' lines ({', '.join(SURVEY_KEYS)})")
    unknown = [k for k in values if k not in SURVEY_KEYS]
    if unknown:
        raise SurveyError(
            f"{source}: unknown key {', '.join(map(repr, unknown))}; a survey override takes "
            + ", ".join(SURVEY_KEYS)
        )
    base = study()
    year = values.get("year", base.year)
    if isinstance(year, bool) or not isinstance(year, int) or not 1945 <= year <= 2100:
        raise SurveyError(f"{source}: 'year' must be the survey's year (1945-2100); got {year!r}")
    countries = values.get("countries", list(base.countries))
    if (
        not isinstance(countries, list)
        or not countries
        or not all(isinstance(c, str) and c.strip() for c in countries)
        or len(set(countries)) != len(countries)
    ):
        raise SurveyError(
            f"{source}: 'countries' must be a list of country names, each once; got {countries!r}"
        )
    synthetic = values.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise SurveyError(f"{source}: 'synthetic' must be true or false; got {synthetic!r}")
    imported = values.get("imported_from", {}) or {}
    if not isinstance(imported, dict) or set(imported) - {"export", "crosswalk"}:
        raise SurveyError(f"{source}: 'imported_from' takes 'export' and 'crosswalk'")
    return Survey(
        year=year,
        countries=tuple(countries),
        synthetic=synthetic,
        title=str(values.get("title", "")),
        source=source,
        export=str(imported.get("export", "")),
        crosswalk=str(imported.get("crosswalk", "")),
    )


def load_survey(path: str | Path) -> Survey:
    """Read a survey override file (YAML)."""
    path = Path(path)
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise SurveyError(f"{path}: cannot be read ({err})") from None
    except yaml.YAMLError as err:
        raise SurveyError(f"{path}: not valid YAML ({err})") from None
    return survey_from(values or {}, str(path))


def survey_for(data_file: str | Path) -> Survey:
    """The survey of a respondent file: its override beside it, or else the study."""
    path = survey_path(data_file)
    return load_survey(path) if path.is_file() else study()


def survey_text(survey: Survey) -> str:
    """A survey as the override file that describes it."""
    values: dict[str, Any] = {}
    if survey.title:
        values["title"] = survey.title
    values.update(year=survey.year, countries=list(survey.countries), synthetic=survey.synthetic)
    if survey.export:
        values["imported_from"] = {"export": survey.export, "crosswalk": survey.crosswalk}
    header = (
        "# What sets this survey apart from the 2017 study's codebook (data/datapackage.json).\n"
        "# Written by 'python -m helpers import'; read by 'validate' and by the book.\n"
    )
    return header + yaml.safe_dump(values, sort_keys=False, allow_unicode=True)


def survey_schema(survey: Survey | None = None) -> dict[str, Any]:
    """The Table Schema of a survey: the study's, with its year and countries overridden."""
    out = copy.deepcopy(schema())
    if survey is None or not survey.differs_from_study():
        return out
    out["surveyYear"] = survey.year
    for f in out["fields"]:
        if f["name"] == "country":
            f["constraints"]["enum"] = list(survey.countries)
            f["categories"] = [{"value": c, "label": c} for c in survey.countries]
        elif f["name"] == "graduation_year":
            f["constraints"]["maximum"] = survey.year
    return out


@cache
def fields(survey: Survey | None = None) -> tuple[Field, ...]:
    """Every field, in file order: the study's, or those of a survey that overrides it."""
    out = []
    for f in survey_schema(survey)["fields"]:
        cons = f.get("constraints", {})
        asked = f.get("askedIf")
        out.append(
            Field(
                name=f["name"],
                title=f["title"],
                description=f["description"],
                type=f["type"],
                required=bool(cons.get("required", False)),
                enum=tuple(cons.get("enum", ())),
                labels=tuple((c["value"], c["label"]) for c in f.get("categories", ())),
                minimum=cons.get("minimum"),
                maximum=cons.get("maximum"),
                unique=bool(cons.get("unique", False)),
                asked_if=(asked["field"], asked["equals"]) if asked else None,
            )
        )
    return tuple(out)


def field(name: str) -> Field:
    """One field by name."""
    for f in fields():
        if f.name == name:
            return f
    raise KeyError(f"no field {name!r} in the codebook")


def names() -> list[str]:
    """The column names, in file order."""
    return [f.name for f in fields()]


def survey_year() -> int:
    """The year the study ran (its ages and graduation years refer to it); another survey's
    year is its :class:`Survey`'s."""
    return int(schema()["surveyYear"])


def minimum_age_at_graduation() -> int:
    """The youngest plausible age at the qualifying degree."""
    return int(schema()["minimumAgeAtGraduation"])


def table() -> pd.DataFrame:
    """The codebook as a table for the book: each question as a reader names it, then the
    file's column name (shown as code), its meaning, values, who is asked and missing codes."""
    import pandas as pd  # here only: a build with nothing to do reads the codebook, not this

    rows = []
    for f in fields():
        if f.enum:
            allowed = "; ".join(f"{v} ({lab})" for v, lab in f.labels)
        else:
            allowed = (
                f"{f.type} from {f.minimum} to {f.maximum}"
                if f.maximum
                else f"{f.type} ≥ {f.minimum}"
            )
        asked = "everyone"
        if f.asked_if:
            parent = field(f.asked_if[0])
            answer = dict(parent.labels).get(f.asked_if[1], f.asked_if[1])
            asked = f"those answering '{answer}' to '{parent.title}'"
        missing = (
            "none allowed" if f.required else f"{NO_ANSWER} (no answer); {NOT_ASKED} (not asked)"
        )
        rows.append(
            {
                "question": f.title,
                "column in the file": f.name,
                "meaning": f.description,
                "allowed values": allowed,
                "asked of": asked,
                "missing codes": missing if f.asked_if else missing.split(";")[0],
            }
        )
    return pd.DataFrame(rows)
