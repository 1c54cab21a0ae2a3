"""What the simulation study measures: bias, standard errors, coverage, the
probabilities of p below the published bound and in the published bracket, the
winner's curse, all claims together, with Monte Carlo standard errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..audit import bracket
from ..models import Z95
from ..registry import claims
from ..spec import term_label, terms


def _share(hit: np.ndarray) -> tuple[float, float]:
    """A proportion of replications and its Monte Carlo standard error."""
    p = float(hit.mean())
    return p, float(np.sqrt(p * (1 - p) / len(hit)))


def _hits(
    sim: pd.DataFrame, ladder: tuple[float, ...] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per published term, by replication: p below the published bound, and p in the
    published bracket (read with ``ladder``, the abstract's by default), each in the
    published direction; a fit that did not converge reproduces neither."""
    out = {}
    for t in terms():
        if not t.claim_id:
            continue
        c = claims()[t.claim_id]
        s = sim[sim["term"] == t.name].sort_values("replication")
        p_values = s["p_value"].to_numpy()
        right_way = np.sign(s["estimate"].to_numpy()) == np.sign(t.log_odds)
        right_way &= s["converged"].to_numpy()
        lower, upper = bracket(c.p_bound or 0, ladder)
        out[t.name] = (
            (p_values < upper) & right_way,
            (p_values >= lower) & (p_values < upper) & right_way,
        )
    return out


def summarise(sim: pd.DataFrame, ladder: tuple[float, ...] | None = None) -> pd.DataFrame:
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
    hits = _hits(sim, ladder)
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


def all_claims_reproduce(
    sim: pd.DataFrame, ladder: tuple[float, ...] | None = None
) -> dict[str, float]:
    """The probability that every published significance claim reproduces in one
    replication (every p below its bound, every direction as published), and that every
    p lands in its published bracket (read with ``ladder``), each with its Monte Carlo SE."""
    hits = _hits(sim, ladder)
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


RARE = 10
"""Below this many replications with the event, a proportion is given with its exact
interval: a binomial standard error means little for a handful of events."""


def proportion_text(share: float, mcse: float, replications: int) -> str:
    """A simulated proportion as a reader should see it: ``9.5% ± 0.9%`` (Monte Carlo SE),
    or, from fewer than :data:`RARE` events, the count and its exact (Clopper–Pearson)
    95% interval."""
    events = round(share * replications)
    if events >= RARE:
        return f"{share:.1%} ± {mcse:.1%}"
    low = stats.beta.ppf(0.025, events, replications - events + 1) if events else 0.0
    high = stats.beta.ppf(0.975, events + 1, replications - events)
    return (
        f"{events} of {replications:,} simulated surveys (exact 95% interval "
        f"{100 * low:.2g}% to {100 * high:.2g}%)"
    )


def paired_differences(a: pd.DataFrame, b: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """:func:`paired_difference` for each term (``term``, ``difference``, ``mcse``),
    largest absolute difference first (ties in the order of ``names``)."""
    rows = []
    for name in names:
        difference, mcse = paired_difference(a, b, name)
        rows.append({"term": name, "difference": difference, "mcse": mcse})
    out = pd.DataFrame(rows, columns=["term", "difference", "mcse"])
    order = out["difference"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


BIAS_Z = 2.58
"""Monte Carlo standard errors beyond which a bias is told apart from simulation noise
(two-sided 1%)."""


@dataclass(frozen=True)
class Leaning:
    """The terms of a :func:`summarise` table whose bias lies beyond Monte Carlo error."""

    terms: pd.DataFrame
    """Their rows of the summary."""
    away_from_one: bool
    """Whether every one of them leans away from an odds ratio of 1 (true when none does)."""
    largest_in_se: float
    """The largest of their biases in units of the estimates' spread (empirical SE)."""
    worst: pd.Series
    """The summary row with the largest absolute bias, beyond Monte Carlo error or not."""


def leaning(summary: pd.DataFrame, z: float = BIAS_Z) -> Leaning:
    """Which terms' estimates lean, on average, beyond ``z`` Monte Carlo SEs of their bias;
    whether they lean away from 1; by how much of a standard error at most; and the term
    with the largest bias."""
    beyond = summary[summary["bias"].abs() > z * summary["bias_mcse"]]
    away = bool((np.sign(beyond["bias"]) == np.sign(np.log(beyond["true_or"]))).all())
    in_se = float((beyond["bias"].abs() / beyond["empirical_se"]).max()) if len(beyond) else 0.0
    return Leaning(
        terms=beyond,
        away_from_one=away,
        largest_in_se=in_se,
        worst=summary.loc[summary["bias"].abs().idxmax()],
    )
