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


def distribution(frame: pd.DataFrame, variable: str, synthetic: bool = True) -> pd.DataFrame:
    """Answers to one question among those who answered: n, percent, label, and where the
    count comes from in synthetic data (published, derived as the remainder, or an assumed
    split of a published group). Real data are ``observed``."""
    from .codebook import field

    f = field(variable)
    answers = frame[variable].dropna()
    total = len(answers)
    groups = [
        c.counts
        for c in claims().values()
        if c.kind == "percent" and c.variable == variable and not c.country
    ]
    rest = tuple(v for v in f.enum if not any(v in g for g in groups))
    rows = []
    for value in f.enum:
        n = int((answers == value).sum())
        group = next((g for g in [*groups, rest] if value in g), (value,))
        if not synthetic:
            source = "observed"
        elif len(group) > 1:
            source = "assumed split"
        elif group in groups:
            source = "published"
        else:
            source = "derived"
        rows.append(
            {
                "value": value,
                "answer": f.label(value),
                "n": n,
                "percent": 100 * n / total if total else float("nan"),
                "source": source,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["answered"] = total
    return out


def comparison(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Published beside replicated percentages for some percent claims (for charts)."""
    table = replicate_all(frame).set_index("id")
    rows = []
    for claim_id in ids:
        c = claims()[claim_id]
        r = table.loc[claim_id]
        if r["match"] == NOT_APPLICABLE or not r["denominator"]:
            continue
        rows.append(
            {
                "id": claim_id,
                "label": c.measure,
                "reported": c.percent,
                "replicated": 100 * int(r["n"]) / int(r["denominator"]),
                "n": int(r["n"]),
                "denominator": int(r["denominator"]),
            }
        )
    return pd.DataFrame(rows)
