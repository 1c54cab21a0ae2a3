"""Kernel start-up file for tests/test_perturbed.py: a numeric environment that provably
differs from the one that made the committed outputs, as another CPU or BLAS would.

It is copied into the IPython profile of the kernels that nbval starts, and perturbs:

* every result of ``numpy.linalg.solve``, ``inv`` and ``pinv`` (the linear algebra of the
  statsmodels and batched logistic fits, their covariance matrices and standard errors);
* every coefficient estimated by statsmodels' ``Logit.fit``;
* every coefficient and standard error of the batched engine (``helpers.science.simulation``);

each by a relative noise of ``$SWICT_PERTURB`` (a few hundred times the last digit of a
double). Newton's method would absorb noise in the solver's steps alone, so the fitted
results themselves are nudged too. The test also runs with a different BLAS thread count.
The first perturbed call of each kind is written to ``$SWICT_PERTURB_LOG``, so the test
can show that the perturbation acted.
"""

from __future__ import annotations

import functools
import os

import numpy as np

RELATIVE = float(os.environ["SWICT_PERTURB"])
_noise = np.random.default_rng(20171231)
_seen: set[str] = set()


def _nudge(value: np.ndarray, name: str) -> np.ndarray:
    if name not in _seen and (log := os.environ.get("SWICT_PERTURB_LOG")):
        _seen.add(name)
        with open(log, "a", encoding="utf-8") as out:
            out.write(name + "\n")
    return value * (1.0 + RELATIVE * _noise.uniform(-1.0, 1.0, np.shape(value)))


def _perturbed(name: str, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return _nudge(function(*args, **kwargs), name)

    return wrapper


for _name in ("solve", "inv", "pinv"):
    setattr(np.linalg, _name, _perturbed(f"numpy.linalg.{_name}", getattr(np.linalg, _name)))


def _patch_statsmodels() -> None:
    from statsmodels.discrete.discrete_model import Logit

    fit = Logit.fit

    @functools.wraps(fit)
    def perturbed_fit(self, *args, **kwargs):
        result = fit(self, *args, **kwargs)
        inner = result._results
        inner.params = _nudge(np.asarray(inner.params), "statsmodels Logit.fit params")
        return result

    Logit.fit = perturbed_fit


def _patch_batched() -> None:
    from helpers.science import simulation
    from helpers.science.simulation import engines

    fit_batched = engines.fit_batched

    @functools.wraps(fit_batched)
    def perturbed(*args, **kwargs):
        fits = fit_batched(*args, **kwargs)
        fits.beta = _nudge(fits.beta, "batched engine estimates")
        fits.se = _nudge(fits.se, "batched engine standard errors")
        return fits

    engines.fit_batched = perturbed  # what the study calls
    simulation.fit_batched = perturbed  # what a chapter may call


_patch_statsmodels()
_patch_batched()
