"""Diagnostics of the published model on any respondent file.

- calibration: observed against predicted, by decile of the prediction (Hosmer–Lemeshow);
- functional form: age and graduation year as splines against the linear term;
- influential respondents: Cook's distance, described by rank and covariate pattern (bands
  of age and graduation year), never by respondent id;
- separation: categories, and country × setting cells, where everyone gave one answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
from scipy import special, stats

from .codebook import field
from .models import Z95, term_name
from .robustness import (
    MAX_LOG_ODDS,
    SPLINE_DF,
    Data,
    Fit,
    fit_terms,
    published_terms,
)
from .spec import CATEGORICAL

GROUPS = 10
POINTS = 25
AGE_BAND = 10


def calibration(y: np.ndarray, predicted: np.ndarray, groups: int = GROUPS) -> pd.DataFrame:
    """Respondents grouped by their predicted probability (deciles by default): size, mean
    predicted and observed share, with a Wilson 95% interval for the observed share."""
    order = pd.Series(predicted).rank(method="first")
    group = pd.qcut(order, groups, labels=False)
    frame = pd.DataFrame({"group": group + 1, "y": y, "p": predicted})
    out = frame.groupby("group").agg(n=("y", "size"), events=("y", "sum"), predicted=("p", "mean"))
    n, share = out["n"], out["events"] / out["n"]
    centre = (share + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * np.sqrt(share * (1 - share) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return out.assign(observed=share, observed_low=centre - half, observed_high=centre + half)


def hosmer_lemeshow(table: pd.DataFrame) -> tuple[float, int, float]:
    """The Hosmer–Lemeshow statistic of a :func:`calibration` table, its degrees of freedom
    (groups − 2) and p-value."""
    expected = table["predicted"] * table["n"]
    stat = float(
        (((table["events"] - expected) ** 2) / (expected * (1 - table["predicted"]))).sum()
    )
    df = len(table) - 2
    return stat, df, float(stats.chi2.sf(stat, df))


def published_fit(data: Data) -> tuple[Fit, pd.DataFrame, pd.DataFrame, list[str]]:
    """The published specification (the published choices where the data allow them,
    complete cases): its fit, design, rows as coded, and formula terms."""
    return data.published


def predicted(fit: Fit, X: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Predicted probabilities of a :func:`helpers.science.robustness.newton` fit."""
    return special.expit(np.einsum("ni,i->n", np.asarray(X, dtype=float), fit.params.to_numpy()))


def functional_form(data: Data, variable: str, points: int = POINTS) -> dict | None:
    """The shape of one continuous covariate in the published specification: the
    likelihood-ratio test of a B-spline (the other covariates as published) against the
    linear term, and both curves on the log-odds scale, relative to the median, from the
    5th to the 95th percentile, the spline with a pointwise 95% band. None when the
    specification lacks the covariate."""
    fit, _, rows, parts = published_fit(data)
    if variable not in parts:
        return None
    spline = [f"bs({variable}, df={SPLINE_DF})" if p == variable else p for p in parts]
    spline_fit, X = fit_terms(spline, rows)
    lr = 2 * (spline_fit.llf - fit.llf)
    low, mid, high = np.percentile(rows[variable], [5, 50, 95])
    grid = np.linspace(low, high, points)
    at = rows.iloc[[0] * (points + 1)].assign(**{variable: [mid, *grid]})
    (new,) = patsy.build_design_matrices([X.design_info], at, return_type="dataframe")
    basis = [c for c in X.columns if c.startswith("bs(")]
    contrast = new[basis].to_numpy()[1:] - new[basis].to_numpy()[0]
    curve = contrast @ spline_fit.params[basis].to_numpy()
    se = np.sqrt(np.einsum("ni,ij,nj->n", contrast, spline_fit.cov.loc[basis, basis], contrast))
    return {
        "lr": float(lr),
        "df": SPLINE_DF - 1,
        "p": float(stats.chi2.sf(lr, SPLINE_DF - 1)),
        "curve": pd.DataFrame(
            {
                "variable": variable,
                "value": grid,
                "spline": curve,
                "low": curve - Z95 * se,
                "high": curve + Z95 * se,
                "linear": float(fit.params[variable]) * (grid - mid),
            }
        ),
    }


def _band(value: float, width: int) -> str:
    low = int(value // width * width)
    return f"{low}–{low + width - 1}"


def cooks_distance(data: Data) -> pd.Series:
    """Cook's distance of every respondent in the published specification, largest first:
    squared Pearson residual × leverage / (parameters × (1 − leverage)²), as statsmodels'
    GLM influence computes it (a test checks)."""
    fit, X, rows, _ = published_fit(data)
    x = X.to_numpy(float)
    p = predicted(fit, x)
    w = p * (1 - p)
    leverage = w * np.einsum("ni,ij,nj->n", x, np.linalg.inv(np.einsum("ni,n,nj->ij", x, w, x)), x)
    pearson2 = (rows["y"].to_numpy(float) - p) ** 2 / w
    distance = pearson2 * leverage / (x.shape[1] * (1 - leverage) ** 2)
    return pd.Series(distance, index=rows.index).sort_values(ascending=False, kind="stable")


def influential(data: Data, distance: pd.Series, top: int = 5) -> pd.DataFrame:
    """The ``top`` respondents with the largest Cook's distance (``distance``, from
    :func:`cooks_distance`) in the published specification, by rank and covariate pattern
    (country, role, setting, bands of age and graduation year, answer, predicted
    probability), never by respondent id."""
    fit, X, rows, _ = published_fit(data)
    p = predicted(fit, X)
    out = []
    for rank, i in enumerate(distance.index[:top], start=1):
        r = rows.loc[i]
        pattern = {
            v: field(v).label(str(r[v])) if isinstance(r[v], str) else "–" for v in CATEGORICAL
        }
        out.append(
            {
                "rank": rank,
                **pattern,
                "age": _band(r["age"], AGE_BAND) if pd.notna(r["age"]) else "–",
                "graduation_year": _band(r["graduation_year"], AGE_BAND)
                if pd.notna(r["graduation_year"])
                else "–",
                "answer": "yes" if r["y"] == 1 else "no",
                "predicted": float(p[i]),
                "cooks_distance": float(distance[i]),
            }
        )
    return pd.DataFrame(out)


def without_most_influential(data: Data, distance: pd.Series, k: int = GROUPS) -> pd.DataFrame:
    """Each published odds ratio of the published specification with and without the
    ``k`` most influential respondents (largest Cook's ``distance``); ``without`` is NaN
    where leaving them out leaves no finite estimate (the rest separate)."""
    fit, X, rows, parts = published_fit(data)
    kept = rows.drop(index=distance.index[:k]).reset_index(drop=True)
    refit, _ = fit_terms(parts, kept)
    named = {term_name(c): c for c in X.columns}
    out = []
    for t in published_terms():
        if t.name not in named:
            continue
        column = named[t.name]
        finite = refit.converged and abs(refit.params.get(column, np.inf)) <= MAX_LOG_ODDS
        before = float(np.exp(fit.params[column]))
        after = float(np.exp(refit.params[column])) if finite else np.nan
        out.append(
            {"term": t.name, "label": t.label, "with": before, "without": after}
            | {"change": after / before - 1}
        )
    return pd.DataFrame(out)


def largest_change(moved: pd.DataFrame) -> pd.Series | None:
    """The row of :func:`without_most_influential` whose odds ratio changes most, among the
    terms left with a finite estimate, with ``size``, the absolute relative change (rounded
    to 9 digits, so that ties sort alike on any machine); None when no term is left with
    one."""
    finite = moved.dropna(subset=["without"])
    if finite.empty:
        return None
    ranked = finite.assign(size=finite["change"].abs().round(9))
    return ranked.sort_values("size", ascending=False, kind="stable").iloc[0]


def lost_estimates(moved: pd.DataFrame) -> list[str]:
    """The terms of :func:`without_most_influential` left with no finite estimate once the
    most influential respondents are left out, as readers name them."""
    return list(moved.loc[moved["without"].isna(), "label"])


def form_curves(shapes: dict[str, dict | None]) -> pd.DataFrame:
    """The curves of :func:`functional_form` results (keyed by covariate) in one frame for
    the chart, each labelled with its covariate's title; empty when there is none."""
    curves = [s["curve"].assign(label=field(v).title) for v, s in shapes.items() if s is not None]
    return pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()


def separated_cells(data: Data) -> list[str]:
    """Each category, and each country × setting cell, in which every respondent gave the
    same answer (a small cell that separates perfectly), among all who answered the
    outcome, named for a glued list: "Israel, private practice (24 respondents, all yes)"."""
    rows = data.answered
    out = []
    for var in CATEGORICAL:
        if var not in data.available:
            continue
        for level, group in rows.dropna(subset=[var]).groupby(var)["y"]:
            if group.nunique() == 1:
                name = f"{field(var).label(str(level))} ({field(var).title.lower()}"
                out.append(f"{name}; {_all(group)})")
    if {"country", "setting"} <= set(data.available):
        cells = rows.dropna(subset=["country", "setting"]).groupby(["country", "setting"])["y"]
        for (country, setting), group in cells:
            if group.nunique() == 1:
                label = field("setting").label(str(setting)).lower()
                out.append(f"{country}, {label} ({_all(group)})")
    return out


def _all(group: pd.Series) -> str:
    answer = "yes" if group.iloc[0] else "no"
    n = len(group)
    return f"1 respondent, {answer}" if n == 1 else f"{n} respondents, all {answer}"
