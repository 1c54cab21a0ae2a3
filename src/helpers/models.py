"""The published logistic regression, fitted with statsmodels (formula API, Treatment coding).

Outcome: contact with clients through ICT outside work hours (asked of ICT users). Covariates:
country (reference Canada), role (reference: other roles), practice setting (reference:
social service agency; settings other than the five named enter as their own category,
``setting[other]``), graduation year and age (per year).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from .registry import claims
from .spec import CATEGORICAL, CONTINUOUS, OUTCOME, Term, references, terms

Z95 = float(stats.norm.ppf(0.975))


@dataclass
class ModelFit:
    """A fitted published model, with what was dropped and why."""

    result: object
    data: pd.DataFrame
    formula: str
    dropped: dict[str, str]

    @property
    def n(self) -> int:
        return int(self.result.nobs)

    @property
    def events(self) -> int:
        return int(self.data["y"].sum())


def model_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that answered the outcome and have every covariate, with ``y`` = 1 for yes."""
    cols = [OUTCOME, *CATEGORICAL, *CONTINUOUS]
    data = frame[cols].dropna()
    out = pd.DataFrame({"y": (data[OUTCOME] == "yes").astype(int)}, index=data.index)
    for var in CATEGORICAL:
        out[var] = data[var].astype(str)
    for var in CONTINUOUS:
        out[var] = data[var].astype(float)
    return out


def formula_for(
    data: pd.DataFrame, refs: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """The model formula for these rows, dropping covariates the rows make constant.

    ``refs`` overrides reference categories (``{"setting": "other_settings"}``); the others
    stay the published ones.
    """
    refs = {**references(), **(refs or {})}
    parts, dropped = [], {}
    for var in CATEGORICAL:
        levels = set(data[var])
        if len(levels) < 2:
            dropped[var] = f"only one {var} ({next(iter(levels))}) in these data"
        elif refs[var] not in levels:
            dropped[var] = f"the reference {var} ({refs[var]}) is absent from these data"
        else:
            parts.append(f"C({var}, Treatment('{refs[var]}'))")
    for var in CONTINUOUS:
        if data[var].nunique() < 2:
            dropped[var] = f"{var} is constant in these data"
        else:
            parts.append(var)
    return "y ~ " + " + ".join(parts or ["1"]), dropped


_PATSY = re.compile(r"C\((\w+), Treatment\('[^']*'\)\)\[T\.(.+)\]")


def term_name(patsy_name: str) -> str:
    """Our term name (``setting[hospital]``) for a statsmodels/patsy coefficient name."""
    m = _PATSY.fullmatch(patsy_name)
    return f"{m.group(1)}[{m.group(2)}]" if m else patsy_name


def fit(frame: pd.DataFrame) -> ModelFit:
    """Fit the published model to respondent-level data."""
    data = model_frame(frame)
    formula, dropped = formula_for(data)
    result = smf.logit(formula, data).fit(disp=0, maxiter=100)
    return ModelFit(result=result, data=data, formula=formula, dropped=dropped)


def p_bracket(p_bound: float) -> str:
    """The published p-value bound as text: ``p < .05``."""
    return "p < " + f"{p_bound:.3f}".rstrip("0").lstrip("0")


def coefficient_table(model: ModelFit) -> pd.DataFrame:
    """One row per published (or assumed) term: replicated OR, 95% CI and p beside the
    published OR and p bound."""
    res = model.result
    params = {term_name(k): v for k, v in res.params.items()}
    bse = {term_name(k): v for k, v in res.bse.items()}
    pvalues = {term_name(k): v for k, v in res.pvalues.items()}
    rows = []
    for t in terms():
        c = claims().get(t.claim_id)
        row: dict[str, object] = {
            "term": t.name,
            "claim": t.claim_id or "–",
            "provenance": t.provenance,
            "published_or": t.odds_ratio if c else None,
            "published_p": p_bracket(c.p_bound) if c and c.p_bound else "–",
        }
        if t.name in params:
            b, se = params[t.name], bse[t.name]
            lo, hi = np.exp(b - Z95 * se), np.exp(b + Z95 * se)
            row.update(
                odds_ratio=float(np.exp(b)),
                ci_low=float(lo),
                ci_high=float(hi),
                p_value=float(pvalues[t.name]),
                covers_published=bool(lo <= t.odds_ratio <= hi) if c else None,
                in_published_bracket=bool(pvalues[t.name] < c.p_bound and _same_side(b, t))
                if c and c.p_bound
                else None,
            )
        else:
            row.update(
                odds_ratio=None,
                ci_low=None,
                ci_high=None,
                p_value=None,
                covers_published=None,
                in_published_bracket=None,
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _same_side(log_or: float, t: Term) -> bool:
    return np.sign(log_or) == np.sign(t.log_odds)


def fit_statistics(model: ModelFit) -> dict[str, float]:
    """Model n, events, McFadden pseudo R², and the likelihood-ratio test against the null."""
    res = model.result
    return {
        "n": model.n,
        "events": model.events,
        "pseudo_r2": float(res.prsquared),
        "lr_stat": float(res.llr),
        "lr_df": float(res.df_model),
        "lr_p": float(res.llr_pvalue),
    }


def average_predictions(model: ModelFit, variable: str) -> pd.DataFrame:
    """Average predicted probability of the outcome if everyone were in each level of
    ``variable`` (other covariates as observed): probabilities instead of odds ratios."""
    data = model.data
    rows = []
    for level in sorted(data[variable].unique()):
        counterfactual = data.assign(**{variable: level})
        prob = float(np.mean(model.result.predict(counterfactual)))
        rows.append(
            {
                variable: level,
                "probability": prob,
                "observed_n": int((data[variable] == level).sum()),
            }
        )
    out = pd.DataFrame(rows)
    ref = references()[variable]
    reference = out.loc[out[variable] == ref, "probability"]
    base = float(reference.iloc[0]) if len(reference) and variable not in model.dropped else np.nan
    out["difference_vs_reference"] = out["probability"] - base
    out["risk_ratio_vs_reference"] = out["probability"] / base
    return out


def probability_contrast(model: ModelFit, variable: str, level: str) -> dict[str, float] | None:
    """Average predicted probabilities for the reference and one level, with their risk
    ratio and odds ratio; None when these data cannot estimate the contrast."""
    if variable in model.dropped or level not in set(model.data[variable]):
        return None
    pred = average_predictions(model, variable).set_index(variable)
    ref = references()[variable]
    p0, p1 = float(pred.loc[ref, "probability"]), float(pred.loc[level, "probability"])
    odds = {term_name(k): float(np.exp(v)) for k, v in model.result.params.items()}
    return {
        "reference": p0,
        "level": p1,
        "risk_ratio": p1 / p0,
        "odds_ratio": odds.get(f"{variable}[{level}]", np.nan),
    }
