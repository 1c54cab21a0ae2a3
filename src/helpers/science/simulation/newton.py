"""Newton–Raphson for the published logistic model on many simulated surveys at once.

A respondent's covariate vector is its cell's categorical vector (country × setting × role,
a row of ``Batch.base``) plus two continuous columns, graduation year and age, which take
whole values. So no design matrix is needed:

* the linear predictor's exponential factorises, ``exp(-eta) = exp(-cell term) *
  exp(-b_g g) * exp(-b_a a)``, and the factors make one small table per replication (one
  exponential per cell, per graduation year and per age): none per respondent;
* with each replication's respondents sorted by cell, X' W X and X' (y - mu) reduce to
  sums over contiguous runs of respondents (one per cell) of the weights, the weighted
  continuous columns and the residuals, plus whole-sample sums of the continuous columns'
  products.

Replications are fitted in blocks of :data:`BLOCK`; within a block each leaves as soon as
a step moves none of its estimates by ``tol`` or more, with its standard errors from the
information of that step (estimates and standard errors agree with iterating all the
replications together and taking the information again at the end to far better than
1e-8 relative: a test compares them with a plain fit on the design matrix).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .population import Batch, term_names

BLOCK = 25
"""Replications stepped together: few enough that a block's respondent arrays stay in
the processor's cache through its Newton steps."""


@dataclass(frozen=True)
class _Layout:
    """What the information and score need of the covariate cells.

    ``base``: each cell's categorical covariate vector (C, p). ``spread`` (3 C, p * p)
    turns each cell's sums of the weights and of the weighted continuous columns into
    X' W X (the outer products of the cell's vector, and that vector crossed with the unit
    vectors of the continuous columns). ``exponents`` (p, C + G + A) turns coefficients
    into each cell's categorical term and each whole value's continuous term (the G
    graduation years, then the A ages), and ``offsets`` tells where each continuous
    column's values start among those columns, ``lowest`` its smallest value; ``grad``
    and ``age`` are the continuous columns' places among the coefficients."""

    base: np.ndarray
    spread: np.ndarray
    exponents: np.ndarray
    offsets: tuple[int, int]
    lowest: tuple[float, float]
    grad: int
    age: int

    @classmethod
    def of(cls, batch: Batch) -> _Layout:
        names = term_names()
        grad, age = names.index("graduation_year"), names.index("age")
        base = batch.base
        unit = np.eye(base.shape[1])

        def crossed(j: int) -> np.ndarray:
            both = np.einsum("ci,j->cij", base, unit[j])
            return both + both.transpose(0, 2, 1)

        def terms(column: np.ndarray, j: int, name: str) -> np.ndarray:
            if not np.array_equal(column, np.rint(column)):
                raise ValueError(f"the batched engine needs whole values of {name}")
            return np.outer(unit[j], np.arange(column.min(), column.max() + 1))

        spread = np.concatenate([np.einsum("ci,cj->cij", base, base), crossed(grad), crossed(age)])
        years = terms(batch.grad, grad, "graduation_year")
        ages = terms(batch.age, age, "age")
        return cls(
            base=base,
            spread=spread.reshape(len(spread), -1),
            exponents=np.concatenate([base.T, years, ages], axis=1),
            offsets=(len(base), len(base) + years.shape[1]),
            lowest=(float(batch.grad.min()), float(batch.age.min())),
            grad=grad,
            age=age,
        )


@dataclass(frozen=True)
class _Stack:
    """Replications being fitted (m of them), each one's respondents sorted by cell: the
    outcome and the continuous columns (m, n); each respondent's flat index, for each
    continuous column, into the replications' tables of terms (m, C + G + A) of
    :class:`_Layout` (m * n,); the respondents per cell (m, C), and where each non-empty
    cell's run of respondents starts in the flattened arrays."""

    y: np.ndarray
    grad: np.ndarray
    age: np.ndarray
    index: tuple[np.ndarray, np.ndarray]
    counts: np.ndarray
    starts: np.ndarray
    filled: np.ndarray

    @classmethod
    def of(cls, batch: Batch, rows: slice, layout: _Layout) -> _Stack:
        """The replications ``rows`` of ``batch``, their respondents sorted by cell."""
        cell = batch.cell[rows]
        m, n = cell.shape
        C = len(layout.base)
        order = np.argsort(cell.astype(np.uint16), axis=1, kind="stable")
        order += n * np.arange(m)[:, None]
        counts = np.bincount((cell + C * np.arange(m)[:, None]).ravel(), minlength=m * C)
        return cls.sorted(
            *(getattr(batch, k)[rows].take(order) for k in ("y", "grad", "age")),
            counts.reshape(m, C),
            layout,
        )

    @classmethod
    def sorted(
        cls,
        y: np.ndarray,
        grad: np.ndarray,
        age: np.ndarray,
        counts: np.ndarray,
        layout: _Layout,
    ) -> _Stack:
        """The stack of replications whose respondents are already sorted by cell."""
        rows = layout.exponents.shape[1] * np.arange(len(y))[:, None]
        index = tuple(
            (column + (rows + offset - lowest)).astype(np.intp).ravel()
            for column, offset, lowest in zip(
                (grad, age), layout.offsets, layout.lowest, strict=True
            )
        )
        flat = counts.ravel()
        filled = flat > 0
        starts = np.concatenate(([0], np.cumsum(flat)[:-1]))[filled]
        return cls(y, grad, age, index, counts, starts, filled)

    def rows(self, keep: np.ndarray, layout: _Layout) -> _Stack:
        """The replications where ``keep`` (m,) is true."""
        return _Stack.sorted(
            self.y[keep], self.grad[keep], self.age[keep], self.counts[keep], layout
        )

    def sums(self, *values: np.ndarray) -> np.ndarray:
        """Per replication, each of ``values`` (m, n) summed over the respondents of each
        cell, side by side (m, len(values) * C)."""
        m, C = self.counts.shape
        out = np.zeros((len(values), m * C))
        for row, v in zip(out, values, strict=True):
            row[self.filled] = np.add.reduceat(v.ravel(), self.starts)
        return out.reshape(len(values), m, C).transpose(1, 0, 2).reshape(m, -1)


def _moments(layout: _Layout, stack: _Stack, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X' W X (m, p, p) and X' (y - mu) (m, p) of every replication at ``beta`` (m, p)."""
    m, p = beta.shape
    g, a = layout.grad, layout.age
    with np.errstate(over="ignore"):
        factors = np.exp(-(beta @ layout.exponents))
    odds = np.repeat(factors[:, : layout.offsets[0]].ravel(), stack.counts.ravel())
    odds *= factors.take(stack.index[0])
    odds *= factors.take(stack.index[1])
    odds += 1.0
    mu = np.reciprocal(odds, out=odds).reshape(stack.y.shape)
    residual = stack.y - mu
    w = mu * (1.0 - mu)
    wg, wa = w * stack.grad, w * stack.age
    info = (stack.sums(w, wg, wa) @ layout.spread).reshape(m, p, p)
    info[:, g, g] += np.vecdot(wg, stack.grad)
    info[:, a, a] += np.vecdot(wa, stack.age)
    info[:, g, a] += np.vecdot(wg, stack.age)
    info[:, a, g] = info[:, g, a]
    score = stack.sums(residual) @ layout.base
    score[:, g] = np.vecdot(residual, stack.grad)
    score[:, a] = np.vecdot(residual, stack.age)
    return info, score


def _block(
    layout: _Layout, stack: _Stack, beta: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Newton–Raphson from ``beta`` (m, p), updated in place, for the replications of
    ``stack``; returns their standard errors (m, p) and whether each converged (m,)."""
    m, p = beta.shape
    se, converged = np.full((m, p), np.nan), np.zeros(m, dtype=bool)
    active = np.arange(m)
    for iteration in range(max_iter + 1):
        info, score = _moments(layout, stack, beta[active])
        if iteration == max_iter:
            se[active] = np.sqrt(np.diagonal(np.linalg.inv(info), axis1=1, axis2=2))
            break
        step = np.linalg.solve(info, score[..., None])[..., 0]
        beta[active] += step
        done = np.abs(step).max(axis=1) < tol
        converged[active] = done
        se[active[done]] = np.sqrt(np.diagonal(np.linalg.inv(info[done]), axis1=1, axis2=2))
        if done.all():
            break
        if done.any():
            active, stack = active[~done], stack.rows(~done, layout)
    return se, converged


def newton(
    batch: Batch, beta: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Fit every replication of ``batch`` by Newton–Raphson from ``beta`` (R, p), which is
    updated in place to the estimates. A replication has converged when its largest step
    is below ``tol``: its standard errors come from the information of that step; one not
    converged after ``max_iter`` steps gets them from the information where it stopped.
    Returns the standard errors (R, p) and whether each replication converged (R,)."""
    layout = _Layout.of(batch)
    R = len(beta)
    se, converged = np.empty(beta.shape), np.empty(R, dtype=bool)
    for start in range(0, R, BLOCK):
        rows = slice(start, start + BLOCK)
        se[rows], converged[rows] = _block(
            layout, _Stack.of(batch, rows, layout), beta[rows], max_iter, tol
        )
    return se, converged
