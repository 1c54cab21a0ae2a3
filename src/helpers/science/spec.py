"""The published regression model: its terms, reference categories and true coefficients."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from .assumptions import value as assumed
from .codebook import field
from .registry import odds_ratio_claims

OUTCOME = "outside_hours"
CATEGORICAL = ("country", "role", "setting")
CONTINUOUS = ("graduation_year", "age")


@dataclass(frozen=True)
class Term:
    """One coefficient of the model: a category contrast or a per-unit slope."""

    name: str
    variable: str
    level: str
    odds_ratio: float
    provenance: str
    claim_id: str = ""

    @property
    def log_odds(self) -> float:
        return float(np.log(self.odds_ratio))

    @property
    def label(self) -> str:
        """The term as a reader would say it: "Private practice (vs social service
        agency)", "Graduation year (per year)"; formula names stay in code and CSV files."""
        return term_label(self.name)


def term_label(name: str) -> str:
    """A model term's name (``setting[private_practice]``, ``age``, ``Intercept``) as a
    reader would say it."""
    if name == "Intercept":
        return "Intercept (baseline log odds)"
    if "[" not in name:
        return f"{field(name).title} (per year)"
    variable, level = name.rstrip("]").split("[", 1)
    f = field(variable)
    reference = references()[variable]
    against = {"country": f.label(reference), "role": "other roles"}.get(
        variable, f.label(reference).lower()
    )
    return f"{f.label(level)} (vs {against})"


def references() -> dict[str, str]:
    """The reference category of each categorical covariate, from the registry."""
    return {c.variable: c.reference for c in odds_ratio_claims() if c.reference}


def terms() -> list[Term]:
    """The model's terms: the ten published odds ratios plus the assumed 'other setting'."""
    return list(_terms())


@cache
def _terms() -> tuple[Term, ...]:
    """:func:`terms`, built once from the (cached) registry and assumptions."""
    out = [
        Term(
            name=f"{c.variable}[{c.counts[0]}]" if c.counts else c.variable,
            variable=c.variable,
            level=c.counts[0] if c.counts else "",
            odds_ratio=float(c.odds_ratio or 1.0),
            provenance="published",
            claim_id=c.id,
        )
        for c in odds_ratio_claims()
    ]
    out.append(
        Term(
            name="setting[other]",
            variable="setting",
            level="other",
            odds_ratio=float(assumed("other_setting_odds_ratio")),
            provenance="assumed",
        )
    )
    return tuple(out)


def linear_predictor(frame: pd.DataFrame) -> np.ndarray:
    """Sum of true log odds ratios times covariates (no intercept), one value per row.

    Continuous covariates enter centred at their sample means, which changes only the
    intercept.
    """
    eta = np.zeros(len(frame))
    for t in terms():
        column = frame[t.variable]
        if t.level:
            eta += t.log_odds * (column == t.level).to_numpy(dtype=float)
        else:
            x = pd.to_numeric(column).to_numpy(dtype=float)
            eta += t.log_odds * (x - x.mean())
    return eta
