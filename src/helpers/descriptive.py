"""Published descriptive claims recomputed from respondent-level data."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .registry import Claim, claims

NOT_APPLICABLE = "not applicable"


def round_percent(count: int, denominator: int, decimals: int) -> str:
    """``100 * count / denominator`` rounded half up, as the publications print it."""
    value = Decimal(100 * count) / Decimal(denominator)
    return str(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _subset(frame: pd.DataFrame, c: Claim) -> pd.DataFrame:
    return frame[frame["country"] == c.country] if c.country else frame


def replicate(frame: pd.DataFrame, c: Claim) -> dict[str, object]:
    """Recompute one count or percent claim from respondent-level data."""
    row: dict[str, object] = {"id": c.id, "measure": c.measure, "reported": c.reported()}
    if not c.in_sample or (c.country and not (frame["country"] == c.country).any()):
        return {
            **row,
            "n": None,
            "denominator": None,
            "percent": None,
            "replicated": NOT_APPLICABLE,
            "match": NOT_APPLICABLE,
        }
    sub = _subset(frame, c)
    if c.kind == "sample_size":
        n = len(sub)
        return {
            **row,
            "n": n,
            "denominator": None,
            "percent": None,
            "replicated": f"n = {n:,}",
            "match": "exact" if n == c.n else "differs",
        }
    answers = sub[c.variable]
    denominator = int(answers.notna().sum())
    n = int(answers.isin(list(c.counts)).fillna(False).sum())
    percent = round_percent(n, denominator, c.decimals) if denominator else "–"
    same = n == c.n and percent == c.percent_text
    match = "exact" if same else ("count exact, percent differs" if n == c.n else "differs")
    return {
        **row,
        "n": n,
        "denominator": denominator,
        "percent": percent,
        "replicated": f"{percent}% (n = {n:,} of {denominator:,})",
        "match": match,
    }


def replicate_all(frame: pd.DataFrame) -> pd.DataFrame:
    """Every sample-size and percent claim, reported beside replicated."""
    rows = [replicate(frame, c) for c in claims().values() if c.kind != "odds_ratio"]
    out = pd.DataFrame(rows)
    return out.astype({"n": "Int64", "denominator": "Int64"})
