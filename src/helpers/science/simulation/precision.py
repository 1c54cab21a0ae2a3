"""What precision a survey design can expect, and the design the published brackets allow.

For a logistic model, one respondent with covariates ``x`` carries the Fisher information
``p (1 - p) x x'``, where ``p`` is the respondent's probability of the outcome. Averaged
over the design's covariate distribution and multiplied by the model's sample size, its
inverse is the covariance a survey of that design can expect. A term's *expected z* is
``|log OR| / SE``; its *expected p* is the two-sided p-value at that z.

The average is taken cell by cell (country × practice setting × role, with their
probabilities under the design) over a fixed draw of ages and graduation years per country
(:func:`.population.cells`, :func:`.population.age_bins`), so it is cheap enough
to search over designs.

:func:`calibrated` chooses the sizes of the small groups (the role and setting contrasts
that the abstract reports in a bracket with a lower end: p < .05 and p < .005) so that each
term's expected z lies at the middle of its published bracket on the z scale: the size at
which, if the published odds ratio were the truth, a survey would most often print the
published bracket (normal approximation). Given the published estimate, the bracket itself
favours no size within it; the middle is a central choice. :func:`canonical_design` is the
prior design calibrated that way: the design of the book's synthetic respondents.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ... import store
from ..audit import abstract_ladder, bracket, bracket_text, z_for
from ..registry import claims
from ..spec import Term, terms
from .population import (
    Design,
    age_bins,
    cells,
    expectation,
    linear_predictors,
    prior_design,
    scale_groups,
    scaled,
    term_names,
    with_graduation_spread,
)


def information(design: Design) -> np.ndarray:
    """The expected Fisher information of one respondent (p × p), averaged over the
    design's covariate cells and its binned draw of ages and graduation years."""
    cs = cells(design)
    mu = special.expit(linear_predictors(design, cs=cs))
    m = {k: cs.prob * v for k, v in expectation(design, mu * (1 - mu), cs).items()}
    names = term_names()
    eg, ea = np.zeros(len(names)), np.zeros(len(names))
    eg[names.index("graduation_year")], ea[names.index("age")] = 1.0, 1.0
    info = np.einsum("c,ci,cj->ij", m["1"], cs.base, cs.base)
    for key, e in (("g", eg), ("a", ea)):
        cross = m[key] @ cs.base
        info += np.outer(cross, e) + np.outer(e, cross)
    info += np.outer(eg, eg) * m["gg"].sum() + np.outer(ea, ea) * m["aa"].sum()
    info += (np.outer(eg, ea) + np.outer(ea, eg)) * m["ga"].sum()
    return info


def _standard_errors(design: Design) -> np.ndarray:
    """:func:`expected_se` as an array in :func:`.population.term_names` order (the
    calibrations' inner loop, which a Series would slow by a third)."""
    return np.sqrt(np.diag(np.linalg.inv(information(design) * design.n_model)))


def expected_se(design: Design) -> pd.Series:
    """The standard error of each coefficient a survey of this design can expect."""
    return pd.Series(_standard_errors(design), index=term_names())


def probability_below(z: float, bound: float) -> float:
    """P(two-sided p < bound, in the true direction) for an estimate with expected z
    ``z`` (normal approximation)."""
    return float(special.ndtr(abs(z) - z_for(bound)))  # the normal cdf, as stats.norm.cdf


def predictive_below(z: float, bound: float) -> float:
    """P(a replication of the same size gives two-sided p < bound, in the original
    direction) for an original estimate with z ``z``, with a flat prior on the truth: the
    replication's z is then normal around ``z`` with variance 2 (Goodman 1992), not 1 as
    when the truth is known."""
    return float(special.ndtr((abs(z) - z_for(bound)) / np.sqrt(2)))


def probability_in(z: float, lower: float, upper: float) -> float:
    """P(lower <= p < upper, in the true direction) for an estimate with expected z."""
    return probability_below(z, upper) - (probability_below(z, lower) if lower > 0 else 0.0)


def _term(name: str) -> Term:
    return next(t for t in terms() if t.name == name)


def published_bracket(name: str, ladder: tuple[float, ...] | None = None) -> tuple[float, float]:
    """The published p bracket of a model term, on the abstract's ladder (or another)."""
    return bracket(claims()[_term(name).claim_id].p_bound or 0, ladder)


def expected(design: Design, ladder: tuple[float, ...] | None = None) -> pd.DataFrame:
    """Per published term: the expected SE, z and p under the design, whether the expected
    p lies in the published bracket (read with ``ladder``, the abstract's by default), and
    the probabilities of p below the published bound and of p in the bracket. Beside them,
    ``p_below_predictive``: the probability of p below the bound when the truth is not
    taken as known (:func:`predictive_below`), from the published estimate's z at the
    design's SE."""
    se = expected_se(design)
    rows = []
    for t in terms():
        if not t.claim_id:
            continue
        lower, upper = published_bracket(t.name, ladder)
        z = abs(design.log_odds[t.name]) / float(se[t.name])
        p = float(2 * stats.norm.sf(z))
        rows.append(
            {
                "term": t.name,
                "label": t.label,
                "claim": t.claim_id,
                "se": float(se[t.name]),
                "z": z,
                "expected_p": p,
                "p_low": lower,
                "p_high": upper,
                "in_bracket": bool(lower <= p < upper),
                "p_below": probability_below(z, upper),
                "p_bracket": probability_in(z, lower, upper),
                "p_below_predictive": predictive_below(abs(t.log_odds) / float(se[t.name]), upper),
            }
        )
    return pd.DataFrame(rows)


def group_share(design: Design, name: str) -> float:
    """The share of the model sample in one group (``setting[school]``), over countries."""
    variable, level = name.rstrip("]").split("[")
    total = sum(design.country_counts.values())
    shares = design.setting_shares if variable == "setting" else design.role_shares
    return sum(n / total * shares[c][level] for c, n in design.country_counts.items())


def calibrated_terms() -> list[str]:
    """The terms whose group sizes are calibrated: role and setting contrasts published in
    a bracket with a lower end (p < .05 and p < .005 on the abstract's ladder)."""
    return [
        t.name
        for t in terms()
        if t.claim_id and t.variable in ("role", "setting") and published_bracket(t.name)[0] > 0
    ]


MIDDLE = 0.5
"""Where in its bracket, on the z scale, each calibrated term's expected z is put: 0 at the
weak end (p at the bracket's bound), 1 at the strong end (p at its lower end)."""


def target_z(name: str, position: float = MIDDLE, ladder: tuple[float, ...] | None = None) -> float:
    """The expected z at ``position`` within a term's published bracket on the z scale."""
    lower, upper = published_bracket(name, ladder)
    weak, strong = z_for(upper), z_for(lower)
    return weak + position * (strong - weak)


def expected_z(design: Design, name: str) -> float:
    """One term's expected z under the design."""
    return abs(design.log_odds[name]) / float(_standard_errors(design)[term_names().index(name)])


def _feasible(design: Design, name: str, factor: float) -> bool:
    try:
        scaled(design, {name: factor})
    except ValueError:
        return False
    return True


def factor_bounds(design: Design, name: str) -> tuple[float, float]:
    """The smallest and largest factors one group can be scaled by: every share below 95%
    and every fixed role mix still possible (found by bisection from the design as it is)."""
    variable, level = name.rstrip("]").split("[")
    shares = design.setting_shares if variable == "setting" else design.role_shares
    ends = []
    for extreme in (1e-3, 0.95 / max(s[level] for s in shares.values())):
        if _feasible(design, name, extreme):
            ends.append(extreme)
            continue
        bad, good = np.log(extreme), 0.0
        for _ in range(40):
            mid = (bad + good) / 2
            if _feasible(design, name, float(np.exp(mid))):
                good = mid
            else:
                bad = mid
        ends.append(float(np.exp(good)))
    return ends[0], ends[1]


GRID = 24
"""Points of the coarse grid over a group's feasible sizes on which a root is bracketed."""


def _solve(design: Design, name: str, z: float) -> tuple[float, bool]:
    """The factor for one group that gives its term the expected z ``z``, and whether one
    exists among the feasible sizes. Expected z first grows with the group, then falls once
    the group crowds out the reference category, so the smallest such size is taken (a
    coarse grid, walked up from the smallest size, brackets it, then a root search);
    without one, the size with the largest expected z below the target is kept."""
    low, high = factor_bounds(design, name)

    def gap(log_f: float) -> float:
        return expected_z(scale_groups(design, {name: float(np.exp(log_f))}), name) - z

    grid = np.linspace(np.log(low), np.log(high), GRID)
    gaps = []
    for k, x in enumerate(grid):
        gaps.append(gap(x))
        if gaps[-1] < 0:
            continue
        if k == 0:
            return low, gaps[0] == 0
        return float(np.exp(optimize.brentq(gap, grid[k - 1], x, xtol=1e-7))), True
    return float(np.exp(grid[int(np.argmax(gaps))])), False


def share_range(design: Design, name: str) -> tuple[float, float]:
    """The shares of one group (over countries) at which its term's expected p lies in
    its published bracket, the rest of the design as it is."""
    lower, upper = published_bracket(name)
    out = []
    for z in (z_for(upper), z_for(lower)):
        factor, _ = _solve(design, name, z)
        out.append(group_share(scale_groups(design, {name: factor}), name))
    return out[0], out[1]


@dataclass(frozen=True)
class Calibration:
    """A calibrated design and, per calibrated term: its prior and calibrated shares, the
    range of shares its bracket allows, and whether the target was reached."""

    design: Design
    table: pd.DataFrame


def calibrated(
    prior: Design,
    position: float = MIDDLE,
    ladder: tuple[float, ...] | None = None,
    sweeps: int = 30,
    tol: float = 1e-4,
) -> Calibration:
    """Scale each calibrated group so that its term's expected z sits at ``position`` within
    its published bracket (by default the middle, on the z scale): Gauss–Seidel over the
    groups, each a one-dimensional root search over the group's size (scaling one setting
    rescales the others, so a few sweeps are needed). Where no feasible size reaches the
    target, the nearest feasible size is kept and the table says so.

    The middle is a central choice, not the most probable one: any size that puts the
    expected z inside the bracket agrees with the published numbers, and the scenarios
    (:mod:`.scenarios`) take the bracket's ends too. Averaged over positions spread
    evenly across a bracket, each term's chance of p below its bound is close to its chance
    at the middle."""
    names = calibrated_terms()
    reached = dict.fromkeys(names, True)
    current = prior
    targets = {n: target_z(n, position, ladder) for n in names}
    for _ in range(sweeps):
        for name in names:
            factor, reached[name] = _solve(current, name, targets[name])
            current = scale_groups(current, {name: factor})
        if all(abs(expected_z(current, n) - targets[n]) < tol for n in names if reached[n]):
            break
    result = scale_groups(current, {}, label="calibrated to the published brackets")
    rows = []
    for name in names:
        low, high = share_range(result, name)
        rows.append(
            {
                "term": name,
                "label": _term(name).label,
                "prior_share": group_share(prior, name),
                "calibrated_share": group_share(result, name),
                "allowed_low": low,
                "allowed_high": high,
                "target_z": targets[name],
                "reached": reached[name],
            }
        )
    return Calibration(design=result, table=pd.DataFrame(rows))


@cache
def calibration() -> Calibration:
    """The prior design calibrated to the published brackets (computed once, and kept in
    the results store for the other chapters)."""
    return store.cached("calibration", {}, lambda: calibrated(prior_design()))


def canonical_design() -> Design:
    """The design of the book's synthetic respondents and of the simulation's main
    scenario: the prior design with its small groups calibrated to the published brackets."""
    return calibration().design


def exaggeration(z: float, threshold: float) -> float:
    """The expected exaggeration ratio (type M error) of an estimate with expected z ``z``
    when only estimates with p below ``threshold`` in the true direction are kept: the mean
    of the normal truncated at the threshold, over the truth (Gelman and Carlin, 2014)."""
    x = abs(z) - z_for(threshold)
    return 1 + float(np.exp(stats.norm.logpdf(x) - stats.norm.logcdf(x))) / abs(z)


def winners_curse_truth(design: Design, threshold: float | None = None) -> dict[str, float]:
    """Each published log odds ratio shrunk by the exaggeration ratio the design implies
    for it (:func:`exaggeration`, at ``threshold``: the abstract's largest, as a factor had
    to be significant to be listed): a truth the published values plausibly overstate.
    Terms without a published value keep theirs."""
    threshold = threshold or max(abstract_ladder())
    se = expected_se(design)
    out = dict(design.log_odds)
    for t in terms():
        if t.claim_id:
            beta = design.log_odds[t.name]
            out[t.name] = beta / exaggeration(beta / float(se[t.name]), threshold)
    return out


def with_graduation_z(design: Design, z: float) -> Design:
    """The design with age at graduation spread so that graduation year's expected z is
    ``z`` (a wider spread weakens the age–graduation-year correlation and so sharpens both
    slopes)."""
    base = design.age_at_graduation["gamma_scale"]

    def gap(log_scale: float) -> float:
        return (
            expected_z(with_graduation_spread(design, float(np.exp(log_scale))), "graduation_year")
            - z
        )

    log_scale = optimize.brentq(gap, np.log(base / 8), np.log(base * 8), xtol=1e-6)
    return replace(with_graduation_spread(design, float(np.exp(log_scale))), label=design.label)


def compare(designs: dict[str, Design], z_max: float = 12.0) -> pd.DataFrame:
    """Expected z and p of every published term under each named design, beside the
    published bracket on the z scale (an open end shown at ``z_max``)."""
    rows = []
    for name, design in designs.items():
        for row in expected(design).itertuples():
            rows.append(
                {
                    "term": row.term,
                    "label": row.label,
                    "bracket": bracket_text(row.p_low, row.p_high),
                    "z_low": z_for(row.p_high),
                    "z_high": min(z_for(row.p_low), z_max),
                    "design": name,
                    "z": min(row.z, z_max),
                    "expected_p": row.expected_p,
                    "in_bracket": row.in_bracket,
                }
            )
    return pd.DataFrame(rows)


def conditional_truth_z(z_observed: float, threshold: float) -> float:
    """The true z that maximises the likelihood of an estimate at ``z_observed`` given that
    it was kept because its p fell below ``threshold`` in its direction (the conditional,
    truncated-normal likelihood): a much stronger correction for selection than
    :func:`winners_curse_truth`'s one step, and a much noisier one. Close to the threshold
    the likelihood has no maximum (it keeps rising as the true z falls): then ``-inf``."""
    c = z_for(threshold)

    def slope(mu: float) -> float:
        x = mu - c
        return (z_observed - mu) - float(np.exp(stats.norm.logpdf(x) - stats.norm.logcdf(x)))

    if slope(-10.0) <= 0:
        return -np.inf
    return float(optimize.brentq(slope, -10.0, z_observed))


def expected_counts(design: Design) -> pd.DataFrame:
    """For each published contrast (a group against its reference), the expected number of
    respondents in the group and, among them, with and without the outcome, under the
    design: the counts that small-sample behaviour depends on."""
    cs = cells(design)
    weight = age_bins(design)[1][cs.country, :, 0]
    risk = (special.expit(linear_predictors(design, cs=cs)) * weight).sum(axis=1)
    names = term_names()
    rows = []
    for t in terms():
        if not (t.claim_id and t.level):
            continue
        inside = cs.base[:, names.index(t.name)] == 1
        n = design.n_model * float(cs.prob[inside].sum())
        events = design.n_model * float(cs.prob[inside] @ risk[inside])
        rows.append(
            {
                "term": t.name,
                "label": t.label,
                "n": n,
                "events": events,
                "non_events": n - events,
                "rarer": min(events, n - events),
            }
        )
    return pd.DataFrame(rows)
