"""The codebook: a Frictionless Data Package describing one respondent-level file.

``data/datapackage.json`` is the single definition of every variable: its type, allowed
values, missing-value codes and skip logic (``askedIf``: who is asked the question).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from .paths import data_dir

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


@cache
def fields() -> tuple[Field, ...]:
    """Every field, in file order."""
    out = []
    for f in schema()["fields"]:
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
    """The year the survey ran (ages and graduation years refer to it)."""
    return int(schema()["surveyYear"])


def minimum_age_at_graduation() -> int:
    """The youngest plausible age at the qualifying degree."""
    return int(schema()["minimumAgeAtGraduation"])


def table() -> pd.DataFrame:
    """The codebook as a table for the book."""
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
        asked = f"{f.asked_if[0]} = {f.asked_if[1]}" if f.asked_if else "everyone"
        missing = (
            "none allowed" if f.required else f"{NO_ANSWER} (no answer); {NOT_ASKED} (not asked)"
        )
        rows.append(
            {
                "variable": f.name,
                "meaning": f.description,
                "allowed values": allowed,
                "asked of": asked,
                "missing codes": missing if f.asked_if else missing.split(";")[0],
            }
        )
    return pd.DataFrame(rows)
