"""The scenarios of the simulation study: designs a survey of the published kind could have.

Each :class:`Scenario` is a design with a one-line reason. The *justified* ones are those
the published numbers do not rule out: a design whose expected p-value lies in the
published bracket for every term (at the published odds ratios), or a change only to what
the publication leaves open about the truth (where in its rounding interval each odds ratio
lies, how much selection for significance inflated it).

Two kinds of uncertainty are kept apart. Over the designs, with the published odds ratios
as the truth, the brackets bound the results: the book's headline is a range over those
(:func:`headline`). A truth smaller than published (:attr:`Scenario.overstated`) never
contradicts a published estimate, so the published numbers set no floor there: those
scenarios are sensitivity rows, reported beside the range, not as its end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache, cached_property

import pandas as pd

from ... import store
from ..audit import FINER_LADDER
from .population import (
    Design,
    calibrate_intercept,
    prior_design,
    with_graduation_spread,
    with_independent_roles,
    with_missing_covariates,
    with_role_mix,
)
from .precision import (
    calibrated,
    canonical_design,
    expected,
    expected_z,
    winners_curse_truth,
    with_graduation_z,
)

MISSING = 0.2
"""The share of the model sample lost to missing covariates in that scenario."""
PSYCHOTHERAPY = "role[psychotherapy]"


@dataclass(frozen=True)
class Scenario:
    """A design, whether the published numbers leave it open (justified), and why."""

    key: str
    name: str
    design: Design
    truth_only: bool
    why: str
    overstated: bool = False
    """The truth is smaller than published (a correction for the winner's curse)."""
    ladder: tuple[float, ...] | None = None
    """The ladder of p thresholds its brackets are read with (the abstract's by default)."""

    @cached_property
    def published(self) -> Design:
        """The scenario's covariates with the published odds ratios as the truth."""
        return calibrate_intercept(replace(self.design, log_odds=canonical_design().log_odds))

    @property
    def fits_brackets(self) -> bool:
        """Whether every term's expected p lies in its published bracket, with the published
        odds ratios on the scenario's covariates: a bracket constrains the standard error
        of the published estimate, not the truth."""
        return bool(expected(self.published, self.ladder)["in_bracket"].all())

    @property
    def justified(self) -> bool:
        """Left open by the published numbers: a change to the truth only, or a design that
        fits every published bracket in expectation."""
        return self.truth_only or self.fits_brackets


WEAK, STRONG = 0.05, 0.95
"""Positions within each bracket (on the z scale, 0 = weak end at the bound, 1 = strong end)
of the scenarios that put every calibrated term near one end of its bracket."""


def headline(per_scenario: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`study.scenario_study`'s per-scenario table the headline range is
    taken over: justified, with the published odds ratios as the truth."""
    return per_scenario[per_scenario["justified"] & ~per_scenario["overstated"]]


def _stored(key: str, compute: Callable[[], Design]) -> Design:
    return store.cached(f"scenario-{key}", {}, compute)


def scenarios() -> list[Scenario]:
    """Every scenario, the canonical design first."""
    return list(_scenarios())


@cache
def _scenarios() -> tuple[Scenario, ...]:
    """:func:`scenarios`, built once per process: the calibrated designs come from the
    results store, and the others are derived from them again only here."""
    canonical = canonical_design()
    prior = prior_design()
    spread = prior.age_at_graduation["gamma_scale"]
    shrunk = calibrate_intercept(
        replace(canonical, log_odds=winners_curse_truth(canonical), label="one-step shrink")
    )
    weak = _stored("weak", lambda: calibrated(prior, position=WEAK).design)
    strong = _stored(
        "strong",
        lambda: calibrated(with_graduation_spread(prior, spread * 2), position=STRONG).design,
    )
    return (
        Scenario(
            "canonical",
            "calibrated (canonical)",
            canonical,
            False,
            "each small group sized so that its term's expected z is at the middle of its "
            "bracket; 90% of private practitioners provide psychotherapy",
        ),
        Scenario(
            "weak",
            "weak end of every bracket",
            weak,
            False,
            f"each small group sized so that its term's expected z is {WEAK:.0%} of the way "
            "into its bracket from the bound",
        ),
        Scenario(
            "strong",
            "strong end of every bracket",
            strong,
            False,
            f"each small group sized {STRONG:.0%} of the way into its bracket, and age at "
            "graduation twice as spread (graduation year's bracket has no strong end)",
        ),
        Scenario(
            "weak-shrunk",
            "weak end of every bracket, odds ratios shrunk",
            calibrate_intercept(
                replace(weak, log_odds=winners_curse_truth(weak), label="weak end, shrunk")
            ),
            True,
            "the weak end of every bracket, with each true odds ratio shrunk one step for "
            "the winner's curse: one point on an axis the published numbers do not bound",
            overstated=True,
        ),
        Scenario(
            "finer",
            "finer ladder of p thresholds",
            _stored("finer", lambda: calibrated(prior, ladder=FINER_LADDER).design),
            False,
            "p < .05 read as .01 ≤ p < .05 (a ladder .05, .01, .005, .001), groups calibrated "
            "to the middle of those brackets",
            ladder=FINER_LADDER,
        ),
        Scenario(
            "independent",
            "roles independent of settings",
            _stored("independent", lambda: calibrated(with_independent_roles(prior)).design),
            False,
            "the calibration with roles drawn independently of practice settings",
        ),
        Scenario(
            "mix70",
            "70% of private practitioners provide psychotherapy",
            _stored("mix70", lambda: calibrated(with_role_mix(prior, PSYCHOTHERAPY, 0.7)).design),
            False,
            "the calibration with fewer psychotherapists in private practice",
        ),
        Scenario(
            "missing-spread",
            f"{MISSING:.0%} covariates missing, age at graduation more spread",
            _stored("missing-spread", lambda: _missing_spread(canonical)),
            False,
            "the published model may have lost respondents to missing covariates (complete "
            "cases): groups calibrated again, and age at graduation spread so that "
            "graduation year keeps its canonical expected z",
        ),
        Scenario(
            "rounding",
            "odds ratios anywhere in their rounding intervals",
            replace(canonical, or_rounding=True, label="odds ratios within rounding"),
            True,
            "each true odds ratio drawn uniformly among the values that print as the published one",
        ),
        Scenario(
            "shrunk",
            "odds ratios shrunk one step for the winner's curse",
            shrunk,
            True,
            "each true odds ratio smaller than published by the exaggeration that selection "
            "for significance would give at the published value (a one-step correction)",
            overstated=True,
        ),
        Scenario(
            "spread-double",
            "age at graduation twice as spread",
            with_graduation_spread(canonical, spread * 2),
            False,
            "age and graduation year less strongly correlated",
        ),
        Scenario(
            "spread-half",
            "age at graduation half as spread",
            with_graduation_spread(canonical, spread / 2),
            False,
            "age and graduation year more strongly correlated",
        ),
        Scenario(
            "prior",
            "prior shares, before calibration",
            prior,
            False,
            "the group sizes as first assumed; they fit the published bounds read as bounds, "
            "not as brackets",
        ),
    )


def _missing_spread(canonical: Design) -> Design:
    z = expected_z(canonical, "graduation_year")
    spread = with_graduation_z(with_missing_covariates(prior_design(), MISSING), z)
    return calibrated(spread).design


def scenario(key: str) -> Scenario:
    """One scenario by its key."""
    found = {sc.key: sc for sc in scenarios()}
    if key not in found:
        raise ValueError(f"unknown scenario {key!r}; choose one of {', '.join(found)}")
    return found[key]
