"""The population a survey of the published design is drawn from.

A :class:`Design` holds everything a simulated survey needs: the regression sample's size
and country mix (published or derived from published numbers), the covariate distributions
(assumed: ages, age at graduation, practice settings, roles and how roles go with settings),
and the true model (the published odds ratios, with an intercept set so that the expected
share with contact outside work hours is the published one). :func:`generate_batch` draws
many surveys at once, vectorised; the synthetic respondents of :mod:`helpers.science.synth` and the
simulation study (:mod:`helpers.science.simulation`) both draw their covariates from a design.

The prior design (:func:`prior_design`) takes the assumed shares as they are;
:func:`.precision.canonical_design` calibrates the small groups to the published
p-value brackets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from scipy import special

from ..assumptions import value as assumed
from ..audit import item_denominators, or_interval
from ..codebook import field as codebook_field
from ..codebook import survey_year
from ..registry import claims, country_sizes
from ..spec import OUTCOME, terms

CENTRE = {"graduation_year": 2000.0, "age": 45.0}
"""Where the continuous covariates are centred in the design matrix (changes only the
intercept, keeps the fits well conditioned)."""


def term_names() -> list[str]:
    """Coefficient order of the design matrix: intercept first, then the model's terms."""
    return ["Intercept", *[t.name for t in terms()]]


def settings() -> list[str]:
    """The practice settings, in codebook order."""
    return list(codebook_field("setting").enum)


def roles() -> list[str]:
    """The roles, in codebook order."""
    return list(codebook_field("role").enum)


@dataclass(frozen=True)
class Design:
    """The population replications are drawn from, and the true coefficients.

    ``role_shares`` are each country's overall role shares; ``role_in_setting`` fixes the
    role mix within some settings (psychotherapy in private practice), and the other
    settings share the rest, so that the overall shares still hold.
    """

    n: int
    country_counts: dict[str, int]
    age: dict[str, Any]
    age_at_graduation: dict[str, Any]
    setting_shares: dict[str, dict[str, float]]
    role_shares: dict[str, dict[str, float]]
    role_in_setting: dict[str, dict[str, float]]
    log_odds: dict[str, float]
    event_rate: float
    missing_covariates: float = 0.0
    label: str = "prior shares"
    intercept: float = field(default=0.0)
    or_rounding: bool = False

    @property
    def n_model(self) -> int:
        """Rows left for the model after covariates missing completely at random."""
        return self.n - round(self.n * self.missing_covariates)

    # What a design derives from its fields, kept with it: the calibrations evaluate
    # thousands of designs, each several times (a design is frozen, and a changed one is a
    # new object, so nothing kept goes stale).

    @cached_property
    def _roles(self) -> np.ndarray:
        return _make_role_table(self)

    @cached_property
    def _cells(self) -> Cells:
        return _make_cells(self)

    @cached_property
    def _age_spec(self) -> str:
        return json.dumps([self.age, self.age_at_graduation], sort_keys=True)


def largest_remainder(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` into whole numbers that add up."""
    raw = {k: total * v / sum(weights.values()) for k, v in weights.items()}
    out = {k: int(np.floor(v)) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[: total - sum(out.values())]:
        out[k] += 1
    return out


def role_table(design: Design) -> np.ndarray:
    """P(role | country, setting) as an array (countries, settings, roles), not to be
    changed in place.

    Settings named in ``role_in_setting`` get their fixed mix; the other settings of a
    country share one mix chosen so that the country's overall role shares hold.
    """
    return design._roles


def _make_role_table(design: Design) -> np.ndarray:
    countries, sets, rls = list(design.country_counts), settings(), roles()
    table = np.zeros((len(countries), len(sets), len(rls)))
    for i, country in enumerate(countries):
        shares = design.setting_shares[country]
        fixed = {s: mix for s, mix in design.role_in_setting.items() if s in shares}
        fixed_share = sum(shares[s] for s in fixed)
        rest = []
        for r in rls:
            within_fixed = sum(shares[s] * fixed[s].get(r, 0.0) for s in fixed)
            rest.append((design.role_shares[country][r] - within_fixed) / (1 - fixed_share))
        if min(rest) < -1e-12:
            short = rls[int(np.argmin(rest))]
            raise ValueError(
                f"{country}: a {short} share of {design.role_shares[country][short]:.3f} is "
                f"smaller than the settings with a fixed role mix already hold"
            )
        rest_mix = np.clip(rest, 0.0, None)
        for j, s in enumerate(sets):
            mix = fixed.get(s)
            table[i, j] = [mix.get(r, 0.0) for r in rls] if mix else rest_mix
    return table / table.sum(axis=2, keepdims=True)


def prior_design() -> Design:
    """The published design (sample size, country mix, event rate) with the assumed
    covariate distributions as they are, before any calibration."""
    answered = item_denominators()[(OUTCOME, "")]
    users = {
        c.country: c.n or 0
        for c in claims().values()
        if c.variable == "ict_use" and c.country in country_sizes()
    }
    events = next(c.n for c in claims().values() if c.kind == "percent" and c.variable == OUTCOME)
    design = Design(
        n=answered,
        country_counts=largest_remainder(answered, users),
        age=assumed("age"),
        age_at_graduation=assumed("age_at_graduation"),
        setting_shares=assumed("setting_shares"),
        role_shares=assumed("role_shares"),
        role_in_setting=assumed("role_in_setting"),
        log_odds={t.name: t.log_odds for t in terms()},
        event_rate=(events or 0) / answered,
    )
    return calibrate_intercept(design)


def scaled_shares(
    shares: dict[str, dict[str, float]], level: str, factor: float
) -> dict[str, dict[str, float]]:
    """Each country's share of ``level`` times ``factor``; the other categories keep their
    relative sizes and make up the difference."""
    out = {}
    for country, s in shares.items():
        new_level = s[level] * factor
        if not 0 <= new_level < 1:
            raise ValueError(f"{country}: a {level} share of {new_level:.3f} is not a share")
        rest = 1 - s[level]
        out[country] = {
            k: new_level if k == level else v * (1 - new_level) / rest for k, v in s.items()
        }
    return out


def scaled(design: Design, factors: dict[str, float], label: str | None = None) -> Design:
    """The design with each named group (``role[psychotherapy]``, ``setting[school]``) that
    many times as large in every country, the other categories rescaled; the intercept is
    left as it was (see :func:`scale_groups`). Raises ValueError if the shares are
    impossible (a share above 1, or a role share below what a fixed role mix needs)."""
    setting_shares, role_shares = design.setting_shares, design.role_shares
    for name, factor in factors.items():
        variable, level = name.rstrip("]").split("[")
        if variable == "setting":
            setting_shares = scaled_shares(setting_shares, level, factor)
        elif variable == "role":
            role_shares = scaled_shares(role_shares, level, factor)
        else:
            raise ValueError(f"{name}: only setting and role groups can be scaled")
    out = replace(
        design,
        setting_shares=setting_shares,
        role_shares=role_shares,
        label=label or design.label,
    )
    role_table(out)
    return out


def scale_groups(design: Design, factors: dict[str, float], label: str | None = None) -> Design:
    """:func:`scaled`, with the intercept set again for the published event rate."""
    return calibrate_intercept(scaled(design, factors, label))


def with_graduation_spread(design: Design, scale: float) -> Design:
    """Age at graduation more (or less) spread out: weaker (or stronger) age–year correlation."""
    spec = {**design.age_at_graduation, "gamma_scale": scale}
    return calibrate_intercept(
        replace(design, age_at_graduation=spec, label=f"graduation-age scale {scale:g}")
    )


def with_missing_covariates(design: Design, fraction: float) -> Design:
    """A share of the model sample lost to missing covariates (completely at random)."""
    if not 0 <= fraction < 1:
        raise ValueError("the missing fraction must be in [0, 1)")
    return replace(design, missing_covariates=fraction, label=f"{fraction:.0%} covariates missing")


def with_role_mix(design: Design, name: str, share: float) -> Design:
    """The design with ``share`` of each setting with a fixed role mix in the named role
    (``role[psychotherapy]``), the other roles of that mix rescaled."""
    level = name.rstrip("]").split("[")[1]
    mixes = {
        setting: {
            r: share if r == level else v * (1 - share) / (1 - mix[level]) for r, v in mix.items()
        }
        for setting, mix in design.role_in_setting.items()
    }
    return calibrate_intercept(
        replace(design, role_in_setting=mixes, label=f"{share:.0%} of fixed mixes in {level}")
    )


def with_independent_roles(design: Design) -> Design:
    """Roles drawn independently of settings (no fixed role mix in any setting)."""
    return calibrate_intercept(
        replace(design, role_in_setting={}, label="roles independent of settings")
    )


@dataclass
class Batch:
    """Generated replications. Each respondent is a covariate cell (country × setting ×
    role: ``cell`` (R, n), whose categorical covariate vectors are the rows of ``base``
    (C, p)) with a centred graduation year and age (R, n); outcomes ``y`` (R, n) and the
    true coefficients of each replication ``beta`` (R, p)."""

    y: np.ndarray
    country: np.ndarray
    setting: np.ndarray
    role: np.ndarray
    cell: np.ndarray
    grad: np.ndarray
    age: np.ndarray
    base: np.ndarray
    beta: np.ndarray

    @property
    def X(self) -> np.ndarray:
        """The full design matrices (R, n, p), intercept first, in :func:`term_names` order."""
        names = term_names()
        X = self.base[self.cell]
        X[..., names.index("graduation_year")] = self.grad
        X[..., names.index("age")] = self.age
        return X

    def head(self, size: int) -> Batch:
        """The first ``size`` replications."""
        return Batch(
            y=self.y[:size],
            country=self.country[:size],
            setting=self.setting[:size],
            role=self.role[:size],
            cell=self.cell[:size],
            grad=self.grad[:size],
            age=self.age[:size],
            base=self.base,
            beta=self.beta[:size],
        )

    def linear_predictor(self, beta: np.ndarray) -> np.ndarray:
        """``X @ beta`` for each replication (R, n), through the cells, without building X."""
        names = term_names()
        ig, ia = names.index("graduation_year"), names.index("age")
        offset = beta @ self.base.T  # (R, C): the continuous columns of base are zero
        eta = offset.take(self.cell + offset.shape[1] * np.arange(len(beta))[:, None])
        eta += beta[:, ig, None] * self.grad
        eta += beta[:, ia, None] * self.age
        return eta


def _categorical(
    rng: np.random.Generator, u_shape: tuple[int, ...], index: np.ndarray, table: np.ndarray
) -> np.ndarray:
    """Draw a category per row from probability rows ``table[index]`` (vectorised; ``index``
    broadcasts against ``u_shape``): the category is the number of cumulative probabilities
    below a uniform draw, counted one threshold at a time in the smallest integer type that
    holds it (no (..., categories) array)."""
    u = rng.random(u_shape)
    category = np.zeros(u_shape, dtype=np.min_scalar_type(table.shape[1] - 1))
    for threshold in np.cumsum(table, axis=1)[:, :-1].T:
        category += u > threshold[index]
    return category.astype(np.intp)


def _truncated(
    draw: Callable[[np.ndarray], np.ndarray],
    values: np.ndarray,
    reject: Callable[[np.ndarray, np.ndarray | slice], np.ndarray],
) -> np.ndarray:
    """Redraw rejected entries (by flat index) until none is rejected; only the rejected
    entries are touched on each pass. ``reject(x, where)`` tells which of the values ``x``
    at the flat positions ``where`` (an index array, or ``slice(None)`` for all) to redraw."""
    flat = values.ravel()
    idx = np.flatnonzero(reject(flat, slice(None)))
    while idx.size:
        redrawn = draw(idx)
        flat[idx] = redrawn
        idx = idx[reject(redrawn, idx)]
    return values


def draw_truth(design: Design, replications: int, rng: np.random.Generator) -> np.ndarray:
    """The true coefficients of each replication (R, p): the design's, or, with
    ``or_rounding``, each published odds ratio drawn uniformly within the interval of odds
    ratios that print as it."""
    beta = np.tile(true_coefficients(design), (replications, 1))
    if design.or_rounding:
        for j, t in enumerate(terms(), start=1):
            if t.claim_id:
                lo, hi = or_interval(claims()[t.claim_id])
                beta[:, j] = np.log(rng.uniform(lo, hi, replications))
    return beta


def generate_batch(
    design: Design, replications: int, rng: np.random.Generator, with_outcome: bool = True
) -> Batch:
    """Generate ``replications`` regression samples at once (vectorised numpy)."""
    countries = list(design.country_counts)
    n = design.n_model
    counts = largest_remainder(n, design.country_counts)
    country_idx = np.repeat(np.arange(len(countries)), [counts[c] for c in countries])
    shape = (replications, n)

    mean = np.array([design.age[c]["mean"] for c in countries], float)[country_idx]
    sd = np.array([design.age[c]["sd"] for c in countries], float)[country_idx]
    lo, hi = design.age["min"], design.age["max"]
    first = rng.standard_normal(shape)  # as rng.normal(mean, sd, shape) draws, to the bit
    first *= sd
    first += mean
    age = _truncated(
        lambda idx: rng.normal(mean[idx % n], sd[idx % n]),
        first,
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

    sets, rls = settings(), roles()
    setting_tab = np.array([[design.setting_shares[c][s] for s in sets] for c in countries])
    setting = _categorical(rng, shape, country_idx, setting_tab)
    by_cell = role_table(design).reshape(len(countries) * len(sets), len(rls))
    country_setting = country_idx[None, :] * len(sets) + setting
    role = _categorical(rng, shape, country_setting, by_cell)

    base, _ = _cell_layout(tuple(countries))
    cell = country_setting * len(rls) + role
    batch = Batch(
        y=np.zeros(shape),
        country=np.broadcast_to(country_idx, shape),
        setting=setting,
        role=role,
        cell=cell,
        grad=grad_year - CENTRE["graduation_year"],
        age=age - CENTRE["age"],
        base=base,
        # the truth has its own stream, drawn from in every design, so that designs that
        # differ only in their truth see the same covariates and outcome draws (common
        # random numbers)
        beta=draw_truth(design, replications, np.random.default_rng(rng.integers(2**63))),
    )
    if with_outcome:
        prob = special.expit(batch.linear_predictor(batch.beta))
        batch.y = (rng.random(shape) < prob).astype(float)
    return batch


def true_coefficients(design: Design) -> np.ndarray:
    """True coefficients on the centred design: calibrated intercept, published log ORs."""
    return np.array([design.intercept, *[design.log_odds[t.name] for t in terms()]])


DRAW = 50_000
"""Respondents per country in the fixed draw of ages and graduation years over which
expectations under a design are taken."""
DRAW_SEED = 20170101
"""Seed of that draw (fixed, so an expectation is a function of the design alone)."""
BINS = 200
"""Quantile bins of the continuous covariates' log odds per country: within a bin the
respondents' weight p(1 - p) is taken at the bin's mean, their covariates exactly."""
MOMENTS = ("1", "g", "a", "gg", "ga", "aa")
"""The per-bin sums kept of each drawn respondent: 1, graduation year (g), age (a), and
their squares and product (both centred), for the expected information."""


@lru_cache(maxsize=32)
def _age_bins(
    spec: str, countries: tuple[str, ...], slopes: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """For each country: the mean continuous log odds of each bin (countries, BINS), and the
    bin's share of the draw times the mean of each of :data:`MOMENTS` (countries, BINS, 6)."""
    age, at_grad = json.loads(spec)
    uniform = {c: dict.fromkeys(settings(), 1 / len(settings())) for c in countries}
    template = Design(
        n=DRAW * len(countries),
        country_counts=dict.fromkeys(countries, DRAW),
        age=age,
        age_at_graduation=at_grad,
        setting_shares=uniform,
        role_shares={c: dict.fromkeys(roles(), 1 / len(roles())) for c in countries},
        role_in_setting={},
        log_odds={t.name: 0.0 for t in terms()},
        event_rate=0.5,
    )
    X = generate_batch(template, 1, np.random.default_rng(DRAW_SEED), with_outcome=False).X[0]
    names = term_names()
    grad = X[:, names.index("graduation_year")].reshape(len(countries), DRAW)
    years = X[:, names.index("age")].reshape(len(countries), DRAW)
    eta = slopes[0] * grad + slopes[1] * years
    centres = np.zeros((len(countries), BINS))
    moments = np.zeros((len(countries), BINS, len(MOMENTS)))
    for i in range(len(countries)):
        order = np.argsort(eta[i], kind="stable")
        for b, idx in enumerate(np.array_split(order, BINS)):
            g, a = grad[i, idx], years[i, idx]
            centres[i, b] = eta[i, idx].mean()
            moments[i, b] = [
                len(idx),
                g.sum(),
                a.sum(),
                (g * g).sum(),
                (g * a).sum(),
                (a * a).sum(),
            ]
    return centres, moments / DRAW


def age_bins(design: Design) -> tuple[np.ndarray, np.ndarray]:
    """The design's binned draw of graduation years and ages (see :func:`_age_bins`)."""
    slopes = (design.log_odds["graduation_year"], design.log_odds["age"])
    return _age_bins(design._age_spec, tuple(design.country_counts), slopes)


@dataclass(frozen=True)
class Cells:
    """The design's covariate cells (country × setting × role): their probabilities (C,),
    the categorical part of each cell's covariate vector (C, p), and their country (C,)."""

    prob: np.ndarray
    base: np.ndarray
    country: np.ndarray


@lru_cache(maxsize=8)
def _cell_layout(countries: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The categorical covariate vector (C, p) and the country (C,) of every country ×
    setting × role cell, in that nesting order."""
    names = term_names()
    base, country = [], []
    for i, c in enumerate(countries):
        for s in settings():
            for r in roles():
                x = np.zeros(len(names))
                x[0] = 1.0
                for name in (f"country[{c}]", f"setting[{s}]", f"role[{r}]"):
                    if name in names:
                        x[names.index(name)] = 1.0
                base.append(x)
                country.append(i)
    return np.array(base), np.array(country)


def cells(design: Design) -> Cells:
    """Every country × setting × role cell, with its probability under the design (not to
    be changed in place)."""
    return design._cells


def _make_cells(design: Design) -> Cells:
    countries = tuple(design.country_counts)
    base, country = _cell_layout(countries)
    total = sum(design.country_counts.values())
    by_country = np.array([design.country_counts[c] / total for c in countries])
    by_setting = np.array([[design.setting_shares[c][s] for s in settings()] for c in countries])
    prob = by_country[:, None, None] * by_setting[:, :, None] * role_table(design)
    return Cells(prob.ravel(), base, country)


def linear_predictors(
    design: Design, intercept: float | None = None, cs: Cells | None = None
) -> np.ndarray:
    """The true log odds of every cell and bin of the age draw (C, BINS)."""
    cs = cs or cells(design)
    centres, _ = age_bins(design)
    beta = true_coefficients(design)
    if intercept is not None:
        beta[0] = intercept
    names = term_names()
    categorical = [j for j, n in enumerate(names) if n not in ("graduation_year", "age")]
    offset = cs.base[:, categorical] @ beta[categorical]
    return offset[:, None] + centres[cs.country]


def expectation(design: Design, values: np.ndarray, cs: Cells) -> dict[str, np.ndarray]:
    """Per cell (C,), the expectation over the age draw of ``values`` (C, BINS) times each
    of :data:`MOMENTS`."""
    _, moments = age_bins(design)
    per_cell = moments[cs.country]  # (C, BINS, 6)
    sums = np.einsum("cb,cbm->cm", values, per_cell)
    return {m: sums[:, k] for k, m in enumerate(MOMENTS)}


def calibrate_intercept(design: Design) -> Design:
    """Set the intercept so that the expected event rate equals the published one
    (Newton's method on the design's cells and binned draw of ages)."""
    cs = cells(design)
    eta = linear_predictors(design, 0.0, cs)
    weight = age_bins(design)[1][cs.country, :, 0]
    alpha = float(special.logit(design.event_rate)) - float(cs.prob @ (eta * weight).sum(axis=1))
    for _ in range(50):
        mu = special.expit(eta + alpha)
        rate = float(cs.prob @ (mu * weight).sum(axis=1))
        slope = float(cs.prob @ (mu * (1 - mu) * weight).sum(axis=1))
        step = (rate - design.event_rate) / slope
        alpha -= step
        if abs(step) < 1e-12:
            break
    return replace(design, intercept=alpha)


def share_outside(design: Design, role: str, setting: str) -> float:
    """The share of the model sample in a role (``role[psychotherapy]``) but not in a
    practice setting (``private_practice``)."""
    names = term_names()
    cs = cells(design)
    in_role = cs.base[:, names.index(role)] == 1
    in_setting = cs.base[:, names.index(f"setting[{setting}]")] == 1
    return float(cs.prob[in_role & ~in_setting].sum())
