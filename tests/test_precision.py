"""The precision a design can expect, the ranges the published brackets allow, and the
calibrated design: worked examples, and agreement with the simulation engine."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.science import audit, registry, simulation
from helpers.science.simulation import population, precision, scenarios
from helpers.science.spec import terms


def test_brackets_come_from_the_abstracts_own_ladder() -> None:
    assert audit.abstract_ladder() == (0.05, 0.005, 0.001)
    assert audit.bracket(0.05) == (0.005, 0.05)
    assert audit.bracket(0.005) == (0.001, 0.005)
    assert audit.bracket(0.05, audit.FINER_LADDER) == (0.01, 0.05)
    with pytest.raises(ValueError, match="not a threshold"):
        audit.bracket(0.02)


def test_se_range_of_psychotherapy_by_hand() -> None:
    """OR 1.37 prints for 1.365 to 1.375; .005 <= p < .05 means 1.96 < z <= 2.807."""
    row = audit.precision_ranges().set_index("id").loc["or_psychotherapy"]
    z05, z005 = stats.norm.isf(0.025), stats.norm.isf(0.0025)
    assert row["se_low"] == pytest.approx(math.log(1.365) / z005)
    assert row["se_high"] == pytest.approx(math.log(1.375) / z05)
    finer = audit.precision_ranges(audit.FINER_LADDER).set_index("id").loc["or_psychotherapy"]
    assert finer["se_low"] == pytest.approx(math.log(1.365) / stats.norm.isf(0.005))
    # p < .001 has no lower end for the SE
    assert audit.precision_ranges().set_index("id").loc["or_usa", "se_low"] == 0


def test_shared_denominator_families() -> None:
    families = {f.claims: (f.lo, f.hi) for f in audit.denominator_families()}
    assert families[("outside_hours", "initiated_both", "plan_continue")] == (3202, 3217)
    # the two answers on searching count more people (4,053) than any base they share with
    # one another, so that question is left out of the families
    assert families[("no_talk", "searched", "no_policy")] == (4011, 4011)
    assert not any("search_appropriate" in members for members in families)


def test_shared_base_for_the_generator() -> None:
    answered = audit.item_denominators()
    assert answered[("outside_hours", "")] == 3217
    assert answered[("plan_continue", "")] == 3217
    assert answered[("workplace_policy", "")] == 4011
    assert answered[("talked_supervisor", "")] == 4011
    # the two search answers count 4,053 people: their question gets room for both
    assert answered[("search_appropriate", "")] == 4053


def test_explanations_of_the_search_conflict() -> None:
    found = {
        e.name: e.needs
        for e in audit.conflict_explanations("search_inappropriate", "search_appropriate")
    }
    assert "42 people" in found["answers not mutually exclusive"]
    assert "66.49 → 66.5 → 67" in found["rounded twice"]
    assert set(found) >= {"different bases", "a misprint"}


def test_role_table_keeps_the_fixed_mix_and_the_overall_shares() -> None:
    design = precision.canonical_design()
    table = population.role_table(design)
    sets, roles = population.settings(), population.roles()
    pp = sets.index("private_practice")
    for i, country in enumerate(design.country_counts):
        assert table[i, pp, roles.index("psychotherapy")] == pytest.approx(0.9)
        overall = np.array([design.setting_shares[country][s] for s in sets]) @ table[i]
        expected = [design.role_shares[country][r] for r in roles]
        np.testing.assert_allclose(overall, expected, atol=1e-12)


def test_expected_se_agrees_with_the_simulation() -> None:
    """The expected SE is asymptotic: the fits' own SEs average within 2% of it for the
    large groups and within 10% for the smallest (a few dozen respondents, whose number
    varies between surveys); for the large groups the spread of 1,000 estimates agrees within
    Monte Carlo error."""
    design = precision.canonical_design()
    summary = simulation.summarise(simulation.study(1000, 2017)).set_index("term")
    expected = precision.expected_se(design)[summary.index]
    z = precision.expected(design).set_index("term")["z"][summary.index]
    ratio = (summary["model_se"] / expected - 1).abs()
    assert (ratio[z > 4] < 0.02).all() and (ratio < 0.1).all(), ratio
    # the SD of 1,000 estimates has a relative Monte Carlo SE of about 2.2%; in the small
    # groups the finite-sample spread of the MLE exceeds the asymptotic one
    spread = (summary["empirical_se"] / expected - 1).abs()
    assert (spread[z > 4] < 0.1).all(), spread


@pytest.mark.parametrize(
    "term", ["role[psychotherapy]", "setting[community_healthcare]", "graduation_year"]
)
def test_probability_below_the_bound_agrees_with_the_simulation(term: str) -> None:
    design = precision.canonical_design()
    summary = simulation.summarise(simulation.study(1000, 2017)).set_index("term")
    predicted = precision.expected(design).set_index("term").loc[term]
    row = summary.loc[term]
    assert abs(predicted["p_below"] - row["p_below"]) < 4 * row["p_below_mcse"] + 0.01
    assert abs(predicted["p_bracket"] - row["p_bracket"]) < 4 * row["p_bracket_mcse"] + 0.01


def test_canonical_design_puts_every_expected_p_in_its_published_bracket() -> None:
    design = precision.canonical_design()
    table = precision.expected(design)
    assert table["in_bracket"].all(), table[["term", "expected_p", "p_low", "p_high"]]
    # through the simulation: the median z of each calibrated term lies in its bracket, and
    # so does graduation year's, the term the canonical design puts nearest its bracket's end
    sim = simulation.study(1000, 2017)
    for name in [*precision.calibrated_terms(), "graduation_year"]:
        z = np.median(
            np.abs(sim.loc[sim["term"] == name, "estimate"] / sim.loc[sim["term"] == name, "se"])
        )
        lower, upper = precision.published_bracket(name)
        assert audit.z_for(upper) < z <= audit.z_for(lower), name


def test_calibration_is_a_function_of_the_design() -> None:
    cal = precision.calibration()
    assert cal.table["reached"].all()
    for row in cal.table.itertuples():
        assert row.allowed_low <= row.calibrated_share <= row.allowed_high
        assert row.calibrated_share < row.prior_share  # the priors were too large
    # the priors contradict the brackets: the calibration is not a no-op
    prior = precision.expected(population.prior_design())
    assert not prior["in_bracket"].all()


def test_justified_scenarios_fit_the_brackets_or_change_only_the_truth() -> None:
    found = {sc.key: sc for sc in scenarios.scenarios()}
    assert found["canonical"].justified and found["canonical"].fits_brackets
    assert not found["prior"].justified
    assert found["rounding"].justified and found["shrunk"].justified
    for sc in found.values():
        assert sc.justified == (sc.truth_only or sc.fits_brackets)


def test_exaggeration_ratio_agrees_with_the_simulation() -> None:
    design = precision.canonical_design()
    summary = simulation.summarise(simulation.study(1000, 2017)).set_index("term")
    z = precision.expected(design).set_index("term")["z"]
    for term in ("role[psychotherapy]", "setting[community_healthcare]"):
        predicted = precision.exaggeration(z[term], 0.05)
        row = summary.loc[term]
        assert abs(predicted - row["exaggeration"]) < 4 * row["exaggeration_mcse"] + 0.02


def test_rare_proportions_get_an_exact_interval() -> None:
    from scipy import stats

    from helpers.science.simulation.metrics import proportion_text

    assert proportion_text(0.095, 0.0093, 1000) == "9.5% ± 0.9%"
    text = proportion_text(0.002, 0.002, 500)
    high = stats.beta.ppf(0.975, 2, 499)
    assert text.startswith("1 of 500 simulated surveys") and f"{100 * high:.2g}%" in text
    assert "0 of 500" in proportion_text(0.0, 0.0, 500)


def test_overstated_truths_are_kept_out_of_the_headline_range() -> None:
    from helpers.science.simulation import scenarios

    all_of_them = scenarios.scenarios()
    overstated = {sc.key for sc in all_of_them if sc.overstated}
    assert overstated == {"shrunk", "weak-shrunk"}
    # a bracket constrains the published estimate's standard error, not the truth: a
    # scenario that only shrinks the truth fits the brackets its covariates fit
    by_key = {sc.key: sc for sc in all_of_them}
    assert by_key["shrunk"].fits_brackets == by_key["canonical"].fits_brackets
    table = pd.DataFrame(
        [
            {"key": sc.key, "justified": sc.justified, "overstated": sc.overstated}
            for sc in all_of_them
        ]
    )
    assert not set(scenarios.headline(table)["key"]) & overstated


def test_conditional_truth_has_no_maximum_near_the_threshold() -> None:
    assert precision.conditional_truth_z(1.97, 0.05) == -np.inf
    assert np.isfinite(precision.conditional_truth_z(2.6, 0.05))


def test_paired_differences_rank_the_terms_by_how_far_they_move() -> None:
    a, b = simulation.simulate(40, 3), simulation.simulate(40, 4)
    names = [t.name for t in terms() if t.claim_id]
    moves = simulation.paired_differences(a, b, names)
    assert sorted(moves["term"]) == sorted(names)
    for r in moves.itertuples():
        assert (r.difference, r.mcse) == simulation.paired_difference(a, b, r.term)
    assert moves["difference"].abs().is_monotonic_decreasing
    same = simulation.paired_differences(a, a, names)
    assert (same["difference"] == 0).all() and list(same["term"]) == names  # ties keep order


def test_leaning_terms_are_those_beyond_monte_carlo_error() -> None:
    summary = pd.DataFrame(
        {
            "label": ["A", "B", "C"],
            "true_or": [2.0, 0.5, 1.5],
            "bias": [0.05, -0.01, -0.30],
            "bias_mcse": [0.01, 0.01, 0.10],
            "empirical_se": [0.5, 0.2, 1.0],
        }
    )
    lean = simulation.leaning(summary)
    assert list(lean.terms["label"]) == ["A", "C"]  # B: one Monte Carlo SE only
    assert not lean.away_from_one  # C leans towards 1 (a negative bias on an OR above 1)
    assert lean.largest_in_se == pytest.approx(0.3)
    assert lean.worst["label"] == "C"
    away = simulation.leaning(summary.iloc[:2])
    assert away.away_from_one and list(away.terms["label"]) == ["A"]
    none = simulation.leaning(summary.assign(bias=0.0))
    assert none.terms.empty and none.largest_in_se == 0.0


def test_rounding_leaves_graduation_year_widest_open() -> None:
    grad = registry.claim("or_graduation_year")
    lo, hi = audit.or_interval(grad)
    assert (lo, hi) == pytest.approx((1.025, 1.035))
    expected = (math.log(1.035) - math.log(1.025)) / 2 / math.log(1.03)
    assert audit.relative_rounding(grad) == pytest.approx(expected)
    others = [c for c in registry.odds_ratio_claims() if c.id != grad.id]
    assert all(audit.relative_rounding(c) < audit.relative_rounding(grad) for c in others)


def test_the_odds_ratio_interval_follows_the_rounding_rule() -> None:
    """Rounded (either way), an odds ratio printed 1.03 was 1.025 to 1.035; truncated, it
    was 1.03 to 1.04; a rule the audit does not know is refused by name."""
    grad = registry.claim("or_graduation_year")
    assert audit.or_interval(grad, "half_even") == pytest.approx((1.025, 1.035))
    assert audit.or_interval(grad, "truncate") == pytest.approx((1.03, 1.04))
    with pytest.raises(ValueError, match="rounding rule 'ceiling'"):
        audit.or_interval(grad, "ceiling")


def test_predictive_probability_spreads_the_replication_twice_as_wide() -> None:
    """With a flat prior on the truth a replication's z is normal around the original z
    with variance 2 (Goodman 1992): one half at the bound, below the truth-known
    probability above it."""
    bound = 0.05
    z_bound = audit.z_for(bound)
    assert precision.predictive_below(z_bound, bound) == pytest.approx(0.5)
    assert precision.predictive_below(-z_bound - 1, bound) == pytest.approx(
        stats.norm.cdf(1 / np.sqrt(2))
    )
    for z in (2.5, 3.5, 5.0):
        assert 0.5 < precision.predictive_below(z, bound) < precision.probability_below(z, bound)


def test_products_of_the_terms_probabilities_match_the_simulation() -> None:
    """The truth-known product is the product of the terms' own probabilities, and agrees
    with the simulated probability that all claims reproduce together within Monte Carlo
    error; the flat-prior product is lower."""
    design = precision.canonical_design()
    known = simulation.truth_known_all_below(design)
    assert known == pytest.approx(precision.expected(design)["p_below"].prod())
    assert simulation.predictive_all_below(design) < known
    together = simulation.all_claims_reproduce(simulation.study(1000, 2017))
    assert abs(known - together["all_below"]) < 3 * together["all_below_mcse"]


def test_the_flat_prior_product_depends_on_no_assumed_truth() -> None:
    """A scenario that only shrinks the truth has its base design's flat-prior product; a
    design that puts an expected p outside its bracket has none."""
    by_key = {sc.key: sc for sc in scenarios.scenarios()}
    assert simulation.predictive_all_below(by_key["shrunk"].published) == pytest.approx(
        simulation.predictive_all_below(by_key["canonical"].published)
    )
    assert math.isnan(simulation.predictive_all_below(by_key["prior"].published))
