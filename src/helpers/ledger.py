"""The ledger: every registry claim, reported beside replicated, with its status.

One row per claim (plus the derived denominators the audit implies and the assumed model
term), saying where the number comes from (published, derived, assumed), whether the
replication matches, and which chapter computes it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import audit, descriptive
from .models import ModelFit, coefficient_table
from .registry import claims
from .spec import terms

EXACT = "exact"
COUNT_EXACT = "count exact, printed percent not reproducible"
WITHIN = "within the audit's range"
OUTSIDE = "outside the audit's range"
COVERS = "replicated 95% CI covers the published OR"
MISSES = "replicated 95% CI misses the published OR"
NOT_APPLICABLE = descriptive.NOT_APPLICABLE
NOT_ESTIMABLE = "not estimable in these data"
COLUMNS = [
    "id",
    "measure",
    "reported",
    "replicated",
    "difference",
    "audit_status",
    "provenance",
    "match",
    "expected_coverage",
    "p_bracket_probability",
    "chapter",
]


def _descriptive_rows(frame: pd.DataFrame, findings: pd.DataFrame) -> list[dict[str, object]]:
    rows = []
    for _, r in descriptive.replicate_all(frame).iterrows():
        c = claims()[r["id"]]
        f = findings.loc[r["id"]]
        match = r["match"]
        if match == "count exact, percent differs":
            match = COUNT_EXACT
        difference = "" if pd.isna(r["n"]) else f"{int(r['n']) - (c.n or 0):+,}"
        rows.append(
            {
                "id": c.id,
                "measure": c.measure,
                "reported": c.reported(),
                "replicated": r["replicated"],
                "difference": difference,
                "audit_status": f["status"],
                "provenance": "published",
                "match": match,
                "chapter": "02_descriptive",
            }
        )
        if c.kind == "percent" and not pd.isna(f["denominator_lo"]) and not pd.isna(r["n"]):
            lo, hi = int(f["denominator_lo"]), int(f["denominator_hi"])
            d = int(r["denominator"])
            rows.append(
                {
                    "id": f"{c.id}.denominator",
                    "measure": f"Respondents who answered: {c.measure.lower()}",
                    "reported": f"{lo:,}–{hi:,} (implied by the audit)",
                    "replicated": f"{d:,}",
                    "difference": "0" if lo <= d <= hi else f"{d - (lo if d < lo else hi):+,}",
                    "audit_status": f["status"],
                    "provenance": "derived",
                    "match": WITHIN if lo <= d <= hi else OUTSIDE,
                    "chapter": "01_data",
                }
            )
    return rows


def _model_rows(
    model: ModelFit | None, simulated: pd.DataFrame | None, findings: pd.DataFrame
) -> list[dict[str, object]]:
    table = coefficient_table(model).set_index("term") if model is not None else None
    sim = simulated.set_index("term") if simulated is not None else None
    rows = []
    for t in terms():
        c = claims().get(t.claim_id)
        row: dict[str, object] = {
            "id": t.claim_id or f"assumed.{t.name}",
            "measure": c.measure if c else f"Contact outside work hours: {t.name} (not published)",
            "reported": c.reported() if c else f"OR = {t.odds_ratio:.2f} (assumed)",
            "audit_status": findings.loc[c.id, "status"] if c else "",
            "provenance": "published" if c else "assumed",
            "chapter": "03_regression",
        }
        fitted = table is not None and not pd.isna(table.loc[t.name, "odds_ratio"])
        if not fitted:
            row.update(replicated=NOT_ESTIMABLE, difference="", match=NOT_APPLICABLE)
        else:
            r = table.loc[t.name]
            row.update(
                replicated=f"OR = {r['odds_ratio']:.2f} (95% CI {r['ci_low']:.2f}–"
                f"{r['ci_high']:.2f}), {_p(r['p_value'])}",
                difference=f"{r['odds_ratio'] - t.odds_ratio:+.2f}",
                match=(COVERS if r["covers_published"] else MISSES) if c else "",
            )
        if sim is not None and c is not None and t.name in sim.index:
            s = sim.loc[t.name]
            row["expected_coverage"] = f"{s['coverage']:.1%} ± {s['coverage_mcse']:.1%}"
            row["p_bracket_probability"] = f"{s['p_below']:.1%} ± {s['p_below_mcse']:.1%}"
        rows.append(row)
    return rows


def _p(p: float) -> str:
    return "p < .001" if p < 0.001 else "p = " + f"{p:.3f}".lstrip("0")


def build(
    frame: pd.DataFrame, model: ModelFit | None, simulated: pd.DataFrame | None
) -> pd.DataFrame:
    """The whole ledger."""
    findings = audit.audit_table().set_index("id")
    rows = _descriptive_rows(frame, findings) + _model_rows(model, simulated, findings)
    return pd.DataFrame(rows).reindex(columns=COLUMNS).fillna("")


def tally(ledger: pd.DataFrame) -> dict[str, int]:
    """How many published claims reproduce, how many do not, how many do not apply."""
    published = ledger[ledger["provenance"] == "published"]
    reproduce = published["match"].isin([EXACT, COVERS])
    not_applicable = published["match"].isin([NOT_APPLICABLE])
    return {
        "published": len(published),
        "reproduce": int(reproduce.sum()),
        "not_applicable": int(not_applicable.sum()),
        "other": int((~reproduce & ~not_applicable).sum()),
        "anomalies": int((published["audit_status"] == audit.ANOMALY).sum()),
        "derived": int((ledger["provenance"] == "derived").sum()),
        "derived_within": int((ledger["match"] == WITHIN).sum()),
        "assumed": int((ledger["provenance"] == "assumed").sum()),
    }


def misses(ledger: pd.DataFrame) -> list[str]:
    """Ids of the published odds ratios whose replicated CI misses the published value."""
    return list(ledger.loc[ledger["match"] == MISSES, "id"])


def expected_misses(simulated: pd.DataFrame) -> float:
    """How many of the published odds ratios a replicated 95% CI is expected to miss."""
    return float(np.sum(1 - simulated["coverage"]))
