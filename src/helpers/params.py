"""The book's parameters: names, defaults, checks, in one place.

Every notebook's ``parameters`` cell uses these names and :func:`defaults` (a test checks
each cell, ``notebooks/params/canonical.yaml`` and the command line against them). The
build (``python -m helpers.tools.build``) checks a whole parameters file before executing
anything, so a bad value fails at once with a message naming the parameter and what it
accepts; the command line and the simulation use the same checks.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .paths import project_root
from .science.codebook import Survey, study, survey_for
from .science.registry import country_sizes


class ParameterError(ValueError):
    """A parameter has a value it cannot take."""


def whole_number(name: str, value: Any, minimum: int) -> None:
    """The one check of a whole-number parameter (``seed``, ``replications``, a sample size)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(
            f"parameter '{name}' must be a whole number ≥ {minimum}; got {value!r}"
        )


def _seed(value: Any) -> None:
    if value is not None:
        try:
            whole_number("seed", value, 0)
        except ParameterError as err:
            raise ParameterError(f"{err}; or null for the canonical seed") from None


def _replications(value: Any) -> None:
    whole_number("replications", value, 1)


def _countries(value: Any, survey: Survey | None = None) -> None:
    allowed = list(dict.fromkeys([*country_sizes(), *(survey.countries if survey else ())]))
    if not isinstance(value, list) or not value:
        raise ParameterError(
            f"parameter 'countries' must be a non-empty list drawn from {', '.join(allowed)}; "
            f"got {value!r}"
        )
    unknown = [c for c in value if c not in allowed]
    if unknown:
        raise ParameterError(
            f"parameter 'countries': unknown {', '.join(map(repr, unknown))}; allowed values: "
            + ", ".join(allowed)
        )


def _data_file(value: Any) -> None:
    if not isinstance(value, str):
        raise ParameterError(f"parameter 'data_file' must be a path (text); got {value!r}")
    if value and not data_path(value).is_file():
        raise ParameterError(
            f"parameter 'data_file': no file {data_path(value)}; give a respondent CSV that "
            "follows data/datapackage.json, a survey export (.sav, .dta, Qualtrics CSV) with "
            "its crosswalk, or an empty string for synthetic data"
        )


DATA_KINDS: dict[str, str] = {
    "synthetic": "the book's own synthetic respondents, made by its generator",
    "study": "the study's own respondents",
    "new_sample": "a new sample of the study's population",
    "other_population": "respondents from a different population, such as a class",
}
"""What a respondent file can be (parameter ``data_kind``); the verdict rule depends on it."""


def _data_kind(value: Any) -> None:
    if value is not None and value not in DATA_KINDS:
        raise ParameterError(
            f"parameter 'data_kind' must be one of {', '.join(DATA_KINDS)}, or null for the "
            f"synthetic respondents; got {value!r}"
        )


def _crosswalk(value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ParameterError(
            f"parameter 'crosswalk' must be the path of a crosswalk (YAML); got {value!r}"
        )
    if not data_path(value).is_file():
        raise ParameterError(f"parameter 'crosswalk': no file {data_path(value)}")


def _publish(value: Any) -> None:
    if not isinstance(value, bool):
        raise ParameterError(f"parameter 'publish' must be true or false; got {value!r}")


CHECKS: dict[str, Callable[[Any], None]] = {
    "seed": _seed,
    "data_file": _data_file,
    "countries": _countries,
    "replications": _replications,
    "crosswalk": _crosswalk,
    "publish": _publish,
    "data_kind": _data_kind,
}
# Parameters of the build itself, which no chapter declares: the build imports the export
# named by data_file with its crosswalk, and the publish workflow reads publish.
BUILD_ONLY = ("crosswalk", "publish")
EXPORTS = (".sav", ".zsav", ".dta")


REPLICATIONS = 1000
"""Simulated surveys of the published design, by default."""


def defaults() -> dict[str, Any]:
    """Every chapter parameter at its default: the canonical book. ``seed`` None means the
    canonical seed of ``data/assumptions.yaml`` (:func:`canonical_seed`)."""
    return {
        "seed": None,
        "data_file": "",
        "data_kind": None,
        "countries": list(country_sizes()),
        "replications": REPLICATIONS,
    }


def canonical_seed() -> int:
    """The seed a ``seed`` of None stands for, chosen once (``data/assumptions.yaml``)."""
    from .science.assumptions import value

    return int(value("canonical_seed"))


def from_text(name: str, minimum: int) -> Callable[[str], int]:
    """A command-line type for a whole-number parameter, checked by :func:`whole_number`:
    the error names the parameter and what it accepts."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = text  # type: ignore[assignment]  # reported as not a whole number
        try:
            whole_number(name, number, minimum)
        except ParameterError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        return number

    return parse


def data_path(value: str) -> Path:
    """A data file parameter as a path: relative paths are relative to the project."""
    path = Path(value)
    return path if path.is_absolute() else project_root() / path


def check(params: dict[str, Any]) -> None:
    """Check parameter names and values; raise :class:`ParameterError` on the first bad one."""
    unknown = sorted(set(params) - set(CHECKS))
    if unknown:
        raise ParameterError(
            f"unknown parameter {', '.join(map(repr, unknown))}; the book takes "
            + ", ".join(CHECKS)
        )
    for name, value in params.items():
        if name != "countries":
            CHECKS[name](value)
    if "crosswalk" in params and not params.get("data_file"):
        raise ParameterError("parameter 'crosswalk' needs 'data_file': the export it maps")
    if "countries" in params:
        _countries(params["countries"], survey_of(params))


def needs_import(params: dict[str, Any]) -> bool:
    """Whether the data file is an export that the build maps onto the codebook first."""
    data_file = params.get("data_file") or ""
    return bool(params.get("crosswalk")) or Path(data_file).suffix.lower() in EXPORTS


def survey_of(params: dict[str, Any]) -> Survey:
    """The survey the parameters' data come from: the crosswalk's survey block, the survey
    file beside the data file, or the study (synthetic data)."""
    data_file = params.get("data_file") or ""
    try:
        if params.get("crosswalk"):
            from .science.crosswalk import survey_of as crosswalk_survey

            return crosswalk_survey(data_path(params["crosswalk"]))
        if data_file and not needs_import(params):
            return survey_for(data_path(data_file))
    except ValueError as err:
        raise ParameterError(f"parameter 'data_file': {err}") from None
    return study()


def synthetic(params: dict[str, Any]) -> bool:
    """Whether the book's data are synthetic: generated, or a file its survey declares so."""
    return not params.get("data_file") or survey_of(params).synthetic


def check_publication(params: dict[str, Any]) -> None:
    """Refuse to publish a book built from data that are not synthetic unless the parameter
    file says ``publish: true``."""
    check(params)
    if not synthetic(params) and params.get("publish") is not True:
        raise ParameterError(
            f"the book is built from {params['data_file']}, which is not declared synthetic: "
            "it may be published only if its parameter file says 'publish: true' (and you "
            "may publish what the book shows of these respondents)"
        )


def data_kind(data_file: str, kind: str | None) -> str:
    """What the data are (a key of :data:`DATA_KINDS`): ``synthetic`` when no data file is
    given; a data file must say what it holds, since the verdicts depend on it."""
    _data_kind(kind)
    if kind is None and not data_file:
        return "synthetic"
    if kind is None:
        raise ParameterError(
            f"parameter 'data_kind': the data file {data_file} needs its kind declared, since "
            "what a match can show depends on it: study (the study's own respondents: counts "
            "should match exactly), new_sample (a new sample of the same population: "
            "percentages judged by their sampling error) or other_population (a different "
            "population, such as a class: comparisons are descriptive only)"
        )
    if kind != "synthetic" and not data_file:
        raise ParameterError(
            f"parameter 'data_kind' is {kind!r}, but no data_file is given: without one the "
            "book uses its synthetic respondents (data_kind: null or synthetic)"
        )
    return kind


def check_file(params: dict[str, Any]) -> None:
    """Check a whole parameter file: every name and value (:func:`check`), and that
    ``data_kind`` fits ``data_file``."""
    check(params)
    data_kind(params.get("data_file") or "", params.get("data_kind"))


def describe(params: dict[str, Any]) -> str:
    """The parameters as one line for the page (``seed = 2017; countries = Canada``)."""
    shown = []
    for name, value in params.items():
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        elif value is None:
            value = "canonical"
        elif value == "":
            value = "(none: synthetic data)"
        shown.append(f"{name} = {value}")
    return "; ".join(shown)
