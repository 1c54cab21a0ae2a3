"""The published model, the two simulation engines, E-values and the ledger."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.science import ledger, models, registry, sensitivity, simulation
from helpers.science.simulation import population, precision
from helpers.science.spec import terms


@pytest.fixture(scope="module")
def canonical_model(canonical_frame: pd.DataFrame) -> models.ModelFit:
    return models.fit(canonical_frame)


def test_model_has_every_published_term_with_reference_categories(canonical_model) -> None:
    table = models.coefficient_table(canonical_model)
    published = table[table["provenance"] == "published"]
    assert list(published["claim"]) == [c.id for c in registry.odds_ratio_claims()]
    assert published["odds_ratio"].notna().all()
    assert "Treatment('Canada')" in canonical_model.formula
    assert "Treatment('social_service_agency')" in canonical_model.formula
    assert (published["ci_low"] < published["odds_ratio"]).all()
    assert (published["odds_ratio"] < published["ci_high"]).all()


def test_model_sample_is_the_ict_users_who_answered(canonical_model, canonical_frame) -> None:
    answered = canonical_frame["outside_hours"].notna().sum()
    assert canonical_model.n == answered
    assert canonical_model.events == registry.claim("outside_hours").n


def test_a_country_subset_drops_the_country_term(canonical_frame) -> None:
    israel = canonical_frame[canonical_frame["country"] == "Israel"]
    model = models.fit(israel)
    assert "country" in model.dropped and "country" not in model.formula
    table = models.coefficient_table(model).set_index("term")
    assert pd.isna(table.loc["country[Israel]", "odds_ratio"])


def test_average_predictions_turn_odds_into_probabilities(canonical_model) -> None:
    pred = models.average_predictions(canonical_model, "country").set_index("country")
    assert pred.loc["Canada", "risk_ratio_vs_reference"] == 1
    odds = pred["probability"] / (1 - pred["probability"])
    # with a common outcome the odds ratio exceeds the risk ratio
    assert odds["Israel"] / odds["Canada"] > pred.loc["Israel", "risk_ratio_vs_reference"]


def test_level_predictions_name_levels_and_their_odds_ratios(canonical_model) -> None:
    pred = models.level_predictions(canonical_model, "setting").set_index("setting")
    table = models.coefficient_table(canonical_model).set_index("term")
    assert pred.loc["social_service_agency", "odds_ratio"] == 1
    assert pred.loc["private_practice", "label"] == "Private practice"
    assert pred.loc["hospital", "odds_ratio"] == pytest.approx(
        table.loc["setting[hospital]", "odds_ratio"]
    )


def test_many_tests_on_the_published_bounds_and_the_replicated_p(canonical_model) -> None:
    table = models.coefficient_table(canonical_model)
    tests = models.many_tests(table)
    claims = registry.odds_ratio_claims()
    assert tests.tests == len(claims) and tests.threshold == pytest.approx(0.05 / len(claims))
    survive = [c for c in claims if c.p_bound <= tests.threshold]
    assert len(tests.survive) == len(survive) > 0
    assert len(tests.survive) + len(tests.unknown) == len(claims)
    assert not any("[" in label for label in tests.survive + tests.unknown)
    assert tests.holm_tested == len(claims) and 0 < tests.holm_significant <= len(claims)
    # Holm keeps no more than the uncorrected tests at 5% would
    published = table[table["provenance"] == "published"]
    assert tests.holm_significant <= int((published["p_value"] < 0.05).sum())


def test_model_status_in_a_few_words(canonical_model, canonical_frame) -> None:
    assert models.estimability(canonical_model).model_status == "estimable"
    few = models.fit(canonical_frame.sample(60, random_state=1))
    assert models.estimability(few).model_status == f"not estimable ({models.TOO_FEW_EVENTS})"


def test_batched_and_statsmodels_engines_agree_on_the_same_data() -> None:
    design = precision.canonical_design()
    batch = population.generate_batch(design, 6, np.random.default_rng(11))
    fast = simulation.fit_batched(batch)
    plain = simulation.fit_statsmodels(batch, list(design.country_counts))
    assert fast.converged.all() and plain.converged.all()
    np.testing.assert_allclose(fast.beta, plain.beta, atol=1e-6, rtol=0)
    np.testing.assert_allclose(fast.se, plain.se, atol=1e-6, rtol=0)


def test_simulate_engines_give_the_same_rows() -> None:
    a = simulation.simulate(4, 5, "batched")
    b = simulation.simulate(4, 5, "statsmodels")
    assert list(a.columns) == [
        "replication",
        "term",
        "truth",
        "estimate",
        "se",
        "p_value",
        "converged",
    ]
    assert len(a) == 4 * len(population.term_names())
    np.testing.assert_allclose(a["estimate"], b["estimate"], atol=1e-6)


def test_simulation_recovers_the_truth_within_monte_carlo_error() -> None:
    """Estimates are unbiased within Monte Carlo error, or lean away from 1 by a little:
    the known small-sample bias of maximum likelihood in groups with few respondents on one
    side of the outcome (schools, private practice)."""
    summary = simulation.summarise(simulation.simulate(400, 1, "batched"))
    off = summary[summary["bias"].abs() > 4 * summary["bias_mcse"] + 1e-3]
    assert (np.sign(off["bias"]) == np.sign(np.log(off["true_or"]))).all()
    assert (summary["bias"].abs() < 0.2).all()
    assert (summary["coverage"] > 0.95 - 4 * summary["coverage_mcse"]).all()
    together = simulation.all_claims_reproduce(simulation.simulate(50, 2))
    assert 0 <= together["all_in_bracket"] <= together["all_below"] <= 1


def test_intercept_is_calibrated_to_the_published_event_rate() -> None:
    design = precision.canonical_design()
    batch = population.generate_batch(design, 30, np.random.default_rng(3))
    assert abs(batch.y.mean() - design.event_rate) < 0.01


def test_bad_simulation_arguments_are_clear() -> None:
    with pytest.raises(ValueError, match="unknown engine 'gpu'"):
        simulation.simulate(2, 1, "gpu")
    with pytest.raises(ValueError, match="replications.*whole number ≥ 1"):
        simulation.simulate(0, 1)


def test_cli_simulate_writes_one_row_per_replication_and_coefficient(tmp_path) -> None:
    from support import run_cli

    out = tmp_path / "sim.csv"
    result = run_cli(
        "simulate", "--replications", "3", "--seed", "4", "--engine", "batched", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert len(frame) == 3 * len(population.term_names())
    bad = run_cli("simulate", "--replications", "-1", "--out", str(tmp_path / "x.csv"))
    assert bad.returncode != 0 and "'replications' must be a whole number ≥ 1" in bad.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("rr", "expected"),
    [(2.0, 2 + math.sqrt(2)), (1.0, 1.0), (0.5, 2 + math.sqrt(2))],
)
def test_evalue_by_hand(rr: float, expected: float) -> None:
    assert sensitivity.evalue(rr) == pytest.approx(expected)


def test_no_risk_ratio_exceeds_what_the_reference_risk_allows() -> None:
    """A probability cannot exceed 1, so RR <= 1 / reference risk; the square-root
    approximation breaks this bound for the large odds ratios of this common outcome."""
    from helpers.science.simulation import scenarios

    for sc in scenarios.scenarios():
        table = sensitivity.evalue_table(sc.design)
        assert (table["risk_ratio"] <= 1 / table["reference_risk"]).all(), sc.key
        assert (table["level_risk"] < 1).all()
    table = sensitivity.evalue_table(precision.canonical_design()).set_index("term")
    broken = table["sqrt_or"] > table["max_risk_ratio"]
    assert broken["setting[private_practice]"] and broken["country[Israel]"]


def test_standardised_risks_of_a_null_slope_are_the_published_event_rate() -> None:
    """Everyone as they are is the whole design, whose expected risk is the published
    share with contact outside work hours; a slope of 0 changes nothing."""
    design = precision.canonical_design()
    p0, p1 = sensitivity.standardised_risks(design, "graduation_year", log_or=0.0, units=10)
    assert p0 == pytest.approx(p1)
    assert p0 == pytest.approx(design.event_rate, abs=1e-9)


def test_ledger_has_a_row_for_every_claim(canonical_frame, canonical_model) -> None:
    summary = simulation.summarise(simulation.simulate(100, 1))
    table = ledger.build(canonical_frame, canonical_model, summary)
    assert set(registry.claims()) <= set(table["id"])
    claims = table[table["id"].isin(list(registry.claims()))]
    assert len(claims) == len(registry.claims())
    assert (claims["reported_provenance"] == "published").all()
    assert (table["verdict"] != "").all() and (table["basis"] != "").all()
    ors = table[table["claim"].str.startswith("or_")]
    assert len(ors) == 3 * len(registry.odds_ratio_claims())
    assert ors["expected"].str.endswith("%").all()
    assert set(table["reported_provenance"]) == {"published", "derived", "assumed"}
    assert {t.claim_id for t in terms() if t.claim_id} <= set(table["id"])


def test_confidence_limits_allowed_pair_each_se_with_its_own_odds_ratio() -> None:
    """The ends of the allowed range of the limit nearer 1 are the extremes of
    |b| (1 - 1.96 / z) over a grid of odds ratios that round to the printed one and z values
    the bracket allows."""
    from helpers.science.audit import precision_ranges

    for _, row in precision_ranges().iterrows():
        least, greatest = sensitivity.limits_allowed(row)
        logs = np.abs(np.log(np.linspace(row["or_low"], row["or_high"], 201)))
        z_top = row["z_high"] if np.isfinite(row["z_high"]) else 1e6
        z = np.geomspace(row["z_low"], z_top, 4001)  # the ends are the infimum and supremum
        limits = logs[:, None] * (1 - sensitivity.Z95 / z[None, :])
        assert least == pytest.approx(limits.min(), rel=1e-4, abs=1e-12), row["id"]
        assert greatest == pytest.approx(limits.max(), rel=1e-4), row["id"]


def test_the_limit_e_value_of_the_calibrated_design_lies_in_the_allowed_range() -> None:
    """Protective and harmful terms, per-ten-year slopes and intervals that reach 1 alike:
    the design's own limit is one the published numbers allow."""
    table = sensitivity.evalue_table(precision.canonical_design())
    assert (table["evalue_ci_low"] <= table["evalue_ci"] + 1e-9).all()
    assert (table["evalue_ci"] <= table["evalue_ci_high"] + 1e-9).all()
    reaches_one = table["evalue_ci_low"] == 1.0  # the .005 ≤ p < .05 brackets reach p = .05
    assert set(table.loc[reaches_one, "term"]) == {
        "role[psychotherapy]",
        "role[community_organization]",
        "setting[community_healthcare]",
    }


def test_limits_allowed_refuses_what_its_pairing_cannot_handle() -> None:
    from helpers.science.audit import precision_ranges

    row = precision_ranges().iloc[0].copy()
    straddling = row.copy()
    straddling["or_low"], straddling["or_high"] = 0.995, 1.005
    with pytest.raises(ValueError, match="both sides of 1"):
        sensitivity.limits_allowed(straddling)
    row["z_low"] = 1.5
    with pytest.raises(ValueError, match="z below 1.96"):
        sensitivity.limits_allowed(row)
