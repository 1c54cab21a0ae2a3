"""The ledger: every registry claim, reported beside replicated, with a verdict and its basis.

One row per verdict: each sample size, count and percentage; the denominators the audit
implies (derived); and, for each published odds ratio, three verdicts in rows of their own:

* the estimate (``or_x``): does the replicated 95% Wald CI cover the published OR?
* the significance claim (``or_x.significance``): is p below the published bound, in the
  published direction?
* the bracket (``or_x.bracket``): is p in the reporting bracket the abstract's own ladder of
  thresholds implies (:func:`helpers.science.audit.bracket`)?

Beside each odds-ratio verdict stands what the simulation study expects of it: the share
of simulated surveys of the published design where it holds, ± its Monte Carlo SE.

Each verdict has a *basis*, which says what it can show, by the kind of data
(:data:`helpers.params.DATA_KINDS`):

* ``by construction``: the data were made to satisfy it. On the book's synthetic
  respondents the counts match because the generator draws them exactly; the odds ratios
  are the generator's own inputs; and the design's group sizes are calibrated so that each
  term's expected p lies in its published bracket. These verdicts check the machinery and
  are never counted as findings.
* ``finding``: the data could have said otherwise (the study's own data, a new sample).
* ``descriptive only``: a different population (such as a class), compared for
  orientation, not judged.
* ``not judged``: the claim does not apply to these data, the model cannot be estimated
  from them (too few events, separation), or the figure is suppressed to keep respondents
  private.

The reported value's provenance (published, derived, assumed) and the replicated value's
source (``data_source``) are separate columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import audit, descriptive
from .models import (
    SEPARATION,
    TOO_FEW_EVENTS,
    ModelFit,
    coefficient_table,
    p_bracket,
)
from .registry import Claim, claims
from .spec import Term, terms

EXACT = descriptive.EXACT
COUNT_EXACT = descriptive.COUNT_EXACT
DIFFERS = descriptive.DIFFERS
WITHIN_ERROR = descriptive.WITHIN_ERROR
OUTSIDE_ERROR = descriptive.OUTSIDE_ERROR
DESCRIPTIVE_ONLY = descriptive.DESCRIPTIVE
NOT_APPLICABLE = descriptive.NOT_APPLICABLE
SUPPRESSED = descriptive.SUPPRESSED
WITHIN = "within the audit's range"
OUTSIDE = "outside the audit's range"
COVERS = "replicated 95% Wald CI covers the published OR"
MISSES = "replicated 95% Wald CI misses the published OR"
SIGNIFICANT = "significance claim reproduced"
NOT_SIGNIFICANT = "significance claim not reproduced"
IN_BRACKET = "p in the published bracket"
BELOW_BRACKET = "p below the published bracket"
ABOVE_BRACKET = "p above the published bracket"
NOT_ESTIMABLE = "not estimable in these data"
NOT_ESTIMABLE_EVENTS = f"not estimable: {TOO_FEW_EVENTS}"
NOT_ESTIMABLE_SEPARATION = f"not estimable: {SEPARATION}"
ASSUMED = "assumed, not a claim"

REPRODUCED = (EXACT, WITHIN_ERROR, WITHIN, COVERS, SIGNIFICANT, IN_BRACKET)
"""Verdicts that say a claim reproduced (when their basis is a finding)."""

BY_CONSTRUCTION = "by construction"
FINDING = "finding"
DESCRIPTIVE = "descriptive only"
NOT_JUDGED = "not judged"
BASES = (BY_CONSTRUCTION, FINDING, DESCRIPTIVE, NOT_JUDGED)

ESTIMATE, SIGNIFICANCE, BRACKET = "odds ratio", "significance", "p bracket"
COLUMNS = [
    "id",
    "claim",
    "aspect",
    "measure",
    "reported",
    "reported_provenance",
    "replicated",
    "data_source",
    "difference",
    "verdict",
    "basis",
    "expected",
    "audit_status",
    "chapter",
]


def basis_for(data_kind: str, verdict: str) -> str:
    """What a verdict can show on data of this kind (:data:`BASES`)."""
    if verdict in (NOT_APPLICABLE, NOT_ESTIMABLE, ASSUMED, SUPPRESSED) or verdict.startswith(
        "not estimable"
    ):
        return NOT_JUDGED
    if data_kind == "synthetic":
        return BY_CONSTRUCTION
    if data_kind == "other_population" or verdict == DESCRIPTIVE_ONLY:
        return DESCRIPTIVE
    return FINDING


def descriptive_verdicts(frame: pd.DataFrame, data_kind: str) -> pd.DataFrame:
    """Every sample-size and percent claim judged on these data
    (:func:`helpers.science.descriptive.judge_all`), with the group the audit says each
    percentage is of (``asked of (audit)``) and the basis of its verdict."""
    judged = descriptive.judge_all(frame, data_kind)
    findings = audit.audit_table().set_index("id")
    judged["asked of (audit)"] = [findings.loc[i, "population"] or "–" for i in judged["id"]]
    judged["basis"] = [basis_for(data_kind, v) for v in judged["verdict"]]
    return judged


def not_reproduced_as_printed(judged: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`descriptive_verdicts` that these data do not reproduce as printed:
    judged (neither descriptive only nor not judged) and not reproduced."""
    judged_here = judged["basis"].isin([BY_CONSTRUCTION, FINDING])
    return judged[judged_here & ~judged["verdict"].isin(REPRODUCED)]


def _descriptive_rows(
    frame: pd.DataFrame, findings: pd.DataFrame, data_kind: str
) -> list[dict[str, object]]:
    rows = []
    judged = descriptive.judge_all(frame, data_kind)
    for _, r in judged.iterrows():
        c = claims()[r["id"]]
        f = findings.loc[r["id"]]
        verdict = r["verdict"]
        replicated = r["replicated"]
        if data_kind in ("new_sample", "other_population") and not pd.isna(r["ci_low"]):
            replicated += f"; 95% Wilson CI {r['ci_low']:.1f}–{r['ci_high']:.1f}%"
        rows.append(
            {
                "id": c.id,
                "claim": c.id,
                "aspect": "sample size" if c.kind == "sample_size" else "count and percent",
                "measure": c.measure,
                "reported": c.reported(),
                "reported_provenance": "published",
                "replicated": replicated,
                "difference": _difference(r, c, data_kind),
                "verdict": verdict,
                "audit_status": f["status"],
                "chapter": "02_descriptive",
            }
        )
        if data_kind in ("synthetic", "study"):
            rows += _denominator_rows(r, c, f)
    return rows


def _difference(r: pd.Series, c: Claim, data_kind: str) -> str:
    """Count difference where counts should match; percentage points elsewhere."""
    if pd.isna(r["n"]):
        return ""
    if data_kind in ("synthetic", "study") or c.kind != "percent":
        return f"{int(r['n']) - (c.n or 0):+,}"
    return f"{r['difference_points']:+.1f} points"


def _denominator_rows(r: pd.Series, c: Claim, f: pd.Series) -> list[dict[str, object]]:
    if c.kind != "percent" or pd.isna(f["denominator_lo"]) or pd.isna(r["n"]):
        return []
    lo, hi = int(f["denominator_lo"]), int(f["denominator_hi"])
    d = int(r["denominator"])
    return [
        {
            "id": f"{c.id}.denominator",
            "claim": c.id,
            "aspect": "denominator",
            "measure": f"Respondents who answered: {c.measure[:1].lower()}{c.measure[1:]}",
            "reported": f"{lo:,}–{hi:,} (implied by the audit)",
            "reported_provenance": "derived",
            "replicated": f"{d:,}",
            "difference": "0" if lo <= d <= hi else f"{d - (lo if d < lo else hi):+,}",
            "verdict": WITHIN if lo <= d <= hi else OUTSIDE,
            "audit_status": f["status"],
            "chapter": "01_data",
        }
    ]


def p_text(p: float) -> str:
    """A replicated p-value as text: two significant digits, "p < .001" below .001."""
    if p < 0.001:
        return "p < .001"
    return "p = " + f"{p:.2g}".lstrip("0") if p < 1 else "p = 1"


def bracket_text(p_bound: float) -> str:
    """The published bracket a bound stands for: ".005 ≤ p < .05", or "p < .001"."""
    lower, upper = audit.bracket(p_bound)
    below = p_bracket(upper)
    return below if lower == 0 else f"{p_bracket(lower)[4:]} ≤ {below}"


def _direction(log_or: float) -> str:
    return "higher odds" if log_or > 0 else "lower odds" if log_or < 0 else "no difference"


def _model_rows(
    model: ModelFit | None, simulated: pd.DataFrame | None, findings: pd.DataFrame
) -> list[dict[str, object]]:
    table = coefficient_table(model).set_index("term") if model is not None else None
    sim = simulated.set_index("term") if simulated is not None else None
    rows: list[dict[str, object]] = []
    for t in terms():
        c = claims().get(t.claim_id)
        fit = table.loc[t.name] if table is not None else None
        if c is None:
            rows.append(_assumed_row(t, fit))
            continue
        expect = sim.loc[t.name] if sim is not None and t.name in sim.index else None
        rows += _odds_ratio_rows(t, c, fit, expect, findings.loc[c.id, "status"])
    return rows


def _assumed_row(t: Term, fit: pd.Series | None) -> dict[str, object]:
    fitted = fit is not None and bool(fit["estimable"])
    return {
        "id": f"assumed.{t.variable}_{t.level}",
        "claim": "",
        "aspect": ESTIMATE,
        "measure": f"Contact outside work hours: {t.label} (not published)",
        "reported": f"OR = {t.odds_ratio:.2f} (assumed)",
        "reported_provenance": "assumed",
        "replicated": _estimate_text(fit) if fitted else NOT_ESTIMABLE,
        "difference": f"{fit['odds_ratio'] - t.odds_ratio:+.2f}" if fitted else "",
        "verdict": ASSUMED,
        "audit_status": "",
        "chapter": "03_regression",
    }


def _estimate_text(fit: pd.Series) -> str:
    return f"OR = {fit['odds_ratio']:.2f} (95% Wald CI {fit['ci_low']:.2f}–{fit['ci_high']:.2f})"


def _expected(expect: pd.Series | None, column: str) -> str:
    if expect is None:
        return ""
    return f"{expect[column]:.1%} ± {expect[column + '_mcse']:.1%}"


def _odds_ratio_rows(
    t: Term, c: Claim, fit: pd.Series | None, expect: pd.Series | None, status: str
) -> list[dict[str, object]]:
    assert c.p_bound is not None
    base = {"claim": c.id, "audit_status": status, "chapter": "03_regression"}
    estimate: dict[str, object] = {
        **base,
        "id": c.id,
        "aspect": ESTIMATE,
        "measure": c.measure,
        "reported": f"OR = {t.odds_ratio:.2f}",
        "reported_provenance": "published",
        "expected": _expected(expect, "coverage"),
    }
    significance: dict[str, object] = {
        **base,
        "id": f"{c.id}.significance",
        "aspect": SIGNIFICANCE,
        "measure": f"{c.measure}: significant, {c.direction} odds",
        "reported": f"{p_bracket(c.p_bound)}, {_direction(t.log_odds)}",
        "reported_provenance": "published",
        "expected": _expected(expect, "p_below"),
    }
    bracket: dict[str, object] = {
        **base,
        "id": f"{c.id}.bracket",
        "aspect": BRACKET,
        "measure": f"{c.measure}: p in the bracket the abstract's thresholds imply",
        "reported": bracket_text(c.p_bound),
        "reported_provenance": "derived",
        "expected": _expected(expect, "p_bracket"),
    }
    rows = [estimate, significance, bracket]
    if (
        fit is None
        or pd.isna(fit["odds_ratio"])
        or fit["not_estimable_because"] == "not in these data"
    ):
        for row in rows:
            row.update(replicated=NOT_ESTIMABLE, difference="", verdict=NOT_ESTIMABLE)
        return rows
    problem = str(fit["not_estimable_because"])
    if problem:
        verdict = (
            NOT_ESTIMABLE_EVENTS if problem.startswith(TOO_FEW_EVENTS) else NOT_ESTIMABLE_SEPARATION
        )
        for row in rows:
            row.update(replicated=f"not estimable: {problem}", difference="", verdict=verdict)
        return rows
    b, p = float(np.log(fit["odds_ratio"])), float(fit["p_value"])
    same_way = np.sign(b) == np.sign(t.log_odds)
    lower, upper = audit.bracket(c.p_bound)
    estimate.update(
        replicated=_estimate_text(fit),
        difference=f"{fit['odds_ratio'] - t.odds_ratio:+.2f}",
        verdict=COVERS if fit["covers_published"] else MISSES,
    )
    significance.update(
        replicated=f"{p_text(p)}, {_direction(b)}",
        difference="",
        verdict=SIGNIFICANT if p < c.p_bound and same_way else NOT_SIGNIFICANT,
    )
    bracket.update(
        replicated=p_text(p) + ("" if same_way else f", {_direction(b)}"),
        difference="",
        verdict=IN_BRACKET
        if lower <= p < upper and same_way
        else (BELOW_BRACKET if p < lower and same_way else ABOVE_BRACKET),
    )
    return rows


def build(
    frame: pd.DataFrame,
    model: ModelFit | None,
    simulated: pd.DataFrame | None,
    data_kind: str = "synthetic",
    data_source: str = "synthetic respondents",
) -> pd.DataFrame:
    """The whole ledger, judged by the rule of ``data_kind``; ``data_source`` names the
    respondents every replicated value comes from."""
    findings = audit.audit_table().set_index("id")
    rows = _descriptive_rows(frame, findings, data_kind) + _model_rows(model, simulated, findings)
    out = pd.DataFrame(rows).reindex(columns=COLUMNS).astype(object).fillna("")
    out["basis"] = [basis_for(data_kind, v) for v in out["verdict"]]
    out["data_source"] = np.where(out["replicated"] == NOT_APPLICABLE, "", data_source)
    return out


def _judged(ledger: pd.DataFrame) -> pd.DataFrame:
    """The verdicts on published and derived claims (not the assumed term)."""
    return ledger[ledger["reported_provenance"].isin(["published", "derived"])]


def tally(ledger: pd.DataFrame) -> dict[str, int]:
    """How many verdicts hold by construction, how many are findings (and of those, how
    many reproduced), how many are descriptive only, and how many could not be judged.
    A verdict that holds by construction is never counted as a finding."""
    judged = _judged(ledger)
    findings = judged[judged["basis"] == FINDING]
    reproduced = findings["verdict"].isin(REPRODUCED)
    published = ledger[ledger["id"].isin(list(claims()))]
    return {
        "verdicts": len(judged),
        "claims": len(published),
        "by_construction": int((judged["basis"] == BY_CONSTRUCTION).sum()),
        "findings": len(findings),
        "reproduced": int(reproduced.sum()),
        "not_reproduced": int((~reproduced).sum()),
        "descriptive": int((judged["basis"] == DESCRIPTIVE).sum()),
        "not_judged": int((judged["basis"] == NOT_JUDGED).sum()),
        "not_applicable": int((judged["verdict"] == NOT_APPLICABLE).sum()),
        "not_estimable": int(judged["verdict"].str.startswith("not estimable").sum()),
        "anomalies": int((published["audit_status"] == audit.ANOMALY).sum()),
        "derived": int((ledger["reported_provenance"] == "derived").sum()),
        "assumed": int((ledger["reported_provenance"] == "assumed").sum()),
    }


def aspect_tally(ledger: pd.DataFrame, aspect: str) -> dict[str, int]:
    """For one aspect of the odds ratios (:data:`ESTIMATE`, :data:`SIGNIFICANCE`,
    :data:`BRACKET`): how many were judged, and how many came out positive."""
    rows = ledger[(ledger["aspect"] == aspect) & (ledger["reported_provenance"] != "assumed")]
    judged = rows[rows["basis"] != NOT_JUDGED]
    return {
        "claims": len(rows),
        "judged": len(judged),
        "positive": int(judged["verdict"].isin(REPRODUCED).sum()),
    }


def not_reproduced(ledger: pd.DataFrame) -> pd.DataFrame:
    """The findings that did not reproduce, claim by claim (significance claims included)."""
    judged = _judged(ledger)
    return judged[(judged["basis"] == FINDING) & ~judged["verdict"].isin(REPRODUCED)]


def reproduced(ledger: pd.DataFrame) -> pd.DataFrame:
    """The findings that reproduced, claim by claim (significance claims included)."""
    judged = _judged(ledger)
    return judged[(judged["basis"] == FINDING) & judged["verdict"].isin(REPRODUCED)]


def not_estimable_terms(ledger: pd.DataFrame) -> list[str]:
    """The published odds ratios these data cannot estimate, as readers name them."""
    verdicts = ledger.set_index("id")["verdict"]
    return [
        t.label
        for t in terms()
        if t.claim_id and str(verdicts.get(t.claim_id, "")).startswith("not estimable")
    ]


def misses(ledger: pd.DataFrame) -> list[str]:
    """Ids of the published odds ratios whose replicated CI misses the published value."""
    return list(ledger.loc[ledger["verdict"] == MISSES, "id"])


def expected_misses(simulated: pd.DataFrame) -> float:
    """How many of the published odds ratios a replicated 95% CI is expected to miss."""
    return float(np.sum(1 - simulated["coverage"]))


def expected_count(simulated: pd.DataFrame, column: str) -> float:
    """How many published odds ratios a survey of the published design is expected to get
    right on one aspect: the sum over terms of ``coverage``, ``p_below`` or ``p_bracket``."""
    return float(np.sum(simulated[column]))


def odds_ratio_view(ledger: pd.DataFrame) -> pd.DataFrame:
    """The published odds ratios, one row each, with the three verdicts side by side and
    what the simulation expects of each, for readers (terms by their readers' names)."""
    rows = []
    by_id = ledger.set_index("id")
    for t in terms():
        if not t.claim_id:
            continue
        est = by_id.loc[t.claim_id]
        sig = by_id.loc[f"{t.claim_id}.significance"]
        brk = by_id.loc[f"{t.claim_id}.bracket"]
        rows.append(
            {
                "term": t.label,
                "published": f"{est['reported']}, {sig['reported']}",
                "replicated": est["replicated"]
                if est["verdict"].startswith("not estimable")
                else f"{est['replicated']}, {brk['replicated']}",
                "estimate": _with_expected(est),
                "significance": _with_expected(sig),
                "bracket": f"{brk['reported']}: " + _with_expected(brk),
                "basis": est["basis"],
            }
        )
    return pd.DataFrame(rows)


def _with_expected(row: pd.Series) -> str:
    short = {
        COVERS: "covers",
        MISSES: "misses",
        SIGNIFICANT: "reproduced",
        NOT_SIGNIFICANT: "not reproduced",
        IN_BRACKET: "in the bracket",
        BELOW_BRACKET: "below the bracket",
        ABOVE_BRACKET: "above the bracket",
    }.get(str(row["verdict"]), str(row["verdict"]))
    return f"{short} (expected {row['expected']})" if row["expected"] else short


def claim_list(rows: pd.DataFrame) -> str:
    """Ledger rows as one short phrase, claim by claim ("none" for no rows): each odds
    ratio by its term's reader's name and the aspect judged, with the published and the
    replicated value."""
    labels = {t.claim_id: t.label for t in terms() if t.claim_id}
    parts = []
    for r in rows.itertuples():
        name = f"{labels[r.claim]}, {r.aspect}" if r.claim in labels else r.measure
        parts.append(f"{name} (published {r.reported}; replicated {r.replicated})")
    return "; ".join(parts) or "none"
