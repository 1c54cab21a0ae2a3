"""The two engines that fit the published model to every simulated survey.

* ``batched``: many replications fitted at once by Newton–Raphson (IRLS) on covariate
  cells, vectorised with numpy (:mod:`.newton`);
* ``statsmodels``: the plain path, one data frame and one formula fit per replication.

Both fit the same generated data and give the same estimates (a test checks to 1e-6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..models import formula_for, term_name
from .newton import newton
from .population import CENTRE, Batch, roles, settings, term_names

ENGINES = ("batched", "statsmodels")


@dataclass
class Fits:
    """Estimates for a batch: coefficients and standard errors (R, p), convergence (R,)."""

    beta: np.ndarray
    se: np.ndarray
    converged: np.ndarray


def fit_batched(
    batch: Batch, start: np.ndarray | None = None, max_iter: int = 30, tol: float = 1e-10
) -> Fits:
    """Logistic regression on a stack of data sets at once, by Newton–Raphson (IRLS) on
    covariate cells, without a design matrix (:mod:`.newton`).

    ``start`` gives starting values (R, p), by default the intercept-only fit; the
    log-likelihood is concave, so they change only how many steps the fit takes, not where
    it ends."""
    R, p = batch.y.shape[0], batch.base.shape[1]
    if start is None:
        beta = np.zeros((R, p))
        rate = np.clip(batch.y.mean(axis=1), 1e-6, 1 - 1e-6)
        beta[:, 0] = np.log(rate / (1 - rate))
    else:
        beta = np.array(start, dtype=float)
    se, converged = newton(batch, beta, max_iter, tol)
    return Fits(beta=beta, se=se, converged=converged)


def batch_frame(batch: Batch, r: int, countries: list[str]) -> pd.DataFrame:
    """One replication as the respondent-style data frame the plain path fits."""
    return pd.DataFrame(
        {
            "y": batch.y[r].astype(int),
            "country": np.array(countries, dtype=object)[batch.country[r]],
            "role": np.array(roles(), dtype=object)[batch.role[r]],
            "setting": np.array(settings(), dtype=object)[batch.setting[r]],
            "graduation_year": batch.grad[r] + CENTRE["graduation_year"],
            "age": batch.age[r] + CENTRE["age"],
        }
    )


def fit_statsmodels(batch: Batch, countries: list[str]) -> Fits:
    """The plain path: one data frame and one statsmodels formula fit (the published
    model's formula, :func:`helpers.science.models.formula_for`) per replication."""
    import statsmodels.formula.api as smf

    names = term_names()
    R = batch.y.shape[0]
    beta, se = np.full((R, len(names)), np.nan), np.full((R, len(names)), np.nan)
    converged = np.zeros(R, dtype=bool)
    for r in range(R):
        data = batch_frame(batch, r, countries)
        res = smf.logit(formula_for(data)[0], data).fit(disp=0, maxiter=100)
        params = {term_name(k): v for k, v in res.params.items()}
        errors = {term_name(k): v for k, v in res.bse.items()}
        for j, name in enumerate(names):
            beta[r, j], se[r, j] = params.get(name, np.nan), errors.get(name, np.nan)
        # statsmodels works on raw age and graduation year: move the intercept, and its
        # standard error, to the centred scale the batched engine uses
        shift = np.array([CENTRE.get(term_name(k), 0.0) for k in res.params.index])
        shift[0] = 1.0
        beta[r, 0] = float(shift @ res.params.to_numpy())
        se[r, 0] = float(np.sqrt(shift @ res.cov_params().to_numpy() @ shift))
        converged[r] = bool(res.mle_retvals["converged"])
    return Fits(beta=beta, se=se, converged=converged)
