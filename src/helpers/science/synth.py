"""Synthetic respondents that reproduce every published count exactly.

For any seed, :func:`generate` returns a respondent-level data set of the published size
in which every published count (and the item non-response the audit implies) holds by
construction. Unpublished values come from ``data/assumptions.yaml``. The regression's
outcome (contact outside work hours) is drawn from the logistic model with the published
odds ratios *conditional on its published number of events*: conditioning a logistic
model on its event count removes only the intercept, so the published odds ratios stay the
true values of the model the data are drawn from (each data set's estimates scatter around
them, with maximum likelihood's small-sample bias) and the count holds exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .assumptions import value as assumed
from .audit import item_denominators
from .codebook import field, fields, survey_year
from .registry import claims, country_sizes
from .simulation.population import role_table, roles, settings
from .simulation.precision import canonical_design
from .spec import OUTCOME, linear_predictor

# How a published count covering several answers is split between them, and how the
# answers no claim counts share the rest: (variable, values) -> (assumption, first value).
SPLITS: dict[tuple[str, tuple[str, ...]], str] = {
    ("search_appropriate", ("always", "sometimes")): "appropriate_always_share",
    ("workplace_policy", ("no", "unaware")): "policy_unaware_share",
    ("initiated", ("client", "social_worker")): "initiated_client_share",
}


def _published_counts(variable: str, country: str = "") -> dict[tuple[str, ...], int]:
    return {
        c.counts: c.n or 0
        for c in claims().values()
        if c.kind == "percent" and c.variable == variable and c.country == country and c.in_sample
    }


def answer_counts(variable: str, answered: int, country: str = "") -> dict[str, int]:
    """How many give each answer, among ``answered`` respondents: published counts first,
    the rest split by the assumed shares."""
    f = field(variable)
    groups = _published_counts(variable, country)
    rest = tuple(v for v in f.enum if not any(v in g for g in groups))
    if rest:
        groups[rest] = answered - sum(groups.values())
    out: dict[str, int] = {}
    for values, count in groups.items():
        if count < 0:
            raise ValueError(f"{variable}: published counts exceed the {answered:,} who answered")
        if len(values) == 1:
            out[values[0]] = count
        else:
            first = round(count * float(assumed(SPLITS[(variable, values)])))
            out[values[0]], out[values[1]] = first, count - first
    return out


def _assign(
    rng: np.random.Generator, eligible: np.ndarray, answered: int, counts: dict[str, int]
) -> np.ndarray:
    """Give exactly ``counts`` answers, and ``NR`` to the rest, among the eligible rows."""
    out = np.full(len(eligible), "NA", dtype=object)
    idx = np.flatnonzero(eligible)
    if answered > len(idx) or sum(counts.values()) != answered:
        raise ValueError("answer counts do not fit the eligible respondents")
    codes = np.concatenate(
        [
            np.repeat(np.array(list(counts), dtype=object), list(counts.values())),
            np.full(len(idx) - answered, "NR", dtype=object),
        ]
    )
    out[idx] = rng.permutation(codes)
    return out


def conditional_bernoulli(log_odds: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Draw independent Bernoulli outcomes with the given log odds, conditional on exactly
    ``k`` successes (exact sampling via elementary symmetric polynomials in log space)."""
    n = len(log_odds)
    if not 0 <= k <= n:
        raise ValueError(f"cannot choose {k} of {n}")
    table = np.full((n + 1, k + 1), -np.inf)
    table[n, 0] = 0.0
    for i in range(n - 1, -1, -1):
        table[i, 0] = 0.0
        table[i, 1:] = np.logaddexp(table[i + 1, 1:], log_odds[i] + table[i + 1, :-1])
    chosen = np.zeros(n, dtype=bool)
    remaining = k
    draws = rng.random(n)
    for i in range(n):
        if remaining == 0:
            break
        p = np.exp(log_odds[i] + table[i + 1, remaining - 1] - table[i, remaining])
        if draws[i] < p:
            chosen[i] = True
            remaining -= 1
    return chosen


def _truncated_normal(
    rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, size: int
) -> np.ndarray:
    x = rng.normal(mean, sd, size)
    bad = (x < lo) | (x > hi)
    while bad.any():
        x[bad] = rng.normal(mean, sd, bad.sum())
        bad = (x < lo) | (x > hi)
    return x


def _covariates(rng: np.random.Generator, countries: np.ndarray) -> dict[str, np.ndarray]:
    """Ages, graduation years, settings and roles, drawn from the canonical design: settings
    by country, roles by country and setting (helpers.science.simulation.population.role_table)."""
    design = canonical_design()
    age_spec = design.age
    grad_spec = design.age_at_graduation
    n = len(countries)
    age = np.zeros(n, dtype=int)
    setting = np.empty(n, dtype=object)
    role = np.empty(n, dtype=object)
    table = role_table(design)
    for i, country in enumerate(design.country_counts):
        mask = countries == country
        m = int(mask.sum())
        spec = age_spec[country]
        age[mask] = np.rint(
            _truncated_normal(rng, spec["mean"], spec["sd"], age_spec["min"], age_spec["max"], m)
        ).astype(int)
        shares = design.setting_shares[country]
        drawn = rng.choice(settings(), size=m, p=[shares[s] for s in settings()])
        setting[mask] = drawn
        chosen = np.empty(m, dtype=object)
        for j, s in enumerate(settings()):
            here = drawn == s
            chosen[here] = rng.choice(roles(), size=int(here.sum()), p=table[i, j])
        role[mask] = chosen
    at_grad = grad_spec["min"] + rng.gamma(grad_spec["gamma_shape"], grad_spec["gamma_scale"], n)
    too_late = at_grad > age
    while too_late.any():
        at_grad[too_late] = grad_spec["min"] + rng.gamma(
            grad_spec["gamma_shape"], grad_spec["gamma_scale"], too_late.sum()
        )
        too_late = at_grad > age
    graduation_year = survey_year() - np.floor(age - at_grad).astype(int)
    return {"age": age, "graduation_year": graduation_year, "setting": setting, "role": role}


def generate(seed: int) -> pd.DataFrame:
    """A synthetic respondent data set (typed, as :func:`helpers.science.dataio.read_respondents`
    returns) that reproduces every published count exactly."""
    rng = np.random.default_rng(seed)
    sizes = country_sizes()
    denominators = item_denominators()
    countries = np.repeat(np.array(list(sizes), dtype=object), list(sizes.values()))
    rng.shuffle(countries)
    cols: dict[str, np.ndarray] = {"country": countries, **_covariates(rng, countries)}

    ict = np.full(len(countries), "NA", dtype=object)
    for country in sizes:
        mask = countries == country
        answered = denominators[("ict_use", country)]
        ict[mask] = _assign(
            rng, np.ones(mask.sum(), bool), answered, answer_counts("ict_use", answered, country)
        )
    cols["ict_use"] = ict

    for f in fields():
        if f.name in cols or f.name in ("respondent_id", OUTCOME):
            continue
        if f.asked_if is None:
            eligible = np.ones(len(countries), dtype=bool)
        else:
            gate, answer = f.asked_if
            eligible = cols[gate] == answer
        answered = denominators[(f.name, "")]
        cols[f.name] = _assign(rng, eligible, answered, answer_counts(f.name, answered))

    cols[OUTCOME] = _outcome(rng, cols)
    frame = pd.DataFrame(cols)
    frame.insert(0, "respondent_id", np.arange(1, len(frame) + 1))
    return _typed(frame)


def _outcome(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> np.ndarray:
    gate, answer = field(OUTCOME).asked_if or ("", "")
    eligible = cols[gate] == answer
    answered = item_denominators()[(OUTCOME, "")]
    events = answer_counts(OUTCOME, answered)["yes"]
    out = np.full(len(eligible), "NA", dtype=object)
    idx = np.flatnonzero(eligible)
    respond = rng.permutation(np.arange(len(idx)) < answered)
    out[idx[~respond]] = "NR"
    rows = idx[respond]
    frame = pd.DataFrame({k: v[rows] for k, v in cols.items() if k in _model_columns()})
    yes = conditional_bernoulli(linear_predictor(frame), events, rng)
    out[rows] = np.where(yes, "yes", "no")
    return out


def _model_columns() -> Sequence[str]:
    return ("country", "role", "setting", "age", "graduation_year")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for f in fields():
        col = frame[f.name]
        if f.type == "integer":
            out[f.name] = pd.array(col, dtype="Int64")
        else:
            out[f.name] = pd.array([None if v in ("NR", "NA") else v for v in col], dtype="string")
    return pd.DataFrame(out)


def subsample(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """A simple random sample of ``size`` respondents (a class-sized survey), ids kept."""
    if not 1 <= size <= len(frame):
        raise ValueError(f"a sample must hold 1 to {len(frame):,} respondents, not {size:,}")
    rows = np.sort(np.random.default_rng(seed).choice(len(frame), size=size, replace=False))
    return frame.iloc[rows].reset_index(drop=True)
