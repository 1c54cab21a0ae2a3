"""The scenarios of the simulation study: designs a survey of the published kind could have.

Each :class:`Scenario` is a design with a one-line reason. The *justified* ones are those
the published numbers do not rule out: a design whose expected p-value lies in the
published bracket for every term, or a change only to what the publication leaves open
about the truth (where in its rounding interval each odds ratio lies, how much selection
for significance inflated it). The book's headline is a range over them; the others show
what drives the results.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import store
from .population import (
    Design,
    calibrate_intercept,
    prior_design,
    with_graduation_spread,
    with_independent_roles,
    with_missing_covariates,
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


@dataclass(frozen=True)
class Scenario:
    """A design, whether the published numbers leave it open (justified), and why."""

    key: str
    name: str
    design: Design
    truth_only: bool
    why: str

    @property
    def fits_brackets(self) -> bool:
        """Whether every term's expected p lies in its published bracket."""
        return bool(expected(self.design)["in_bracket"].all())

    @property
    def justified(self) -> bool:
        """Left open by the published numbers: a change to the truth only, or a design that
        fits every published bracket in expectation."""
        return self.truth_only or self.fits_brackets


def _recalibrated(key: str, design: Design) -> Design:
    return store.cached(f"scenario-{key}", {}, lambda: calibrated(design).design)


def _missing_spread(canonical: Design) -> Design:
    def compute() -> Design:
        z = expected_z(canonical, "graduation_year")
        spread = with_graduation_z(with_missing_covariates(prior_design(), MISSING), z)
        return calibrated(spread).design

    return store.cached("scenario-missing-spread", {}, compute)


def scenarios() -> list[Scenario]:
    """Every scenario, the canonical design first."""
    canonical = canonical_design()
    prior = prior_design()
    spread = prior.age_at_graduation["gamma_scale"]
    out = [
        Scenario(
            "canonical",
            "calibrated (canonical)",
            canonical,
            False,
            "small groups sized so that each term's expected p is mid-bracket; most private "
            "practitioners provide psychotherapy",
        ),
        Scenario(
            "independent",
            "calibrated, roles independent of settings",
            _recalibrated("independent", with_independent_roles(prior)),
            False,
            "the same calibration with roles drawn independently of settings",
        ),
        Scenario(
            "missing",
            f"calibrated, {MISSING:.0%} covariates missing",
            _recalibrated("missing", with_missing_covariates(prior, MISSING)),
            False,
            "the published model may have lost respondents to missing covariates "
            "(complete cases), with the groups calibrated again",
        ),
        Scenario(
            "missing-spread",
            f"calibrated, {MISSING:.0%} covariates missing, age at graduation more spread",
            _missing_spread(canonical),
            False,
            "as the previous, with age at graduation spread so that graduation year keeps "
            "the expected z it has in the canonical design",
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
            "published odds ratios shrunk for the winner's curse",
            calibrate_intercept(
                replace(
                    canonical,
                    log_odds=winners_curse_truth(canonical),
                    label="shrunk for the winner's curse",
                )
            ),
            True,
            "each true odds ratio smaller than published by the exaggeration that selection "
            "for significance implies",
        ),
        Scenario(
            "prior",
            "prior shares, before calibration",
            prior,
            False,
            "the group sizes as first assumed, before calibration",
        ),
        Scenario(
            "spread-half",
            "age at graduation half as spread",
            with_graduation_spread(canonical, spread / 2),
            False,
            "age and graduation year more strongly correlated",
        ),
        Scenario(
            "spread-double",
            "age at graduation twice as spread",
            with_graduation_spread(canonical, spread * 2),
            False,
            "age and graduation year less strongly correlated",
        ),
    ]
    return out


def scenario(key: str) -> Scenario:
    """One scenario by its key."""
    found = {sc.key: sc for sc in scenarios()}
    if key not in found:
        raise ValueError(f"unknown scenario {key!r}; choose one of {', '.join(found)}")
    return found[key]
