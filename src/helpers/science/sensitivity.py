"""E-values: how strong unmeasured confounding would have to be to explain an association.

VanderWeele and Ding (2017): for a risk ratio RR > 1, E = RR + sqrt(RR (RR - 1)); for RR < 1,
use 1/RR. The outcome here is common (most ICT users had contact outside work hours), so an
odds ratio is far from a risk ratio, and the square-root approximation (RR ≈ √OR) can give
risk ratios no population allows: a probability cannot exceed 1, so RR <= 1 / (reference
risk). Here every risk ratio comes from the model itself: standardised predicted
probabilities (everyone in the level against everyone in the reference, every other
covariate as the design has it), which never break that bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .audit import precision_ranges, z_for
from .simulation.population import Design, age_bins, cells, linear_predictors, term_names
from .simulation.precision import expected_se
from .spec import terms

PER_YEARS = 10
Z95 = z_for(0.05)
"""The 95% normal quantile, as the p < .05 brackets compute it (so a limit at .05 is 0)."""


def evalue(rr: float) -> float:
    """E-value of a risk ratio (point estimate or confidence limit)."""
    if not np.isfinite(rr) or rr <= 0:
        raise ValueError(f"a risk ratio must be positive, not {rr}")
    r = rr if rr >= 1 else 1 / rr
    return float(r + np.sqrt(r * (r - 1)))


def standardised_risks(
    design: Design, name: str, log_or: float | None = None, units: float = 1.0
) -> tuple[float, float]:
    """Expected risks of the outcome under the design if everyone were in the reference and
    if everyone were in the term's level (for a slope: ``units`` more), with the term's log
    odds ratio ``log_or`` (default: the design's)."""
    cs = cells(design)
    eta = linear_predictors(design, cs=cs)
    weight = age_bins(design)[1][cs.country, :, 0]
    names = term_names()
    beta = design.log_odds[name] if log_or is None else log_or
    t = next(t for t in terms() if t.name == name)
    if t.level:
        siblings = [
            j
            for j, n in enumerate(names)
            if n.startswith(f"{t.variable}[") and n in design.log_odds
        ]
        current = cs.base[:, siblings] @ np.array([design.log_odds[names[j]] for j in siblings])
        reference = eta - current[:, None]
        level = reference + beta
    else:
        reference, level = eta, eta + beta * units

    def risk(e: np.ndarray) -> float:
        return float(cs.prob @ (special.expit(e) * weight).sum(axis=1))

    return risk(reference), risk(level)


def _evalue_at_limit(design: Design, name: str, beta: float, limit: float, units: float) -> float:
    """The E-value of ``limit``, the 95% confidence limit nearer 1 of an estimate ``beta``
    (log odds ratios), through standardised risks; 1 when the interval reaches 1."""
    if np.sign(limit) != np.sign(beta):
        return 1.0
    q0, q1 = standardised_risks(design, name, log_or=limit, units=units)
    return evalue(q1 / q0)


def limits_allowed(row: pd.Series) -> tuple[float, float]:
    """The range of the 95% confidence limit nearer 1 (as ``|log OR|``; 0 or below means the
    interval reaches 1) over every estimate and standard error the published claim allows,
    from a row of :func:`audit.precision_ranges`.

    The limit is ``|b| - 1.96 SE = |b| (1 - 1.96 / z)`` with ``|b|`` in the printed odds
    ratio's rounding interval and ``z = |b| / SE`` in the bracket's z range. It grows with
    both, so it is least at the end of the rounding interval nearer 1 with the bracket's
    smallest z, and greatest at the far end with its largest z. Each end pairs a standard
    error with its own log odds ratio. For p < .001, whose z has no upper end, the greatest
    limit is only approached, as the standard error goes to 0: the far end itself, which the
    published sample sizes would rule out.

    Raises ValueError where these monotonicities fail: an odds ratio whose rounding
    interval holds 1, or a bracket that allows z below 1.96 (p of .05 or more).
    """
    or_low, or_high, z_low, z_high = (
        float(row[k]) for k in ("or_low", "or_high", "z_low", "z_high")
    )
    if or_low <= 1 <= or_high:
        raise ValueError(
            f"{row['id']}: the printed odds ratio rounds from values on both sides of 1"
        )
    if z_low < Z95:
        raise ValueError(f"{row['id']}: the bracket allows p of .05 or more (z below 1.96)")
    near, far = sorted(abs(float(np.log(v))) for v in (or_low, or_high))
    least = near * (1 - Z95 / z_low)
    greatest = far * (1 - Z95 / z_high) if np.isfinite(z_high) else far
    return least, greatest


def evalue_table(design: Design) -> pd.DataFrame:
    """E-values of each published odds ratio under the design, and of the 95% confidence
    limit nearer 1: the limit a survey of the design would give around it (expected SE;
    for the calibrated groups this follows from the calibration's target), and the range
    of limits the published odds ratio (within its rounding) and its p-value bracket allow
    (:func:`limits_allowed`).

    Per-year slopes (age, graduation year) are taken per ``PER_YEARS`` years, a contrast
    large enough to mean something in practice; their odds ratios per ten years are derived
    from the published per-year ones.
    """
    se = expected_se(design)
    allowed = precision_ranges().set_index("id")
    rows = []
    for t in terms():
        if not t.claim_id:
            continue
        units = 1.0 if t.level else float(PER_YEARS)
        beta = design.log_odds[t.name]
        p0, p1 = standardised_risks(design, t.name, units=units)
        rr = p1 / p0
        least, greatest = limits_allowed(allowed.loc[t.claim_id])
        sign = float(np.sign(beta))
        rows.append(
            {
                "term": t.name,
                "label": t.label,
                "contrast": f"per {PER_YEARS} years" if not t.level else "as labelled",
                "odds_ratio": float(np.exp(beta * units)),
                "reference_risk": p0,
                "level_risk": p1,
                "risk_ratio": rr,
                "sqrt_or": float(np.exp(beta * units / 2)),
                "max_risk_ratio": 1 / p0,
                "evalue": evalue(rr),
                "evalue_ci": _evalue_at_limit(
                    design, t.name, beta, beta - sign * Z95 * float(se[t.name]), units
                ),
                "evalue_ci_low": _evalue_at_limit(design, t.name, beta, sign * least, units),
                "evalue_ci_high": _evalue_at_limit(design, t.name, beta, sign * greatest, units),
            }
        )
    return pd.DataFrame(rows)
