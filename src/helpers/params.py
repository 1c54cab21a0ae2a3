"""The book's parameters: names, defaults, checks.

Every notebook's ``parameters`` cell uses these names; ``python -m helpers.build`` checks a
whole parameters file against them before executing anything, so a bad value fails at once
with a message naming the parameter and what it accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .paths import project_root
from .registry import country_sizes


class ParameterError(ValueError):
    """A parameter has a value it cannot take."""


def _seed(value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ParameterError(
            f"parameter 'seed' must be a whole number ≥ 0, or null for the canonical seed; "
            f"got {value!r}"
        )


def _replications(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"parameter 'replications' must be a whole number ≥ 1; got {value!r}")


def _countries(value: Any) -> None:
    allowed = list(country_sizes())
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
            "follows data/datapackage.json, or an empty string for synthetic data"
        )


CHECKS: dict[str, Callable[[Any], None]] = {
    "seed": _seed,
    "data_file": _data_file,
    "countries": _countries,
    "replications": _replications,
}


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
        CHECKS[name](value)


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
