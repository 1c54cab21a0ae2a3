"""E-values: how strong unmeasured confounding would have to be to explain an association.

VanderWeele and Ding (2017): for a risk ratio RR > 1, E = RR + sqrt(RR (RR - 1)); for RR < 1,
use 1/RR. The outcome here is common (most ICT users had contact outside work hours), so an
odds ratio is far from a risk ratio; the stated approximation for a common outcome
(prevalence above 15%) is RR ≈ sqrt(OR).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import terms

PER_YEARS = 10
COMMON_OUTCOME = 0.15


def evalue(rr: float) -> float:
    """E-value of a risk ratio (point estimate or confidence limit)."""
    if not np.isfinite(rr) or rr <= 0:
        raise ValueError(f"a risk ratio must be positive, not {rr}")
    r = rr if rr >= 1 else 1 / rr
    return float(r + np.sqrt(r * (r - 1)))


def rr_from_or(odds_ratio: float, prevalence: float) -> float:
    """Risk ratio from an odds ratio: square root for a common outcome, else the OR itself."""
    return float(np.sqrt(odds_ratio)) if prevalence > COMMON_OUTCOME else float(odds_ratio)


def evalue_table(coefficients: pd.DataFrame, prevalence: float) -> pd.DataFrame:
    """E-values of each published odds ratio, and of the replicated CI limit nearer 1.

    Per-year slopes (age, graduation year) are taken per ``PER_YEARS`` years, a contrast
    large enough to mean something in practice.
    """
    units = {t.name: (PER_YEARS if not t.level else 1) for t in terms()}
    rows = []
    for _, row in coefficients.iterrows():
        if row["provenance"] != "published":
            continue
        k = units[row["term"]]
        published = float(row["published_or"]) ** k
        lo, hi = row.get("ci_low"), row.get("ci_high")
        if lo is None or pd.isna(lo):
            limit = float("nan")
        elif lo**k > 1:
            limit = float(lo) ** k
        elif hi**k < 1:
            limit = float(hi) ** k
        else:
            limit = 1.0
        rows.append(
            {
                "term": row["term"],
                "contrast": f"per {k} years" if k > 1 else "vs reference",
                "published_or": published,
                "approx_rr": rr_from_or(published, prevalence),
                "evalue": evalue(rr_from_or(published, prevalence)),
                "evalue_ci": evalue(rr_from_or(limit, prevalence))
                if np.isfinite(limit)
                else np.nan,
            }
        )
    return pd.DataFrame(rows)
