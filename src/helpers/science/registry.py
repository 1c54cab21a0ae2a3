"""The registry of published claims: every number the publications report, once.

Each row of ``data/claims.csv`` is one published number with its source. Notebooks and
tests read published numbers from here and never retype them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..paths import data_dir

KINDS = ("sample_size", "percent", "odds_ratio")


@dataclass(frozen=True)
class Claim:
    """One published number (or percent-with-count pair, or odds ratio with p bound)."""

    id: str
    kind: str
    measure: str
    population: str
    variable: str
    counts: tuple[str, ...]
    country: str
    percent: float | None
    percent_text: str
    n: int | None
    odds_ratio: float | None
    p_bound: float | None
    direction: str
    reference: str
    source: str
    location: str

    @property
    def decimals(self) -> int:
        """How many decimals the published percent was printed with."""
        if "." not in self.percent_text:
            return 0
        return len(self.percent_text.split(".")[1])

    @property
    def in_sample(self) -> bool:
        """Whether the claim is about the replicated Canada/US/Israel sample."""
        return self.country not in OUTSIDE_SAMPLE

    def reported(self) -> str:
        """The published value as the source prints it."""
        if self.kind == "odds_ratio":
            return f"OR = {self.odds_ratio:.2f}, p < {_p_text(self.p_bound)}"
        if self.kind == "percent":
            return f"{self.percent_text}% (n = {self.n:,})"
        return f"n = {self.n:,}"


OUTSIDE_SAMPLE = ("United Kingdom",)


@dataclass(frozen=True)
class Source:
    """A publication a claim comes from."""

    source: str
    citation: str
    url: str
    bibkey: str


def _p_text(p: float | None) -> str:
    return "" if p is None else f"{p:.3f}".rstrip("0").lstrip("0")


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _opt_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_claims(path: Path | None = None) -> tuple[Claim, ...]:
    """Read the registry (default ``data/claims.csv``) into typed claims, in file order."""
    path = path or data_dir() / "claims.csv"
    claims = []
    for row in _read_rows(path):
        if row["kind"] not in KINDS:
            raise ValueError(f"{path}: claim {row['id']}: unknown kind {row['kind']!r}")
        claims.append(
            Claim(
                id=row["id"],
                kind=row["kind"],
                measure=row["measure"],
                population=row["population"],
                variable=row["variable"],
                counts=tuple(v for v in row["counts"].split("|") if v),
                country=row["country"],
                percent=_opt_float(row["percent"]),
                percent_text=row["percent"],
                n=_opt_int(row["n"]),
                odds_ratio=_opt_float(row["odds_ratio"]),
                p_bound=_opt_float(row["p_bound"]),
                direction=row["direction"],
                reference=row["reference"],
                source=row["source"],
                location=row["location"],
            )
        )
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: claim ids must be unique")
    return tuple(claims)


@cache
def claims() -> dict[str, Claim]:
    """The registry as a dict keyed by claim id (cached)."""
    return {c.id: c for c in load_claims()}


def claim(claim_id: str) -> Claim:
    """One claim by id, with a clear error for an unknown id."""
    try:
        return claims()[claim_id]
    except KeyError:
        raise KeyError(f"no claim {claim_id!r} in data/claims.csv") from None


def measures(claim_ids: Iterable[str]) -> str:
    """The claims as a reader names them (their measures), separated by semicolons.

    Claim ids are keys for code and the downloadable files; pages show this instead.
    """
    return "; ".join(claim(i).measure for i in claim_ids)


def sources() -> dict[str, Source]:
    """The publications claims cite, keyed by source id."""
    return {r["source"]: Source(**r) for r in _read_rows(data_dir() / "sources.csv")}


def country_sizes() -> dict[str, int]:
    """Published sample size of each replicated country, from the registry."""
    return {
        c.country: c.n
        for c in claims().values()
        if c.kind == "sample_size" and c.country and c.in_sample and c.n is not None
    }


def total_size() -> int:
    """Published total sample size."""
    n = claim("n_total").n
    assert n is not None
    return n


def odds_ratio_claims() -> list[Claim]:
    """The published odds ratios, in registry order."""
    return [c for c in claims().values() if c.kind == "odds_ratio"]


def percent_claims() -> list[Claim]:
    """The published percent-with-count claims, in registry order."""
    return [c for c in claims().values() if c.kind == "percent"]
