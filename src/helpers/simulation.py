"""The simulation study: what could the published design establish?

Each replication is a new survey of the published design (:mod:`helpers.population`): the
regression sample of the published size and country mix, covariates drawn from the design,
and the outcome drawn from the logistic model whose odds ratios are the published ones (the
truth, by construction, unless a scenario says otherwise). Two engines fit the published
model to every replication:

* ``batched``: all replications generated at once with vectorised numpy, and fitted at once
  by Newton–Raphson (IRLS) on a stack of design matrices;
* ``statsmodels``: the plain path, one data frame and one formula fit per replication.

Both fit the same generated data and give the same estimates (a test checks to 1e-6).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from . import store
from .audit import bracket
from .models import Z95, formula_for, term_name
from .population import CENTRE, Batch, Design, generate_batch, roles, settings, term_names
from .precision import canonical_design
from .registry import claims
from .spec import term_label, terms

ENGINES = ("batched", "statsmodels")
CHUNK = 200


@dataclass
class Fits:
    """Estimates for a batch: coefficients and standard errors (R, p), convergence (R,)."""

    beta: np.ndarray
    se: np.ndarray
    converged: np.ndarray


@dataclass
class _Cells:
    """What every Newton step of the batched fit reuses: each respondent's flat (replication,
    cell) index, the continuous columns and their products."""

    index: np.ndarray
    shape: tuple[int, int]
    grad: np.ndarray
    age: np.ndarray
    products: tuple[np.ndarray, np.ndarray, np.ndarray]

    @classmethod
    def of(cls, batch: Batch) -> _Cells:
        R, C = batch.cell.shape[0], batch.base.shape[0]
        g, a = batch.grad, batch.age
        return cls(
            index=(np.arange(R)[:, None] * C + batch.cell).ravel(),
            shape=(R, C),
            grad=g,
            age=a,
            products=(g * g, g * a, a * a),
        )

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per replication and cell, the sum of ``values`` (R, n) over its respondents."""
        R, C = self.shape
        return np.bincount(self.index, weights=values.ravel(), minlength=R * C).reshape(R, C)


def _information(batch: Batch, cells: _Cells, w: np.ndarray) -> np.ndarray:
    """X' W X for every replication (R, p, p), from sums over the covariate cells: the
    categorical columns are the same for everyone in a cell, so only the weights and the
    two continuous columns need summing over respondents."""
    names = term_names()
    ig, ia = names.index("graduation_year"), names.index("age")
    info = np.einsum("rc,ci,cj->rij", cells.sums(w), batch.base, batch.base)
    for j, column in ((ig, cells.grad), (ia, cells.age)):
        cross = cells.sums(w * column) @ batch.base  # (R, p)
        info[:, :, j] += cross
        info[:, j, :] += cross
    gg, ga, aa = (np.einsum("rn,rn->r", w, product) for product in cells.products)
    info[:, ig, ig], info[:, ia, ia] = gg, aa
    info[:, ig, ia] = info[:, ia, ig] = ga
    return info


def _score(batch: Batch, cells: _Cells, residual: np.ndarray) -> np.ndarray:
    """X' (y - mu) for every replication (R, p), through the cells."""
    names = term_names()
    score = cells.sums(residual) @ batch.base
    score[:, names.index("graduation_year")] = np.einsum("rn,rn->r", residual, cells.grad)
    score[:, names.index("age")] = np.einsum("rn,rn->r", residual, cells.age)
    return score


def fit_batched(
    batch: Batch, start: np.ndarray | None = None, max_iter: int = 30, tol: float = 1e-10
) -> Fits:
    """Logistic regression on a stack of data sets at once, by Newton–Raphson (IRLS),
    with the information and score summed over covariate cells (no design matrix).

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
    cells = _Cells.of(batch)
    converged = np.zeros(R, dtype=bool)
    for _ in range(max_iter):
        mu = special.expit(batch.linear_predictor(beta))
        step = np.linalg.solve(
            _information(batch, cells, mu * (1.0 - mu)),
            _score(batch, cells, batch.y - mu)[..., None],
        )[..., 0]
        beta += step
        converged = np.abs(step).max(axis=1) < tol
        if converged.all():
            break
    mu = special.expit(batch.linear_predictor(beta))
    information = _information(batch, cells, mu * (1.0 - mu))
    se = np.sqrt(np.diagonal(np.linalg.inv(information), axis1=1, axis2=2))
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
    model's formula, :func:`helpers.models.formula_for`) per replication."""
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


def _chunks(replications: int) -> Iterator[int]:
    done = 0
    while done < replications:
        size = min(CHUNK, replications - done)
        yield size
        done += size


def simulate(
    replications: int, seed: int, engine: str = "batched", design: Design | None = None
) -> pd.DataFrame:
    """Run the simulation study: one row per replication and coefficient, with the true
    value of that replication beside the estimate.

    Replications come in chunks of :data:`CHUNK`, chunk ``k`` drawn from its own generator
    (seeded by ``[seed, k]``) and always at full size (a last, partial chunk keeps its first
    replications). So replication ``r`` is the same survey whatever the number of
    replications, and two designs that differ only in their truth share every covariate and
    outcome draw: common random numbers, for paired comparisons."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if replications < 1:
        raise ValueError(f"replications must be at least 1, not {replications}")
    design = design or canonical_design()
    names = term_names()
    parts, start = [], 0
    for k, size in enumerate(_chunks(replications)):
        batch = generate_batch(design, CHUNK, np.random.default_rng([seed, k])).head(size)
        fits = (
            fit_batched(batch, start=batch.beta)
            if engine == "batched"
            else fit_statsmodels(batch, list(design.country_counts))
        )
        reps = np.repeat(np.arange(start, start + size), len(names))
        z = fits.beta / fits.se
        parts.append(
            pd.DataFrame(
                {
                    "replication": reps,
                    "term": np.tile(names, size),
                    "truth": batch.beta.ravel(),
                    "estimate": fits.beta.ravel(),
                    "se": fits.se.ravel(),
                    "p_value": (2 * stats.norm.sf(np.abs(z))).ravel(),
                    "converged": np.repeat(fits.converged, len(names)),
                }
            )
        )
        start += size
    out = pd.concat(parts, ignore_index=True)
    out.attrs["design"] = design.label
    return out


def _share(hit: np.ndarray) -> tuple[float, float]:
    """A proportion of replications and its Monte Carlo standard error."""
    p = float(hit.mean())
    return p, float(np.sqrt(p * (1 - p) / len(hit)))


def _hits(sim: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per published term, by replication: p below the published bound, and p in the
    published bracket, each in the published direction."""
    out = {}
    for t in terms():
        if not t.claim_id:
            continue
        c = claims()[t.claim_id]
        s = sim[sim["term"] == t.name].sort_values("replication")
        p_values = s["p_value"].to_numpy()
        right_way = np.sign(s["estimate"].to_numpy()) == np.sign(t.log_odds)
        lower, upper = bracket(c.p_bound or 0)
        out[t.name] = (
            (p_values < upper) & right_way,
            (p_values >= lower) & (p_values < upper) & right_way,
        )
    return out


def summarise(sim: pd.DataFrame) -> pd.DataFrame:
    """Per published term: bias, empirical vs model SE, coverage, the probability of p
    below the published bound and of p in the published bracket (both in the published
    direction), and the winner's curse, each with its Monte Carlo standard error.

    Odds ratios averaged over replications are geometric means (the exponential of the
    mean log odds ratio). The exaggeration ratio (type M error) is the mean estimate among
    the replications that reach the published bound, over the mean truth, on the log scale.
    A replication whose fit does not converge (a small group in which everyone, or no one,
    had the outcome: separation) counts as not reproducing a claim, as it would for an
    analyst, but is left out of the bias, standard errors, coverage and means, and counted.
    """
    rows = []
    hits = _hits(sim)
    for t in terms():
        if not t.claim_id:
            continue
        s = sim[sim["term"] == t.name].sort_values("replication")
        ok = s["converged"].to_numpy()
        est, se = s["estimate"].to_numpy()[ok], s["se"].to_numpy()[ok]
        truth = s["truth"].to_numpy()[ok]
        R = len(est)
        covered = (est - Z95 * se <= truth) & (truth <= est + Z95 * se)
        below, in_bracket = hits[t.name]
        p_below, p_below_mcse = _share(below)
        p_bracket, p_bracket_mcse = _share(in_bracket)
        coverage, coverage_mcse = _share(covered)
        emp_se = float((est - truth).std(ddof=1)) if R > 1 else np.nan
        selected = est[below[ok]]
        k = len(selected)
        sel_mean = float(selected.mean()) if k else np.nan
        sel_mcse = float(selected.std(ddof=1) / np.sqrt(k)) if k > 1 else np.nan
        rows.append(
            {
                "term": t.name,
                "label": t.label,
                "claim": t.claim_id,
                "true_or": float(np.exp(truth.mean())),
                "geo_mean_or": float(np.exp(est.mean())),
                "bias": float((est - truth).mean()),
                "bias_mcse": float(emp_se / np.sqrt(R)),
                "empirical_se": emp_se,
                "model_se": float(se.mean()),
                "coverage": coverage,
                "coverage_mcse": coverage_mcse,
                "p_bound": claims()[t.claim_id].p_bound,
                "p_below": p_below,
                "p_below_mcse": p_below_mcse,
                "p_bracket": p_bracket,
                "p_bracket_mcse": p_bracket_mcse,
                "geo_mean_or_if_significant": float(np.exp(sel_mean)),
                "geo_mean_or_if_significant_mcse": float(np.exp(sel_mean) * sel_mcse),
                "exaggeration": sel_mean / float(truth.mean()),
                "exaggeration_mcse": sel_mcse / abs(float(truth.mean())),
                "not_converged": int((~ok).sum()),
            }
        )
    return pd.DataFrame(rows)


def all_claims_reproduce(sim: pd.DataFrame) -> dict[str, float]:
    """The probability that every published significance claim reproduces in one
    replication (every p below its bound, every direction as published), and that every
    p lands in its published bracket, each with its Monte Carlo SE."""
    hits = _hits(sim)
    below = np.logical_and.reduce([b for b, _ in hits.values()])
    in_bracket = np.logical_and.reduce([k for _, k in hits.values()])
    p_all, p_all_mcse = _share(below)
    b_all, b_all_mcse = _share(in_bracket)
    return {
        "all_below": p_all,
        "all_below_mcse": p_all_mcse,
        "all_in_bracket": b_all,
        "all_in_bracket_mcse": b_all_mcse,
    }


def study(replications: int, seed: int, key: str = "canonical") -> pd.DataFrame:
    """The simulation rows of one scenario (:mod:`helpers.scenarios`), from the results
    store when another chapter has already run them."""
    from .scenarios import scenario

    return store.cached(
        "simulation",
        {"replications": replications, "seed": seed, "scenario": key},
        lambda: simulate(replications, seed, "batched", scenario(key).design),
    )


def scenario_replications(replications: int) -> int:
    """Replications per scenario other than the canonical one: half as many, at least 100."""
    return max(100, replications // 2)


def scenario_study(replications: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every scenario: per term, its summary (:func:`summarise`); per scenario, the
    probability that all published claims reproduce together, with Monte Carlo SEs. The
    canonical scenario uses ``replications``, the others :func:`scenario_replications`, all
    with the same seed: scenarios that change only the truth then share their covariates
    and outcome draws with the canonical one (common random numbers), so their differences
    are measured in pairs (:func:`paired_difference`)."""
    from .scenarios import scenarios

    per_term, per_scenario = [], []
    for sc in scenarios():
        reps = replications if sc.key == "canonical" else scenario_replications(replications)
        sim = study(reps, seed, sc.key)
        per_term.append(summarise(sim).assign(scenario=sc.name, key=sc.key))
        per_scenario.append(
            {
                "key": sc.key,
                "scenario": sc.name,
                "why": sc.why,
                "justified": sc.justified,
                "fits_brackets": sc.fits_brackets,
                "replications": reps,
                **all_claims_reproduce(sim),
            }
        )
    return pd.concat(per_term, ignore_index=True), pd.DataFrame(per_scenario)


def histograms(sim: pd.DataFrame, names: list[str], bins: int = 30) -> pd.DataFrame:
    """Pre-binned histograms of the estimated odds ratios of converged replications, one
    per term, with the mean truth (geometric) beside each: for a faceted chart."""
    parts = []
    for name in names:
        s = sim[(sim["term"] == name) & sim["converged"]]
        counts, edges = np.histogram(np.exp(s["estimate"].to_numpy()), bins=bins)
        parts.append(
            pd.DataFrame(
                {
                    "term": name,
                    "label": term_label(name),
                    "bin_start": edges[:-1],
                    "bin_end": edges[1:],
                    "replications": counts,
                    "true_or": float(np.exp(s["truth"].mean())),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def paired_difference(a: pd.DataFrame, b: pd.DataFrame, term: str) -> tuple[float, float]:
    """The difference in the probability of p below the published bound for one term
    between two simulations run with the same seed (``b`` minus ``a``), over the
    replications both have, with its paired Monte Carlo SE."""
    shared = min(a["replication"].max(), b["replication"].max()) + 1
    hit_a = _hits(a[a["replication"] < shared])[term][0].astype(float)
    hit_b = _hits(b[b["replication"] < shared])[term][0].astype(float)
    diff = hit_b - hit_a
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))
