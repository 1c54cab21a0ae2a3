"""The generation the batched engine fits, against the straightforward forms of its
vectorised draws kept here (same generator, same draws)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.science.simulation import population, precision


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
