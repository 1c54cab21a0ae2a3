"""The simulation study: what could the published design establish?

Each replication is a new survey of the published design: the regression sample of the
published size and country mix, covariates drawn from the assumed distributions, and the
outcome drawn from the logistic model whose odds ratios are the published ones (the
truth, by construction). Two engines fit the published model to every replication:

* ``batched``: all replications generated at once with vectorised numpy, and fitted at once
  by Newton–Raphson (IRLS) on a stack of design matrices;
* ``statsmodels``: the plain path, one data frame and one formula fit per replication.

Both fit the same generated data and give the same estimates (a test checks to 1e-6).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from .assumptions import value as assumed
from .audit import bracket, item_denominators
from .codebook import field as codebook_field
from .codebook import survey_year
from .models import Z95, term_name
from .registry import Claim, claims, country_sizes
from .spec import OUTCOME, references, terms

ENGINES = ("batched", "statsmodels")
CENTRE = {"graduation_year": 2000.0, "age": 45.0}
CHUNK = 200


def term_names() -> list[str]:
    """Coefficient order of the design matrix: intercept first, then the model's terms."""
    return ["Intercept", *[t.name for t in terms()]]


@dataclass(frozen=True)
class Design:
    """The population replications are drawn from, and the true coefficients."""

    n: int
    country_counts: dict[str, int]
    age: dict[str, Any]
    age_at_graduation: dict[str, Any]
    setting_shares: dict[str, dict[str, float]]
    role_shares: dict[str, dict[str, float]]
    log_odds: dict[str, float]
    event_rate: float
    missing_covariates: float = 0.0
    label: str = "as assumed"
    intercept: float = field(default=0.0)

    @property
    def n_model(self) -> int:
        """Rows left for the model after covariates missing completely at random."""
        return self.n - round(self.n * self.missing_covariates)


def _largest_remainder(total: int, weights: dict[str, int]) -> dict[str, int]:
    raw = {k: total * v / sum(weights.values()) for k, v in weights.items()}
    out = {k: int(np.floor(v)) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[: total - sum(out.values())]:
        out[k] += 1
    return out


def default_design() -> Design:
    """The published design with the assumed covariate distributions."""
    answered = item_denominators()[(OUTCOME, "")]
    users = {
        c.country: c.n or 0
        for c in claims().values()
        if c.variable == "ict_use" and c.country in country_sizes()
    }
    events = next(c.n for c in claims().values() if c.kind == "percent" and c.variable == OUTCOME)
    design = Design(
        n=answered,
        country_counts=_largest_remainder(answered, users),
        age=assumed("age"),
        age_at_graduation=assumed("age_at_graduation"),
        setting_shares=assumed("setting_shares"),
        role_shares=assumed("role_shares"),
        log_odds={t.name: t.log_odds for t in terms()},
        event_rate=(events or 0) / answered,
    )
    return calibrate(design)


def scaled_groups(design: Design, factor: float) -> Design:
    """The small groups (community organization, school, psychotherapy) ``factor`` times as
    large, taken from the largest other category."""

    def scale(shares: dict[str, dict[str, float]], small: list[str], big: str) -> dict:
        out = {}
        for country, s in shares.items():
            new = dict(s)
            for k in small:
                new[k] = s[k] * factor
            new[big] = s[big] - sum(new[k] - s[k] for k in small)
            if new[big] <= 0:
                raise ValueError(f"cannot scale the small groups by {factor}")
            out[country] = new
        return out

    return calibrate(
        replace(
            design,
            setting_shares=scale(design.setting_shares, ["school"], "social_service_agency"),
            role_shares=scale(
                design.role_shares, ["community_organization", "psychotherapy"], "other"
            ),
            label=f"small groups x{factor:g}",
        )
    )


def with_graduation_spread(design: Design, scale: float) -> Design:
    """Age at graduation more (or less) spread out: weaker (or stronger) age–year correlation."""
    spec = {**design.age_at_graduation, "gamma_scale": scale}
    return calibrate(
        replace(design, age_at_graduation=spec, label=f"graduation-age scale {scale:g}")
    )


def with_missing_covariates(design: Design, fraction: float) -> Design:
    """A share of the model sample lost to missing covariates (completely at random)."""
    if not 0 <= fraction < 1:
        raise ValueError("the missing fraction must be in [0, 1)")
    return replace(design, missing_covariates=fraction, label=f"{fraction:.0%} covariates missing")


@dataclass
class Batch:
    """Generated replications: design matrices (R, n, p) and outcomes (R, n)."""

    X: np.ndarray
    y: np.ndarray
    country: np.ndarray
    setting: np.ndarray
    role: np.ndarray


def _categorical(
    rng: np.random.Generator, u_shape: tuple[int, int], country_idx: np.ndarray, table: np.ndarray
) -> np.ndarray:
    """Draw category indices per row from per-country probability rows (vectorised)."""
    cum = np.cumsum(table, axis=1)[country_idx]  # (n, k)
    u = rng.random(u_shape)
    return (u[..., None] > cum[None, :, :-1]).sum(axis=-1)


def _truncated(
    draw: Callable[[np.ndarray], np.ndarray],
    values: np.ndarray,
    reject: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Redraw rejected entries (by flat index) until none is rejected; only the rejected
    entries are touched on each pass."""
    flat = values.ravel()
    idx = np.arange(flat.size)
    idx = idx[reject(flat, idx)]
    while idx.size:
        flat[idx] = draw(idx)
        idx = idx[reject(flat[idx], idx)]
    return values


def generate_batch(
    design: Design, replications: int, rng: np.random.Generator, with_outcome: bool = True
) -> Batch:
    """Generate ``replications`` regression samples at once (vectorised numpy)."""
    countries = list(design.country_counts)
    n = design.n_model
    counts = _largest_remainder(n, design.country_counts)
    country_idx = np.repeat(np.arange(len(countries)), [counts[c] for c in countries])
    shape = (replications, n)

    mean = np.array([design.age[c]["mean"] for c in countries], float)[country_idx]
    sd = np.array([design.age[c]["sd"] for c in countries], float)[country_idx]
    lo, hi = design.age["min"], design.age["max"]
    age = _truncated(
        lambda idx: rng.normal(
            np.broadcast_to(mean, shape).ravel()[idx], np.broadcast_to(sd, shape).ravel()[idx]
        ),
        rng.normal(mean, sd, shape),
        lambda x, idx: (x < lo) | (x > hi),
    )
    age = np.rint(age)
    g = design.age_at_graduation
    at_grad = _truncated(
        lambda idx: g["min"] + rng.gamma(g["gamma_shape"], g["gamma_scale"], idx.size),
        g["min"] + rng.gamma(g["gamma_shape"], g["gamma_scale"], shape),
        lambda x, idx: x > age.ravel()[idx],
    )
    grad_year = survey_year() - np.floor(age - at_grad)

    settings = list(codebook_field("setting").enum)
    roles = list(codebook_field("role").enum)
    setting_tab = np.array([[design.setting_shares[c][s] for s in settings] for c in countries])
    role_tab = np.array([[design.role_shares[c][r] for r in roles] for c in countries])
    setting = _categorical(rng, shape, country_idx, setting_tab)
    role = _categorical(rng, shape, country_idx, role_tab)

    names = term_names()
    X = np.zeros((replications, n, len(names)))
    X[..., 0] = 1.0
    for j, t in enumerate(terms(), start=1):
        if t.variable == "country":
            X[..., j] = (country_idx == countries.index(t.level))[None, :]
        elif t.variable == "setting":
            X[..., j] = setting == settings.index(t.level)
        elif t.variable == "role":
            X[..., j] = role == roles.index(t.level)
        elif t.variable == "age":
            X[..., j] = age - CENTRE["age"]
        elif t.variable == "graduation_year":
            X[..., j] = grad_year - CENTRE["graduation_year"]
    y = np.zeros(shape)
    if with_outcome:
        beta = true_coefficients(design)
        prob = special.expit(X @ beta)
        y = (rng.random(shape) < prob).astype(float)
    return Batch(X=X, y=y, country=np.broadcast_to(country_idx, shape), setting=setting, role=role)


def true_coefficients(design: Design) -> np.ndarray:
    """True coefficients on the centred design: calibrated intercept, published log ORs."""
    return np.array([design.intercept, *[design.log_odds[t.name] for t in terms()]])


def calibrate(design: Design, replications: int = 40) -> Design:
    """Set the intercept so the expected event rate equals the published one."""
    rng = np.random.default_rng(int(assumed("canonical_seed")))
    batch = generate_batch(design, replications, rng, with_outcome=False)
    eta = batch.X[..., 1:] @ true_coefficients(design)[1:]
    alpha = float(special.logit(design.event_rate))
    for _ in range(50):
        p = special.expit(alpha + eta)
        step = (p.mean() - design.event_rate) / (p * (1 - p)).mean()
        alpha -= step
        if abs(step) < 1e-12:
            break
    return replace(design, intercept=alpha)


@dataclass
class Fits:
    """Estimates for a batch: coefficients and standard errors (R, p), convergence (R,)."""

    beta: np.ndarray
    se: np.ndarray
    converged: np.ndarray


def fit_batched(X: np.ndarray, y: np.ndarray, max_iter: int = 30, tol: float = 1e-10) -> Fits:
    """Logistic regression on a stack of data sets at once, by Newton–Raphson (IRLS)."""
    R, _, p = X.shape
    beta = np.zeros((R, p))
    rate = np.clip(y.mean(axis=1), 1e-6, 1 - 1e-6)
    beta[:, 0] = np.log(rate / (1 - rate))
    converged = np.zeros(R, dtype=bool)
    Xt = X.transpose(0, 2, 1)
    weighted = np.empty_like(X)

    def hessian(mu: np.ndarray) -> np.ndarray:
        np.multiply(X, (mu * (1.0 - mu))[..., None], out=weighted)
        return np.matmul(weighted.transpose(0, 2, 1), X)

    for _ in range(max_iter):
        mu = special.expit(np.matmul(X, beta[..., None])[..., 0])
        grad = np.matmul(Xt, (y - mu)[..., None])[..., 0]
        step = np.linalg.solve(hessian(mu), grad[..., None])[..., 0]
        beta += step
        converged = np.abs(step).max(axis=1) < tol
        if converged.all():
            break
    mu = special.expit(np.matmul(X, beta[..., None])[..., 0])
    se = np.sqrt(np.diagonal(np.linalg.inv(hessian(mu)), axis1=1, axis2=2))
    return Fits(beta=beta, se=se, converged=converged)


def batch_frame(batch: Batch, r: int) -> pd.DataFrame:
    """One replication as the respondent-style data frame the plain path fits."""
    countries = list(default_country_order())
    settings = list(codebook_field("setting").enum)
    roles = list(codebook_field("role").enum)
    names = term_names()
    return pd.DataFrame(
        {
            "y": batch.y[r].astype(int),
            "country": np.array(countries, dtype=object)[batch.country[r]],
            "role": np.array(roles, dtype=object)[batch.role[r]],
            "setting": np.array(settings, dtype=object)[batch.setting[r]],
            "graduation_year": batch.X[r, :, names.index("graduation_year")]
            + CENTRE["graduation_year"],
            "age": batch.X[r, :, names.index("age")] + CENTRE["age"],
        }
    )


def default_country_order() -> list[str]:
    return list(country_sizes())


def fit_statsmodels(batch: Batch) -> Fits:
    """The plain path: one data frame and one statsmodels formula fit per replication."""
    import statsmodels.formula.api as smf

    refs = references()
    formula = (
        f"y ~ C(country, Treatment('{refs['country']}')) + C(role, Treatment('{refs['role']}'))"
        f" + C(setting, Treatment('{refs['setting']}')) + graduation_year + age"
    )
    names = term_names()
    R = batch.X.shape[0]
    beta, se = np.full((R, len(names)), np.nan), np.full((R, len(names)), np.nan)
    converged = np.zeros(R, dtype=bool)
    for r in range(R):
        res = smf.logit(formula, batch_frame(batch, r)).fit(disp=0, maxiter=100)
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
    """Run the simulation study: one row per replication and coefficient."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if replications < 1:
        raise ValueError(f"replications must be at least 1, not {replications}")
    design = design or default_design()
    rng = np.random.default_rng(seed)
    names = term_names()
    parts, start = [], 0
    for size in _chunks(replications):
        batch = generate_batch(design, size, rng)
        fits = fit_batched(batch.X, batch.y) if engine == "batched" else fit_statsmodels(batch)
        reps = np.repeat(np.arange(start, start + size), len(names))
        z = fits.beta / fits.se
        parts.append(
            pd.DataFrame(
                {
                    "replication": reps,
                    "term": np.tile(names, size),
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


def summarise(sim: pd.DataFrame, design: Design | None = None) -> pd.DataFrame:
    """Per published term: bias, empirical vs model SE, coverage, the probability of p
    below the published bound and of p in the published bracket (both in the published
    direction), and the winner's curse, each with its Monte Carlo standard error."""
    design = design or default_design()
    rows = []
    R = sim["replication"].nunique()
    for t in terms():
        if not t.claim_id:
            continue
        c = claims()[t.claim_id]
        s = sim[sim["term"] == t.name]
        est, se = s["estimate"].to_numpy(), s["se"].to_numpy()
        truth = design.log_odds[t.name]
        p_values = s["p_value"].to_numpy()
        covered = (est - Z95 * se <= truth) & (truth <= est + Z95 * se)
        right_way = np.sign(est) == np.sign(claims_log_odds(c))
        hit = (p_values < (c.p_bound or 0)) & right_way
        lower, upper = bracket(c.p_bound or 0)
        in_bracket = (p_values >= lower) & (p_values < upper) & right_way
        p_below, p_below_mcse = _share(hit)
        p_bracket, p_bracket_mcse = _share(in_bracket)
        emp_se = est.std(ddof=1) if R > 1 else np.nan
        rows.append(
            {
                "term": t.name,
                "claim": t.claim_id,
                "true_or": float(np.exp(truth)),
                "mean_or": float(np.exp(est.mean())),
                "bias": float(est.mean() - truth),
                "bias_mcse": float(emp_se / np.sqrt(R)),
                "empirical_se": float(emp_se),
                "model_se": float(se.mean()),
                "coverage": float(covered.mean()),
                "coverage_mcse": float(np.sqrt(covered.mean() * (1 - covered.mean()) / R)),
                "p_bound": c.p_bound,
                "p_below": p_below,
                "p_below_mcse": p_below_mcse,
                "p_bracket": p_bracket,
                "p_bracket_mcse": p_bracket_mcse,
                "mean_or_if_significant": float(np.exp(est[hit].mean())) if hit.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def claims_log_odds(c: Claim) -> float:
    """The published log odds ratio of an odds-ratio claim (its direction is the claim's)."""
    return float(np.log(c.odds_ratio or 1.0))


def all_claims_reproduce(sim: pd.DataFrame, design: Design | None = None) -> tuple[float, float]:
    """Probability (and its Monte Carlo SE) that all published significance claims reproduce
    in one replication: every p below its bound, every direction as published."""
    design = design or default_design()
    ok = None
    for t in terms():
        if not t.claim_id:
            continue
        s = sim[sim["term"] == t.name].sort_values("replication")
        hit = (s["p_value"].to_numpy() < (claims()[t.claim_id].p_bound or 0)) & (
            np.sign(s["estimate"].to_numpy()) == np.sign(design.log_odds[t.name])
        )
        ok = hit if ok is None else ok & hit
    assert ok is not None
    p = float(ok.mean())
    return p, float(np.sqrt(p * (1 - p) / len(ok)))


def timed(replications: int, seed: int, engine: str) -> float:
    """Seconds to generate and fit ``replications`` replications with one engine."""
    started = time.perf_counter()
    simulate(replications, seed, engine)
    return time.perf_counter() - started
