"""The published model, the two simulation engines, E-values and the ledger."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers import ledger, models, registry, sensitivity, simulation
from helpers.spec import terms


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


def test_batched_and_statsmodels_engines_agree_on_the_same_data() -> None:
    design = simulation.default_design()
    batch = simulation.generate_batch(design, 6, np.random.default_rng(11))
    fast = simulation.fit_batched(batch.X, batch.y)
    plain = simulation.fit_statsmodels(batch)
    assert fast.converged.all() and plain.converged.all()
    np.testing.assert_allclose(fast.beta, plain.beta, atol=1e-6, rtol=0)
    np.testing.assert_allclose(fast.se, plain.se, atol=1e-6, rtol=0)


def test_simulate_engines_give_the_same_rows() -> None:
    a = simulation.simulate(4, 5, "batched")
    b = simulation.simulate(4, 5, "statsmodels")
    assert list(a.columns) == ["replication", "term", "estimate", "se", "p_value", "converged"]
    assert len(a) == 4 * len(simulation.term_names())
    np.testing.assert_allclose(a["estimate"], b["estimate"], atol=1e-6)


def test_simulation_recovers_the_truth_within_monte_carlo_error() -> None:
    design = simulation.default_design()
    summary = simulation.summarise(simulation.simulate(400, 1, "batched", design), design)
    assert (summary["bias"].abs() < 4 * summary["bias_mcse"] + 1e-3).all()
    assert (summary["coverage"] > 0.95 - 4 * summary["coverage_mcse"]).all()
    p, se = simulation.all_claims_reproduce(simulation.simulate(50, 2), design)
    assert 0 <= p <= 1 and se >= 0


def test_intercept_is_calibrated_to_the_published_event_rate() -> None:
    design = simulation.default_design()
    batch = simulation.generate_batch(design, 30, np.random.default_rng(3))
    assert abs(batch.y.mean() - design.event_rate) < 0.01


def test_bad_simulation_arguments_are_clear() -> None:
    with pytest.raises(ValueError, match="unknown engine 'gpu'"):
        simulation.simulate(2, 1, "gpu")
    with pytest.raises(ValueError, match="at least 1"):
        simulation.simulate(0, 1)


def test_cli_simulate_writes_one_row_per_replication_and_coefficient(tmp_path) -> None:
    from conftest import run_cli

    out = tmp_path / "sim.csv"
    result = run_cli(
        "simulate", "--replications", "3", "--seed", "4", "--engine", "batched", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert len(frame) == 3 * len(simulation.term_names())
    bad = run_cli("simulate", "--replications", "-1", "--out", str(tmp_path / "x.csv"))
    assert bad.returncode != 0 and "must be 1 or more" in bad.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("rr", "expected"),
    [(2.0, 2 + math.sqrt(2)), (1.0, 1.0), (0.5, 2 + math.sqrt(2))],
)
def test_evalue_by_hand(rr: float, expected: float) -> None:
    assert sensitivity.evalue(rr) == pytest.approx(expected)


def test_common_outcome_uses_the_square_root_approximation() -> None:
    assert sensitivity.rr_from_or(4.0, prevalence=0.64) == pytest.approx(2.0)
    assert sensitivity.rr_from_or(4.0, prevalence=0.05) == pytest.approx(4.0)


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
