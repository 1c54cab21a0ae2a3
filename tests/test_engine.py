"""The batched engine and the generation it fits, against plain reference implementations
kept here: Newton–Raphson on full design matrices one replication at a time, and the
straightforward forms of the vectorised draws (same generator, same draws)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import special

from helpers.science import simulation
from helpers.science.simulation import population, precision


def reference_fit(
    batch: population.Batch, start: np.ndarray, max_iter: int = 30, tol: float = 1e-10
) -> simulation.Fits:
    """Newton–Raphson on each replication's design matrix until its largest step is below
    ``tol``; standard errors from the information at the final estimates."""
    X, beta = batch.X, np.array(start, dtype=float)
    se, converged = np.empty_like(beta), np.zeros(len(beta), dtype=bool)

    def information(r: int) -> tuple[np.ndarray, np.ndarray]:
        mu = special.expit(X[r] @ beta[r])
        return X[r].T @ (X[r] * (mu * (1 - mu))[:, None]), X[r].T @ (batch.y[r] - mu)

    for r in range(len(beta)):
        for _ in range(max_iter):
            step = np.linalg.solve(*information(r))
            beta[r] += step
            converged[r] = np.abs(step).max() < tol
            if converged[r]:
                break
        se[r] = np.sqrt(np.diag(np.linalg.inv(information(r)[0])))
    return simulation.Fits(beta=beta, se=se, converged=converged)


def intercept_only(batch: population.Batch) -> np.ndarray:
    start = np.zeros_like(batch.beta)
    start[:, 0] = special.logit(batch.y.mean(axis=1))
    return start


@pytest.mark.parametrize("seed", [0, 1, 2017])
def test_batched_engine_matches_the_reference_fit(seed: int) -> None:
    batch = population.generate_batch(
        precision.canonical_design(), 30, np.random.default_rng([seed, 0])
    )
    for start in (batch.beta, None):
        fast = simulation.fit_batched(batch, start=start)
        plain = reference_fit(batch, intercept_only(batch) if start is None else start)
        assert fast.converged.all() and plain.converged.all()
        np.testing.assert_allclose(fast.beta, plain.beta, rtol=1e-8, atol=0)
        np.testing.assert_allclose(fast.se, plain.se, rtol=1e-8, atol=0)


def test_batched_engine_stops_after_max_iter_like_the_reference() -> None:
    batch = population.generate_batch(precision.canonical_design(), 7, np.random.default_rng(3))
    fast = simulation.fit_batched(batch, max_iter=2)
    plain = reference_fit(batch, intercept_only(batch), max_iter=2)
    assert not fast.converged.any() and not plain.converged.any()
    np.testing.assert_allclose(fast.beta, plain.beta, rtol=1e-10, atol=0)
    np.testing.assert_allclose(fast.se, plain.se, rtol=1e-10, atol=0)


def test_batched_engine_needs_whole_years() -> None:
    batch = population.generate_batch(precision.canonical_design(), 2, np.random.default_rng(4))
    with pytest.raises(ValueError, match="whole values of age"):
        simulation.fit_batched(replace(batch, age=batch.age + 0.5))


def test_linear_predictor_is_the_design_matrix_times_the_coefficients() -> None:
    batch = population.generate_batch(precision.canonical_design(), 5, np.random.default_rng(5))
    expected = np.einsum("rnp,rp->rn", batch.X, batch.beta)
    np.testing.assert_allclose(batch.linear_predictor(batch.beta), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("by_row", [False, True])
def test_categorical_draws_are_the_plain_comparison_with_cumulative_shares(by_row: bool) -> None:
    rng = np.random.default_rng(6)
    table = rng.dirichlet(np.ones(5), size=4)
    index = rng.integers(0, 4, (50, 300) if by_row else 300)
    drawn = population._categorical(np.random.default_rng(7), (50, 300), index, table)
    u = np.random.default_rng(7).random((50, 300))
    expected = (u[..., None] > np.cumsum(table, axis=1)[index][..., :-1]).sum(axis=-1)
    np.testing.assert_array_equal(drawn, expected)
    assert drawn.dtype == expected.dtype


def test_truncated_redraws_each_rejected_entry_until_it_is_accepted() -> None:
    def draws(seed: int) -> tuple[np.ndarray, np.random.Generator]:
        rng = np.random.default_rng(seed)
        return rng.normal(size=(40, 50)), rng

    values, rng = draws(8)
    drawn = population._truncated(
        lambda idx: rng.normal(size=idx.size), values, lambda x, idx: np.abs(x) > 0.5
    )
    expected, rng = draws(8)
    flat = expected.ravel()
    while (rejected := np.flatnonzero(np.abs(flat) > 0.5)).size:
        flat[rejected] = rng.normal(size=rejected.size)
    np.testing.assert_array_equal(drawn, expected)
