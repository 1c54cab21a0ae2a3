"""The simulation study: many surveys of the published design, each fitted.

Each replication is a new survey of the published design (:mod:`.population`): the
regression sample of the published size and country mix, covariates drawn from the design,
and the outcome drawn from the logistic model whose odds ratios are the published ones (the
truth, by construction, unless a scenario says otherwise). An engine (:mod:`.engines`)
fits the published model to each; the rows are kept in the results store.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import stats

from ... import params, store
from . import engines
from .metrics import all_claims_reproduce, summarise
from .population import Batch, Design, generate_batch, term_names
from .precision import canonical_design, expected

CHUNK = 200


def _chunks(replications: int) -> Iterator[int]:
    done = 0
    while done < replications:
        size = min(CHUNK, replications - done)
        yield size
        done += size


def chunks(replications: int, seed: int, design: Design) -> Iterator[Batch]:
    """The surveys of a study, :data:`CHUNK` at a time, drawn as :func:`simulate` says."""
    for k, size in enumerate(_chunks(replications)):
        yield generate_batch(design, CHUNK, np.random.default_rng([seed, k])).head(size)


def fit(batch: Batch, engine: str, design: Design) -> engines.Fits:
    """A chunk of surveys fitted by ``engine`` (the batched one starts from the truth)."""
    if engine == "batched":
        return engines.fit_batched(batch, start=batch.beta)
    return engines.fit_statsmodels(batch, list(design.country_counts))


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
    if engine not in engines.ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(engines.ENGINES)}")
    params.check({"replications": replications})
    design = design or canonical_design()
    names = term_names()
    parts, start = [], 0
    for batch in chunks(replications, seed, design):
        size = len(batch.beta)
        fits = fit(batch, engine, design)
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


def study(replications: int, seed: int, key: str = "canonical") -> pd.DataFrame:
    """The simulation rows of one scenario (:mod:`.scenarios`), from the results
    store when another chapter has already run them."""
    from .scenarios import scenario

    return store.cached(
        "simulation",
        {"replications": replications, "seed": seed, "scenario": key},
        lambda: simulate(replications, seed, "batched", scenario(key).design),
    )


def truth_known_all_below(design: Design, ladder: tuple[float, ...] | None = None) -> float:
    """The probability that every p falls below its published bound with the design's
    truth known, as the product of the terms' own probabilities (normal approximation, the
    terms taken as independent; the simulation needs neither)."""
    return float(expected(design, ladder)["p_below"].prod())


def predictive_all_below(published: Design, ladder: tuple[float, ...] | None = None) -> float:
    """The same product with a flat prior on the truth around the published estimates
    (:func:`.precision.predictive_below`), at the standard errors of ``published``: a
    design whose truth is the published odds ratios (:attr:`.scenarios.Scenario.published`),
    so that the answer depends on no assumed truth. NaN when an expected p of that design
    falls outside its published bracket: the original z it implies contradicts a published
    claim."""
    terms = expected(published, ladder)
    if not terms["in_bracket"].all():
        return float("nan")
    return float(terms["p_below_predictive"].prod())


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
        per_term.append(summarise(sim, sc.ladder).assign(scenario=sc.name, key=sc.key))
        per_scenario.append(
            {
                "key": sc.key,
                "scenario": sc.name,
                "why": sc.why,
                "justified": sc.justified,
                "overstated": sc.overstated,
                "fits_brackets": sc.fits_brackets,
                "replications": reps,
                **all_claims_reproduce(sim, sc.ladder),
                "analytic_all_below": truth_known_all_below(sc.design, sc.ladder),
                "predictive_all_below": predictive_all_below(sc.published, sc.ladder),
            }
        )
    return pd.concat(per_term, ignore_index=True), pd.DataFrame(per_scenario)
