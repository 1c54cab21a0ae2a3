"""Published descriptive claims recomputed from respondent-level data."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from . import privacy
from .codebook import Survey, study
from .registry import Claim, claims, country_sizes

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
    whole_sample = set(frame["country"].dropna()) == set(country_sizes())
    present = (frame["country"] == c.country).any() if c.country else whole_sample
    if not c.in_sample or not present:
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
        if privacy.small(n):
            return {
                **row,
                "n": None,
                "denominator": None,
                "percent": None,
                "replicated": f"n: {privacy.SUPPRESSED}",
                "match": "differs",
            }
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
    if privacy.hides_percent(n, denominator):
        return {
            **row,
            "n": None,
            "denominator": None,
            "percent": "–",
            "replicated": privacy.SUPPRESSED,
            "match": "differs",
        }
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


def count_matches(table: pd.DataFrame) -> pd.Series:
    """Whether each replicated count (rows of :func:`replicate_all` or :func:`judge_all`)
    equals the published count; False where the count is not shown."""
    published = pd.Series([claims()[i].n for i in table["id"]], index=table.index, dtype="Int64")
    return table["n"].astype("Int64").eq(published).fillna(False).astype(bool)


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
    return _suppress_answers(out)


def _suppress_answers(table: pd.DataFrame) -> pd.DataFrame:
    """Private data: answers given by 1 to 4 respondents are left out of a distribution, and
    so is the next smallest answer when only one would be, since the total (shown) would
    give it away; ``attrs["suppressed"]`` names them."""
    hidden = [i for i in table.index if privacy.small(table.at[i, "n"])]
    if len(hidden) == 1:
        rest = table.drop(index=hidden)
        rest = rest[rest["n"] > 0]
        if len(rest):
            hidden.append(rest["n"].idxmin())
    out = table.drop(index=hidden).reset_index(drop=True)
    out.attrs = {**table.attrs, "suppressed": list(table.loc[hidden, "answer"])}
    return out


def comparison(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Replicated percentages for some percent claims, with the published percentage where
    it applies to these data (for charts). A country claim is skipped when its country is
    absent; a whole-sample claim on a country subset keeps its replicated value but has no
    published comparator."""
    rows = []
    hidden: list[str] = []
    for claim_id in ids:
        c = claims()[claim_id]
        if c.country and not (frame["country"] == c.country).any():
            continue
        r = replicate(frame, c)
        answers = _subset(frame, c)[c.variable]
        denominator = int(answers.notna().sum())
        if not denominator:
            continue
        n = int(answers.isin(list(c.counts)).fillna(False).sum())
        if privacy.hides_percent(n, denominator):
            hidden.append(c.measure)
            continue
        rows.append(
            {
                "id": claim_id,
                "label": c.measure,
                "reported": c.percent if r["match"] != NOT_APPLICABLE else None,
                "replicated": 100 * n / denominator,
                "n": n,
                "denominator": denominator,
            }
        )
    columns = ["id", "label", "reported", "replicated", "n", "denominator"]
    out = pd.DataFrame(rows, columns=columns)
    out.attrs["suppressed"] = hidden
    return out


def describe_comparison(table: pd.DataFrame) -> str:
    """One sentence per row for a chart's text description."""
    parts = []
    for r in table.sort_values("replicated", ascending=False).itertuples():
        published = (
            f"published {r.reported:g}%"
            if pd.notna(r.reported)
            else "no published figure for these data"
        )
        parts.append(f"{r.label}: {r.replicated:.1f}% ({r.n:,} of {r.denominator:,}), {published}")
    return "; ".join(parts) + "." if parts else "No applicable figures."


def comparability(survey: Survey) -> str:
    """Which comparisons with the published figures do not apply to a survey's data, as a
    phrase to follow the description of the data ('' for the 2017 study's own design)."""
    if not survey.differs_from_study():
        return ""
    base = study()
    published = list(country_sizes())
    shared = [c for c in survey.countries if c in published]
    when = f"surveyed in {survey.year}" if survey.year != base.year else f"of {survey.year}"
    where = ", ".join(survey.countries)
    if not shared:
        return (
            f"; this is another survey ({when}, in {where}), not the {base.year} study, which "
            f"surveyed {', '.join(published)}: no published figure applies to these data, "
            "neither the counts and percentages (marked not applicable) nor the odds ratios, "
            "which are shown beside these data's only for reference"
        )
    left_out = [c for c in published if c not in survey.countries]
    parts = [f"; this is another survey ({when}, in {where}), not the {base.year} study"]
    if left_out:
        parts.append(
            f": the published figures for {', '.join(left_out)} and for the whole "
            f"{base.year} sample do not apply (marked not applicable)"
        )
    if survey.year != base.year:
        parts.append(
            f"{',' if left_out else ':'} and the published figures "
            f"{'for ' + ', '.join(shared) + ' ' if left_out else ''}describe {base.year}, "
            "so they are a point of reference, not a result to reproduce"
        )
    return "".join(parts)


EXACT = "exact"
COUNT_EXACT = "count exact, percent differs"
DIFFERS = "differs"
WITHIN_ERROR = "within sampling error"
OUTSIDE_ERROR = "outside sampling error"
DESCRIPTIVE = "descriptive only"
SUPPRESSED = "suppressed to keep respondents private"


def proportion_interval(n: int, denominator: int) -> tuple[float, float]:
    """The 95% Wilson score interval of ``n / denominator``, in percent (Wilson, 1927)."""
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(n, denominator, alpha=0.05, method="wilson")
    return 100 * float(lo), 100 * float(hi)


def published_range(c: Claim) -> tuple[float, float]:
    """The percentages a printed percent stands for: ``64`` is anything from 63.5 to 64.5."""
    assert c.percent is not None
    half = 0.5 * 10.0**-c.decimals
    return c.percent - half, c.percent + half


def verdict(row: pd.Series | dict[str, object], c: Claim, data_kind: str) -> str:
    """The verdict on one replicated count or percent claim (a row of :func:`replicate`),
    by the rule of the data's kind:

    * ``synthetic`` and ``study``: counts should match exactly (``replicate``'s match);
    * ``new_sample``: a percentage reproduces when the 95% Wilson interval of the
      replicated proportion reaches the published percentage (as printed, so anything
      that rounds to it); a new sample's size is descriptive only;
    * ``other_population``: every comparison is descriptive only.

    A figure suppressed to keep respondents private (:mod:`helpers.science.privacy`) is not judged.
    """
    match = str(row["match"])
    if match == NOT_APPLICABLE:
        return match
    if pd.isna(row["n"]):
        return SUPPRESSED
    if data_kind in ("synthetic", "study"):
        return match
    if data_kind == "other_population" or c.kind != "percent":
        return DESCRIPTIVE
    lo, hi = proportion_interval(int(row["n"]), int(row["denominator"]))
    low, high = published_range(c)
    return WITHIN_ERROR if lo <= high and hi >= low else OUTSIDE_ERROR


def judge_all(frame: pd.DataFrame, data_kind: str) -> pd.DataFrame:
    """Every sample-size and percent claim replicated (:func:`replicate_all`), with its
    verdict under the rule of ``data_kind``, the 95% Wilson interval of each replicated
    percentage, and its difference from the published one in percentage points."""
    out = replicate_all(frame)
    reg = claims()
    out["verdict"] = [verdict(r, reg[r["id"]], data_kind) for _, r in out.iterrows()]
    lows, highs, points = [], [], []
    for r in out.itertuples():
        c = reg[r.id]
        if c.kind != "percent" or pd.isna(r.n) or not r.denominator:
            lows.append(None)
            highs.append(None)
            points.append(None)
            continue
        lo, hi = proportion_interval(int(r.n), int(r.denominator))
        lows.append(lo)
        highs.append(hi)
        points.append(100 * int(r.n) / int(r.denominator) - (c.percent or 0.0))
    out["ci_low"] = pd.array(lows, dtype="Float64")
    out["ci_high"] = pd.array(highs, dtype="Float64")
    out["difference_points"] = pd.array(points, dtype="Float64")
    return out
