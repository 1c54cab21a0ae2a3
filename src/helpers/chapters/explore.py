"""Explorable figures: the book's central ideas, changed by the reader on the page itself.

Each function returns one Altair chart whose controls (menus, sliders, a number field) are
Vega-Lite parameters bound to native HTML inputs: they work with a keyboard, on the static
site, in JupyterLab and in Colab, with no kernel and no network. What a chart shows is
computed here, in Python, when the chart is made, and embedded in it (small grids, arrays
flattened in the chart so that keys are not repeated):

* :func:`denominators`: every denominator that prints a published percentage under each
  rounding rule (:func:`helpers.science.audit.denominator_range`), and the published group it must
  come from (:func:`helpers.science.audit.implied_population`);
* :func:`odds_and_risk`: the risk ratio an odds ratio implies at a reference risk, beside
  the square-root approximation, and where that approximation gives risk ratios no
  population allows (above 1 / reference risk);
* :func:`power`: for a term whose group size the published brackets constrain, the
  probability that a survey of the published design gets p below the published bound and
  in the published bracket, by the share of respondents in the group and the true odds
  ratio, from the design's expected Fisher information (:mod:`..science.simulation.precision`);
* :func:`winners_curse`: how much a significant estimate overstates the truth, by power
  (the exaggeration ratio, :func:`..science.simulation.precision.exaggeration`).

One thing is computed in the browser: a count and printed percent of the reader's own
choice in :func:`denominators` (the published claims are precomputed). It solves the
inequalities :func:`helpers.science.audit.denominator_range` checks, in whole numbers, so it is
exact; a browser test checks the two agree.

Every chart has a title, a text description of its default setting (the spec's
``description``, as in :mod:`helpers.chapters.figures`), and ``usermeta = {"explorable": name}``, by
which tests and the build find it.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from functools import cache

import altair as alt
import numpy as np
import pandas as pd
from scipy import stats

from .. import store
from ..science import audit, registry, sensitivity, spec
from ..science.simulation import population, precision
from .figures import OKABE_ITO, WIDTH, significant

MARKER = "explorable"
"""The ``usermeta`` key naming an explorable chart."""
NAMES = ("denominators", "odds_and_risk", "power", "winners_curse")
"""Every explorable, by the name of the function that makes it."""

RULE_LABELS = {
    "half_up": "Rounded half up",
    "half_even": "Rounded half to even",
    "truncate": "Truncated",
}
OWN = "own"
"""The menu entry of the denominators chart for a count and percent of the reader's own."""
DEFAULT_CLAIM = "outside_hours"

GREY = "#767676"
"""Reference marks: 4.5:1 against white."""


def _sig(values: np.ndarray | list[float], digits: int = 4) -> list[float]:
    return [significant(float(v), digits) for v in values]


def _explorable(chart: alt.TopLevelMixin, name: str, description: str) -> alt.TopLevelMixin:
    return chart.properties(description=description, usermeta={MARKER: name})


def _readout(
    base: alt.Chart,
    text: str,
    lines: int,
    width: int = WIDTH,
    y: str | None = None,
    indent: str | None = None,
) -> alt.Chart:
    """A block of text lines computed in the chart (one text mark per row of ``base``)."""
    encoding = {"text": alt.Text(f"{text}:N"), "x": alt.value(0)}
    if y:
        encoding["y"] = alt.Y(f"{y}:O", axis=None)
    if indent:
        encoding["x"] = alt.X(f"{indent}:Q", scale=None, axis=None)
    return (
        base.mark_text(align="left", baseline="top", fontSize=12, limit=width)
        .encode(**encoding)
        .properties(width=width, height=18 * lines)
    )


# ---------------------------------------------------------------------------------------
# Denominators
# ---------------------------------------------------------------------------------------


def denominator_table() -> pd.DataFrame:
    """For every published percentage and rounding rule: the denominators that print it and
    the smallest published group that large (in the claim's country; the chart takes the
    item non-response from the two). Rows for the reader's own count (``claim == "own"``)
    have no numbers: the chart computes them."""
    rows = []
    for c in registry.percent_claims():
        if c.n is None:
            continue
        for order, (rule, label) in enumerate(RULE_LABELS.items()):
            found = audit.denominator_range(c.n, c.percent_text, rule)
            pop = audit.implied_population(c, found[0]) if found else None
            rows.append(
                {
                    "claim": c.id,
                    "rule_key": rule,
                    "rule": label,
                    "order": order,
                    "lo": found[0] if found else None,
                    "hi": found[1] if found else None,
                    "group": pop.name if pop else "",
                    "size": pop.size if pop else None,
                }
            )
    for order, (rule, label) in enumerate(RULE_LABELS.items()):
        rows.append({"claim": OWN, "rule_key": rule, "rule": label, "order": order})
    return pd.DataFrame(rows).astype({"lo": "Int64", "hi": "Int64", "size": "Int64"})


def _claim_label(c: registry.Claim) -> str:
    where = f" ({c.country})" if c.country and c.country not in c.measure else ""
    return f"{c.measure}{where}: {c.reported()}"


def _group_expression(lo: str) -> tuple[str, list[str], list[int]]:
    """A Vega expression for the index of the smallest published group, in the chosen
    country (or of the whole sample), at least ``lo`` people; -1 if none. With the names
    and sizes it indexes."""
    pops = audit.populations()
    names = [p.name for p in pops]
    sizes = [p.size for p in pops]
    branches = []
    for country in ["", *registry.country_sizes(), *registry.OUTSIDE_SAMPLE]:
        chain = "-1"
        for i, p in reversed(list(enumerate(pops))):
            if p.country == country:
                chain = f"({lo} <= {p.size} ? {i} : {chain})"
        branches.append((country, chain))
    expr = "-1"
    for country, chain in reversed(branches):
        expr = f"(den_country == '{country}' ? {chain} : {expr})"
    return expr, names, sizes


def _own_transforms() -> dict[str, str]:
    """Calculations for the reader's own count and printed percent, per rounding rule:
    ``100 n / D`` printed with ``d`` decimals is ``t / 10^d``. With ``N = 100 n 10^d``:
    half up needs ``2N / (2t + 1) < D <= 2N / (2t - 1)``; half to even the same with both
    ends included when ``t`` is even; truncation ``N / (t + 1) < D <= N / t``. Whole
    numbers below 2^53 divide exactly in the browser, so the bounds are exact."""
    text = "trim(replace(den_percent + '', '%', ''))"
    dot = f"indexof({text}, '.')"
    group, names, sizes = _group_expression("datum.own_lo")
    a, b = "(2 * datum.own_N / (2 * datum.own_t + 1))", "(2 * datum.own_N / (2 * datum.own_t - 1))"
    even = "(datum.own_t % 2 == 0)"
    lo = {
        "half_up": f"floor({a}) + 1",
        "half_even": f"({even} ? ceil({a}) : floor({a}) + 1)",
        "truncate": "floor(datum.own_N / (datum.own_t + 1)) + 1",
    }
    hi = {
        "half_up": f"floor({b})",
        "half_even": f"({even} ? floor({b}) : ceil({b}) - 1)",
        "truncate": "floor(datum.own_N / datum.own_t)",
    }

    def by_rule(parts: dict[str, str]) -> str:
        return (
            f"datum.rule_key == 'half_up' ? {parts['half_up']} : "
            f"datum.rule_key == 'half_even' ? {parts['half_even']} : {parts['truncate']}"
        )

    valid = (
        "isValid(datum.own_n) && isFinite(datum.own_n) && datum.own_n >= 1 && "
        "datum.own_n == floor(datum.own_n) && isFinite(datum.own_p) && datum.own_t >= 1 && "
        "datum.own_t < 100 * datum.own_s && datum.own_d <= 2"
    )
    return {
        "own_n": "toNumber(den_count)",
        "own_p": f"toNumber({text})",
        "own_d": f"{dot} < 0 ? 0 : length({text}) - {dot} - 1",
        "own_s": "pow(10, datum.own_d)",
        "own_t": "round(datum.own_p * datum.own_s)",
        "own_N": "100 * datum.own_n * datum.own_s",
        "own_valid": valid,
        "own_lo": f"datum.own_valid ? ({by_rule(lo)}) : null",
        "own_hi": f"datum.own_valid ? ({by_rule(hi)}) : null",
        "own_group": f"datum.own_lo != null && datum.own_lo <= datum.own_hi ? {group} : -1",
        "dmin": f"datum.claim == '{OWN}' ? (datum.own_lo != null && "
        "datum.own_lo <= datum.own_hi ? datum.own_lo : null) : datum.lo",
        "dmax": f"datum.claim == '{OWN}' ? (datum.dmin != null ? datum.own_hi : null) : datum.hi",
        "group_name": f"datum.claim == '{OWN}' ? (datum.own_group >= 0 ? "
        f"{json.dumps(names)}[datum.own_group] : '') : datum.group",
        "group_size": f"datum.claim == '{OWN}' ? (datum.own_group >= 0 ? "
        f"{json.dumps(sizes)}[datum.own_group] : null) : datum.size",
    }


def _denominator_lines() -> dict[str, str]:
    """The readout: per rule, the denominators, then the group and its non-response."""
    count = "format(datum.dmax, ',d')"
    rng = (
        "datum.dmin == datum.dmax ? 'exactly ' + format(datum.dmin, ',d') : "
        f"format(datum.dmin, ',d') + ' to ' + {count}"
    )
    nr_lo = "max(datum.group_size - datum.dmax, 0)"
    nr_hi = "(datum.group_size - datum.dmin)"
    missing = (
        f"{nr_hi} == 0 ? 'everyone in it answered' : {nr_lo} == {nr_hi} ? "
        f"format({nr_hi}, ',d') + ' did not answer' : {nr_lo} == 0 ? "
        f"'up to ' + format({nr_hi}, ',d') + ' did not answer' : "
        f"format({nr_lo}, ',d') + ' to ' + format({nr_hi}, ',d') + ' did not answer'"
    )
    return {
        "line1": f"datum.claim == '{OWN}' && !datum.own_valid ? (datum.order == 0 ? 'Type a "
        "whole number of people (1 or more) and a percent above 0 and below 100, as printed "
        "(for example 64 or 78.1).' : '') : datum.rule + ': ' + (datum.dmin == null ? 'no "
        f"whole number of people prints this percent' : {rng} + ' people')",
        "line2": "datum.dmin == null ? '' : datum.group_name == '' ? "
        "'larger than any published group it could refer to' : "
        "'smallest published group that large: the ' + datum.group_name + ' (' + "
        f"format(datum.group_size, ',d') + '); ' + ({missing})",
    }


def _denominator_description(claim_id: str) -> str:
    c = registry.claim(claim_id)
    parts = []
    for rule, label in RULE_LABELS.items():
        found = audit.denominator_range(c.n or 0, c.percent_text, rule)
        if not found:
            parts.append(f"{label.lower()}, none")
            continue
        lo, hi = found
        pop = audit.implied_population(c, lo)
        where = (
            f", the smallest published group that large being the {pop.name} ({pop.size:,})"
            if pop
            else ", larger than any published group"
        )
        parts.append(f"{label.lower()}, {lo:,} to {hi:,}{where}")
    return (
        "Explorable chart: choose a published percentage from the menu, or 'your own count "
        "and percent' and type a count and a printed percent. For each rounding rule a "
        "horizontal bar spans the denominators (numbers of people) that print the count as "
        "that percent, and an orange tick marks the smallest published group that large: the "
        "group it is taken of if few of that group skipped the question (a larger group "
        "fits too, with more of it not answering); lines of text below give the numbers and "
        "how many of the group did not answer. As first shown, for "
        f"{c.measure[:1].lower() + c.measure[1:]}, {c.reported()}: " + "; ".join(parts) + "."
    )


def denominators(claim: str = DEFAULT_CLAIM) -> alt.VConcatChart:
    """Explorable: the denominators that print a percentage, under each rounding rule, and
    the published group they must come from (first showing ``claim``)."""
    claims = [c for c in registry.percent_claims() if c.n is not None]
    menu = alt.param(
        name="den_claim",
        value=claim,
        bind=alt.binding_select(
            options=[c.id for c in claims] + [OWN],
            labels=[_claim_label(c) for c in claims] + ["Your own count and percent (below)"],
            name="Published percentage ",
        ),
    )
    first = registry.claim(claim)
    count = alt.param(
        name="den_count",
        value=str(first.n),
        bind=alt.binding(input="number", name="Your own count (people) "),
    )
    percent = alt.param(
        name="den_percent",
        value=first.percent_text,
        bind=alt.binding(
            input="text", name="Your own printed percent (as printed, e.g. 78.1) ", placeholder="64"
        ),
    )
    countries = ["", *registry.country_sizes(), *registry.OUTSIDE_SAMPLE]
    country = alt.param(
        name="den_country",
        value="",
        bind=alt.binding_select(
            options=countries,
            labels=["the whole sample", *countries[1:]],
            name="Your own count is about ",
        ),
    )
    base = (
        alt.Chart(denominator_table())
        .transform_filter("datum.claim == den_claim")
        .transform_calculate(**_own_transforms())
    )
    ranged = base.transform_filter("datum.dmin != null")
    y = alt.Y(
        "rule:N",
        scale=alt.Scale(domain=list(RULE_LABELS.values())),
        title=None,
        axis=alt.Axis(labelLimit=200),
    )
    x = alt.X(
        "dmin:Q",
        title="Denominator (number of people the percentage is taken of)",
        scale=alt.Scale(zero=False, nice=False, padding=24),
        axis=alt.Axis(format=",d", tickMinStep=1),
    )
    tooltip = [
        alt.Tooltip("rule:N", title="rounding rule"),
        alt.Tooltip("dmin:Q", title="smallest denominator", format=",d"),
        alt.Tooltip("dmax:Q", title="largest denominator", format=",d"),
        alt.Tooltip("group_name:N", title="smallest published group that large"),
        alt.Tooltip("group_size:Q", title="its size", format=",d"),
    ]
    bars = ranged.mark_bar(height=16, color=OKABE_ITO[0]).encode(
        y=y, x=x, x2="dmax:Q", tooltip=tooltip
    )
    ends = ranged.mark_point(filled=True, size=60, color=OKABE_ITO[0], opacity=1).encode(
        y=y, x=x, tooltip=tooltip
    )
    ends_hi = ranged.mark_point(filled=True, size=60, color=OKABE_ITO[0], opacity=1).encode(
        y=y, x="dmax:Q", tooltip=tooltip
    )
    group = ranged.transform_filter("datum.group_size != null")
    ticks = group.mark_tick(thickness=3, size=26, color=OKABE_ITO[5]).encode(
        y=y, x="group_size:Q", tooltip=tooltip
    )
    # the label sits above its tick, never on it (text on the tick's orange is unreadable)
    labels = group.mark_text(align="left", baseline="bottom", dx=6, fontSize=11).encode(
        y=y, yOffset=alt.value(-14), x="group_size:Q", text="group_name:N"
    )
    chart = (bars + ends + ends_hi + ticks + labels).properties(width=WIDTH - 200, height=150)
    lines = (
        base.transform_calculate(**_denominator_lines())
        .transform_fold(["line1", "line2"], as_=["part", "text"])
        .transform_calculate(
            row="datum.order * 2 + (datum.part == 'line2' ? 1 : 0)",
            indent="datum.part == 'line2' ? 18 : 0",
        )
    )
    readout = _readout(lines, "text", lines=6, y="row", indent="indent")
    out = (
        alt.vconcat(chart, readout, spacing=12)
        .add_params(menu, count, percent, country)
        .properties(title="Which denominators print this percentage, and of which group?")
    )
    return _explorable(out, "denominators", _denominator_description(claim))


# ---------------------------------------------------------------------------------------
# Odds and risk
# ---------------------------------------------------------------------------------------

ODDS_RATIOS = np.round(np.arange(1, 101) / 10, 1)
"""The odds ratios the slider offers: 0.1 to 10 in steps of 0.1."""
RISKS = np.arange(2, 100, 2)
"""The reference risks (percent) the slider offers: 2% to 98% in steps of 2."""


def risk_ratio(odds_ratio: float, reference_risk: float) -> float:
    """The risk ratio an odds ratio implies when the reference group's risk is
    ``reference_risk``: the other group's risk is its odds times the odds ratio, turned
    back into a probability, over the reference risk."""
    odds = reference_risk / (1 - reference_risk) * odds_ratio
    return odds / (1 + odds) / reference_risk


def odds_risk_table() -> pd.DataFrame:
    """For every odds ratio on the slider: its square root (the approximation) and the
    E-value of that; the reference risk above which the square root exceeds 1 / reference
    risk (none for odds ratios up to 1); and, as arrays over the reference risks of the
    slider, the implied risk ratio, its E-value and the other group's risk (percent)."""
    rows = []
    for odds in ODDS_RATIOS:
        root = math.sqrt(odds)
        rr = [risk_ratio(odds, r / 100) for r in RISKS]
        rows.append(
            {
                "odds": float(odds),
                "root": significant(root, 4),
                "root_evalue": significant(sensitivity.evalue(root), 4),
                "fails_from": significant(100 / root, 4) if root > 1 else None,
                "risk": [int(r) for r in RISKS],
                "rr": _sig(rr),
                "evalue": _sig([sensitivity.evalue(v) for v in rr]),
                "other": _sig([v * r for v, r in zip(rr, RISKS, strict=True)]),
            }
        )
    return pd.DataFrame(rows)


def _default_risk() -> tuple[float, int]:
    """Private practice's published odds ratio and the standardised risk in its reference
    group under the canonical design (percent), both on the sliders' steps."""
    table = sensitivity.evalue_table(precision.canonical_design()).set_index("term")
    row = table.loc["setting[private_practice]"]
    odds = float(np.round(registry.claim("or_private_practice").odds_ratio or 1.0, 1))
    risk = int(2 * round(50 * float(row["reference_risk"])))
    return odds, risk


def _odds_description(table: pd.DataFrame, odds: float, risk: int) -> str:
    row = table[np.isclose(table["odds"], odds)].iloc[0]
    k = list(row["risk"]).index(risk)
    rr, evalue, other = row["rr"][k], row["evalue"][k], row["other"][k]
    ceiling = 100 / risk
    verdict = (
        f"above the largest possible risk ratio, {ceiling:.2f}: the approximation fails"
        if row["root"] > ceiling
        else f"within the largest possible risk ratio, {ceiling:.2f}"
    )
    return (
        "Explorable chart: set the risk of the outcome in the reference group and an odds "
        "ratio with the two sliders. The chart plots, against the reference risk, the risk "
        "ratio the odds ratio implies (blue line), the square-root approximation (orange "
        "dashed line) and the largest risk ratio any group can have, 1 / reference risk "
        "(grey line); a shaded band marks the reference risks at which the approximation "
        "exceeds that largest value, and dots mark the chosen risk. Two lines of text give "
        "the numbers. As first shown, with private practice's published odds ratio rounded "
        f"to {odds:.1f} and a reference risk of {risk}% (the standardised risk if everyone "
        "were in a social service agency, in the calibrated design): the other group's risk "
        f"is {other:.0f}%, a risk ratio of {rr:.2f} (E-value {evalue:.2f}); the square root "
        f"of the odds ratio, {row['root']:.2f} (E-value {row['root_evalue']:.2f}), is "
        f"{verdict}. The chart converts at one reference risk; chapter 5's E-values average "
        "over the other covariates (standardised risks), and an odds ratio does not "
        "collapse over them, so its risk ratios differ somewhat from the chart's."
    )


ODDS_CALCULATIONS = {
    "odds": "or_value",
    "reference_odds": "datum.risk / (100 - datum.risk) * or_value",
    "rr": "datum.reference_odds / (1 + datum.reference_odds) / (datum.risk / 100)",
    "rr_away": "max(datum.rr, 1 / datum.rr)",
    "evalue": "datum.rr_away + sqrt(datum.rr_away * (datum.rr_away - 1))",
    "other": "datum.rr * datum.risk",
    "root": "sqrt(or_value)",
    "root_away": "max(datum.root, 1 / datum.root)",
    "root_evalue": "datum.root_away + sqrt(datum.root_away * (datum.root_away - 1))",
}
"""The chart's calculations, in order, per reference risk (percent) at the odds ratio of
the slider (``or_value``): the same arithmetic as :func:`risk_ratio` and
:func:`sensitivity.evalue`, written so that a test can run it in Python too. Computing in
the chart keeps its data to one row per reference risk."""


def odds_and_risk() -> alt.VConcatChart:
    """Explorable: the risk ratio an odds ratio implies at a reference risk, beside the
    square-root approximation, and where the approximation fails."""
    odds, risk = _default_risk()
    odds_param = alt.param(
        name="or_value",
        value=odds,
        bind=alt.binding_range(min=0.1, max=10, step=0.1, name="Odds ratio "),
    )
    risk_param = alt.param(
        name="risk_value",
        value=risk,
        bind=alt.binding_range(
            min=int(RISKS[0]), max=int(RISKS[-1]), step=2, name="Risk in the reference group (%) "
        ),
    )
    risks = pd.DataFrame({"risk": [int(r) for r in RISKS], "ceiling": _sig(100 / RISKS)})
    curve = alt.Chart(risks).transform_calculate(**ODDS_CALCULATIONS)
    series = ["Risk ratio the odds ratio implies", "√OR (the approximation)", "Largest possible"]
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=series, range=[OKABE_ITO[0], OKABE_ITO[5], GREY]),
        legend=alt.Legend(orient="top", direction="horizontal", labelLimit=300),
    )
    x = alt.X(
        "risk:Q",
        title="Risk of the outcome in the reference group (%)",
        scale=alt.Scale(domain=[0, 100]),
    )
    y_scale = alt.Scale(type="log", domain=[0.1, 50])
    y = alt.Y(
        "rr:Q",
        title="Risk ratio (log scale)",
        scale=y_scale,
        axis=alt.Axis(values=[0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]),
    )
    band = (
        alt.Chart(risks.head(1))
        .transform_calculate(root="sqrt(or_value)", fails_from="100 / datum.root")
        .transform_filter("datum.root > 1")
        .mark_rect(fill=OKABE_ITO[1], fillOpacity=0.25, stroke=OKABE_ITO[1], strokeWidth=2)
        .encode(
            x=alt.X("fails_from:Q", scale=alt.Scale(domain=[0, 100])),
            x2=alt.datum(100),
            y=alt.value(0),
            y2=alt.value(260),
            tooltip=[
                alt.Tooltip("fails_from:Q", title="√OR impossible above a risk of", format=".0f")
            ],
        )
    )
    implied = curve.transform_calculate(series=f"'{series[0]}'").mark_line(strokeWidth=3)
    implied = implied.encode(
        x=x,
        y=y,
        color=colour,
        tooltip=[
            alt.Tooltip("risk:Q", title="reference risk (%)"),
            alt.Tooltip("rr:Q", title="risk ratio", format=".2f"),
            alt.Tooltip("evalue:Q", title="E-value", format=".2f"),
        ],
    )
    root = (
        curve.transform_calculate(series=f"'{series[1]}'")
        .mark_line(strokeDash=[6, 4], strokeWidth=2)
        .encode(x=x, y=alt.Y("root:Q", scale=y_scale), color=colour)
    )
    ceiling = (
        alt.Chart(risks)
        .transform_calculate(series=f"'{series[2]}'")
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("ceiling:Q", scale=y_scale),
            color=colour,
            tooltip=[
                alt.Tooltip("risk:Q", title="reference risk (%)"),
                alt.Tooltip("ceiling:Q", title="largest possible risk ratio", format=".2f"),
            ],
        )
    )
    at = curve.transform_filter("datum.risk == risk_value")
    dots = at.mark_point(filled=True, size=110, color=OKABE_ITO[0], opacity=1).encode(x=x, y=y)
    root_dot = at.mark_point(shape="diamond", filled=True, size=110, color=OKABE_ITO[5]).encode(
        x=x, y=alt.Y("root:Q", scale=y_scale)
    )
    chart = (band + ceiling + root + implied + dots + root_dot).properties(
        width=WIDTH - 160, height=260
    )
    text = at.transform_calculate(
        line1="'Reference risk ' + datum.risk + '%, odds ratio ' + format(datum.odds, '.1f') + "
        "': the other group\\'s risk is ' + format(datum.other, '.0f') + '%, a risk ratio of ' "
        "+ format(datum.rr, '.2f') + ' (E-value ' + format(datum.evalue, '.2f') + ').'",
        line2="'√OR = ' + format(datum.root, '.2f') + ' (E-value ' + "
        "format(datum.root_evalue, '.2f') + ') ' + (datum.root > 100 / datum.risk ? "
        "'is above the largest possible risk ratio, ' + format(100 / datum.risk, '.2f') + "
        "': the approximation fails.' : 'is possible here (the largest is ' + "
        "format(100 / datum.risk, '.2f') + '), and ' + (abs(datum.root / datum.rr - 1) < 0.1 ? "
        "'within 10% of the implied risk ratio.' : 'still far from the implied risk ratio.'))",
    ).transform_fold(["line1", "line2"], as_=["part", "text"])
    readout = _readout(text, "text", lines=2, y="part")
    out = (
        alt.vconcat(chart, readout, spacing=12)
        .add_params(odds_param, risk_param)
        .properties(title="Odds ratio and risk ratio: when does √OR work?")
    )
    return _explorable(out, "odds_and_risk", _odds_description(odds_risk_table(), odds, risk))


# ---------------------------------------------------------------------------------------
# Power and the published bracket
# ---------------------------------------------------------------------------------------

EFFECTS = tuple(range(0, 201, 10))
"""True effects on the slider, in percent of the published log odds ratio (0: no effect,
100: the published odds ratio, 200: twice the published log odds ratio)."""
SHARE_POINTS = 20
"""Group shares per term on the grid (log-spaced over what the design allows), besides the
calibrated share."""
SHARE_LIMITS = (0.002, 0.6)
"""The smallest and largest group share on any term's grid."""
DEFAULT_TERM = "role[community_organization]"


def power_terms() -> list[str]:
    """The terms of the power explorable: the role and setting contrasts published in a
    bracket with a lower end, whose group sizes the brackets constrain (the calibrated
    terms)."""
    return precision.calibrated_terms()


def power_design(
    design: population.Design, name: str, share: float, effect: float
) -> population.Design:
    """``design`` with the group of term ``name`` at ``share`` of the model sample (over
    countries), the other groups rescaled, and the term's true log odds ratio at
    ``effect`` percent of the published one; the intercept set again for the published
    event rate."""
    published = next(t for t in spec.terms() if t.name == name).log_odds
    scaled = population.scaled(design, {name: share / precision.group_share(design, name)})
    truth = {**scaled.log_odds, name: published * effect / 100}
    return population.calibrate_intercept(replace(scaled, log_odds=truth))


def _share_grid(design: population.Design, name: str) -> list[float]:
    base = precision.group_share(design, name)
    low, high = precision.factor_bounds(design, name)
    lo = max(base * low * 1.001, SHARE_LIMITS[0])
    hi = min(base * high * 0.999, SHARE_LIMITS[1])
    return sorted({*(float(s) for s in np.geomspace(lo, hi, SHARE_POINTS)), base})


def _power_rows(design: population.Design) -> list[dict[str, object]]:
    rows = []
    for name in power_terms():
        lower, upper = precision.published_bracket(name)
        calibrated = precision.group_share(design, name)
        for share in _share_grid(design, name):
            below, inside, odds = [], [], []
            for effect in EFFECTS:
                d = power_design(design, name, share, effect)
                z = precision.expected_z(d, name)
                below.append(precision.probability_below(z, upper))
                inside.append(precision.probability_in(z, lower, upper))
                odds.append(math.exp(d.log_odds[name]))
            rows.append(
                {
                    "term": name,
                    "share": significant(100 * share, 4),
                    "calibrated": share == calibrated,
                    "effect": list(EFFECTS),
                    "odds": _sig(odds),
                    "below": _sig(below, 3),
                    "bracket": _sig(inside, 3),
                }
            )
    return rows


@cache
def power_table() -> pd.DataFrame:
    """Per term of :func:`power_terms` and group share (percent) on its grid: the true odds
    ratio, P(p below the published bound) and P(p in the published bracket), both in the
    published direction, as arrays over :data:`EFFECTS`, from the canonical design's
    expected Fisher information (kept in the results store)."""
    rows = store.cached(
        "explore_power",
        {"effects": EFFECTS, "points": SHARE_POINTS, "limits": SHARE_LIMITS},
        lambda: _power_rows(precision.canonical_design()),
    )
    return pd.DataFrame(rows)


def _power_terms_table() -> pd.DataFrame:
    """Per term: its reader's name, bracket, and the calibration's shares (percent)."""
    cal = precision.calibration().table.set_index("term")
    rows = []
    for name in power_terms():
        lower, upper = precision.published_bracket(name)
        rows.append(
            {
                "term": name,
                "label": spec.term_label(name),
                "bound": audit.bracket_text(0.0, upper),
                "bracket": audit.bracket_text(lower, upper),
                "calibrated_share": significant(100 * cal.loc[name, "calibrated_share"], 4),
                "allowed_low": significant(100 * cal.loc[name, "allowed_low"], 4),
                "allowed_high": significant(100 * cal.loc[name, "allowed_high"], 4),
            }
        )
    return pd.DataFrame(rows)


def _power_description(grid: pd.DataFrame, terms: pd.DataFrame, name: str) -> str:
    term = terms.set_index("term").loc[name]
    row = grid[(grid["term"] == name) & grid["calibrated"]].iloc[0]
    k = list(row["effect"]).index(100)
    return (
        "Explorable chart: choose a published term from the menu and set, with the sliders, "
        "the share of respondents in its group and the true odds ratio (as a percentage of "
        "the published effect on the log scale). Two lines show, against the group's share, "
        "the probability that a survey of the published design gets a p-value below the "
        "published bound (blue) and in the published bracket (orange), both in the published "
        "direction, computed from the calibrated design's expected information; a dashed "
        "line marks the calibrated share and a grey band the shares at which, with the "
        "published odds ratio, the expected p lies in the bracket; dots mark the share chosen "
        "(the nearest on the grid), and text "
        f"gives the numbers. As first shown, for {term['label']} with "
        f"{row['share']:.2g}% of respondents in the group (the calibrated design) and the "
        f"published odds ratio {row['odds'][k]:.2f}: P({term['bound']}) is "
        f"{row['below'][k]:.0%} and P({term['bracket']}) is {row['bracket'][k]:.0%}: values "
        "that follow from the calibration, which puts the expected z at the middle of the "
        "bracket (every calibrated term has the same two). These are normal approximations; "
        "where only about 10 to 15 of the group are expected without the outcome (schools, "
        "community organization), simulated surveys land in the bracket noticeably more "
        "often (the simulation table of chapter 5 gives how often)."
    )


def power(name: str = DEFAULT_TERM) -> alt.VConcatChart:
    """Explorable: for a published term whose group the brackets constrain, the
    probabilities of p below the published bound and in the published bracket, by the
    share of respondents in the group and the true odds ratio (first showing ``name``)."""
    grid, terms = power_table(), _power_terms_table()
    first = terms.set_index("term").loc[name]
    term_param = alt.param(
        name="pw_term",
        value=name,
        bind=alt.binding_select(
            options=list(terms["term"]), labels=list(terms["label"]), name="Published term "
        ),
    )
    share_param = alt.param(
        name="pw_share",
        value=round(float(first["calibrated_share"]), 1),
        bind=alt.binding_range(
            min=0.2, max=60, step=0.1, name="Share of respondents in the group (%) "
        ),
    )
    effect_param = alt.param(
        name="pw_effect",
        value=100,
        bind=alt.binding_range(
            min=0,
            max=200,
            step=10,
            name="True odds ratio, as % of the published effect (log scale) ",
        ),
    )
    measures = ["p below the published bound", "p in the published bracket"]
    curve = alt.Chart(grid).transform_filter("datum.term == pw_term")
    curve = curve.transform_flatten(["effect", "odds", "below", "bracket"]).transform_filter(
        "datum.effect == pw_effect"
    )
    long = curve.transform_fold(["below", "bracket"], as_=["which", "probability"])
    long = long.transform_calculate(
        measure=f"datum.which == 'below' ? '{measures[0]}' : '{measures[1]}'"
    )
    x_scale = alt.Scale(type="log", domain=[0.2, 60])
    x = alt.X(
        "share:Q",
        title="Share of respondents in the group (%, log scale)",
        scale=x_scale,
        axis=alt.Axis(values=[0.2, 0.5, 1, 2, 5, 10, 20, 50]),
    )
    y = alt.Y(
        "probability:Q",
        title="Probability over surveys of this design",
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format="%"),
    )
    colour = alt.Color(
        "measure:N",
        title=None,
        scale=alt.Scale(domain=measures, range=[OKABE_ITO[0], OKABE_ITO[5]]),
        legend=alt.Legend(orient="top", direction="horizontal", labelLimit=300),
    )
    tooltip = [
        alt.Tooltip("share:Q", title="share in the group (%)", format=".2g"),
        alt.Tooltip("odds:Q", title="true odds ratio", format=".2f"),
        alt.Tooltip("measure:N", title="probability of"),
        alt.Tooltip("probability:Q", title="probability", format=".0%"),
    ]
    lines = long.mark_line(strokeWidth=3).encode(x=x, y=y, color=colour, tooltip=tooltip)
    nearest = (
        long.transform_calculate(distance="abs(log(datum.share) - log(pw_share))")
        .transform_joinaggregate(closest="min(distance)")
        .transform_filter("datum.distance <= datum.closest + 1e-9")
    )
    dots = nearest.mark_point(filled=True, size=120, opacity=1).encode(
        x=x, y=y, color=colour, shape=alt.Shape("measure:N", legend=None), tooltip=tooltip
    )
    about = alt.Chart(terms).transform_filter("datum.term == pw_term")
    band = about.mark_rect(fill="#BBBBBB", fillOpacity=0.5, stroke=GREY, strokeWidth=1.5).encode(
        x=alt.X("allowed_low:Q", scale=x_scale),
        x2="allowed_high:Q",
        y=alt.value(0),
        y2=alt.value(240),
        tooltip=[
            alt.Tooltip(
                "allowed_low:Q",
                title="expected p in the bracket, at the published odds ratio, from (%)",
                format=".2g",
            ),
            alt.Tooltip("allowed_high:Q", title="to (%)", format=".2g"),
        ],
    )
    calibrated = about.mark_rule(strokeDash=[4, 4], color=GREY, strokeWidth=2).encode(
        x=alt.X("calibrated_share:Q", scale=x_scale),
        tooltip=[alt.Tooltip("calibrated_share:Q", title="calibrated share (%)", format=".2g")],
    )
    chart = (band + calibrated + lines + dots).properties(width=WIDTH - 160, height=240)
    text = (
        nearest.transform_filter("datum.which == 'below'")
        .transform_lookup(
            lookup="term",
            from_=alt.LookupData(
                data=alt.Data(values=terms.to_dict("records")),
                key="term",
                fields=["label", "bound", "bracket", "calibrated_share"],
            ),
            as_=["label", "bound", "bracket_text", "calibrated_share"],
        )
        .transform_calculate(
            line1="datum.label + ':'",
            line2="format(datum.share, '.2g') + '% of respondents in the "
            "group' + (datum.share == datum.calibrated_share ? ' (the calibrated design)' : '') "
            "+ ', true odds ratio ' + format(datum.odds, '.2f') + (datum.effect == 100 ? "
            "' (the published)' : '') + '.'",
            line3="'P(' + datum.bound + ') = ' + format(datum.below, '.0%') + ';  P(' + "
            "datum.bracket_text + ') = ' + format(datum.bracket, '.0%') + '  (the published "
            "bracket).'",
        )
        .transform_fold(["line1", "line2", "line3"], as_=["part", "text"])
    )
    readout = _readout(text, "text", lines=3, y="part")
    out = (
        alt.vconcat(chart, readout, spacing=12)
        .add_params(term_param, share_param, effect_param)
        .properties(title="How often would a survey of the published design print the bracket?")
    )
    return _explorable(out, "power", _power_description(grid, terms, name))


# ---------------------------------------------------------------------------------------
# The winner's curse
# ---------------------------------------------------------------------------------------

THRESHOLD = 0.05
"""The significance threshold of the winner's-curse explorable (the abstract's largest
bound: a factor had to reach it to be listed)."""
POWERS = tuple(range(5, 100, 5))
"""Powers on the slider (percent)."""
ESTIMATES = np.round(np.arange(-2.0, 8.01, 0.1), 1)
"""Estimates, as multiples of the truth, at which each sampling distribution is drawn."""


def z_for_power(power: float, threshold: float = THRESHOLD) -> float:
    """The expected z at which an estimate reaches p below ``threshold``, in the true
    direction, with probability ``power``."""
    return audit.z_for(threshold) + float(stats.norm.ppf(power))


def wrong_sign(z: float, threshold: float = THRESHOLD) -> float:
    """Among estimates that reach p below ``threshold`` when the expected z is ``z``, the
    share with the wrong sign (the type S error of Gelman and Carlin)."""
    c = audit.z_for(threshold)
    wrong, right = float(stats.norm.cdf(-z - c)), float(stats.norm.cdf(z - c))
    return wrong / (wrong + right)


def curse_table() -> pd.DataFrame:
    """Per power on the slider (percent): the expected z, the exaggeration ratio, the
    smallest significant estimate (as a multiple of the truth), and the sampling
    distribution of the estimate over the truth (a normal with mean 1 and SD 1 / z) as
    arrays over :data:`ESTIMATES`."""
    rows = []
    for power in POWERS:
        z = z_for_power(power / 100)
        rows.append(
            {
                "power": power,
                "exaggeration": significant(precision.exaggeration(z, THRESHOLD), 4),
                "cut": significant(audit.z_for(THRESHOLD) / z, 4),
                "wrong_sign": significant(wrong_sign(z), 4),
                "estimate": [float(e) for e in ESTIMATES],
                "density": _sig(z * stats.norm.pdf((ESTIMATES - 1) * z)),
            }
        )
    return pd.DataFrame(rows)


def curse_curve() -> pd.DataFrame:
    """The exaggeration ratio at every whole percent of power from 5% to 99%."""
    powers = np.arange(5, 100)
    return pd.DataFrame(
        {
            "power": powers,
            "exaggeration": _sig(
                [precision.exaggeration(z_for_power(p / 100), THRESHOLD) for p in powers]
            ),
        }
    )


def book_terms_curse() -> pd.DataFrame:
    """Each published term under the calibrated design: its power to reach p below
    :data:`THRESHOLD` (percent) and its exaggeration ratio there."""
    rows = []
    for row in precision.expected(precision.canonical_design()).itertuples():
        rows.append(
            {
                "label": row.label,
                "power": significant(100 * precision.probability_below(row.z, THRESHOLD), 4),
                "exaggeration": significant(precision.exaggeration(row.z, THRESHOLD), 4),
            }
        )
    return pd.DataFrame(rows)


DEFAULT_POWER = 50


def _curse_description(table: pd.DataFrame, terms: pd.DataFrame, power: int) -> str:
    row = table.set_index("power").loc[power]
    return (
        "Explorable chart: set the power, the probability that a study gets p below .05 in "
        "the true direction, with the slider. The upper panel shows the sampling distribution "
        "of the estimated log odds ratio as a multiple of the true one (grey), with the "
        "estimates that reach p < .05 in orange, a dashed black line at the truth (1) and a "
        "solid blue line at the average significant estimate. The lower panel shows the "
        "exaggeration ratio (the average significant estimate over the truth, also called "
        "the type M error) against power, with a dot at the chosen power and the book's "
        "published terms under the calibrated design as diamonds. As first shown, at "
        f"{power}% power a significant estimate overstates the truth by a factor of "
        f"{row['exaggeration']:.2f} on average, only estimates above {row['cut']:.2f} "
        "times the truth reach p < .05 in the true direction, and "
        f"{row['wrong_sign']:.1%} of the estimates that reach p < .05 have the wrong sign. "
        "Significant here means p < .05, the abstract's criterion for listing a factor. The "
        f"published terms have {terms['power'].min():.0f}% to {terms['power'].max():.0f}% "
        f"power, and exaggeration ratios from {terms['exaggeration'].min():.2f} to "
        f"{terms['exaggeration'].max():.2f}; the calibrated terms share one point, since the "
        "calibration puts each at the middle of its bracket."
    )


def winners_curse(power: int = DEFAULT_POWER) -> alt.VConcatChart:
    """Explorable: how much a significant estimate overstates the truth, by power
    (first showing ``power`` percent)."""
    table, curve, terms = curse_table(), curse_curve(), book_terms_curse()
    power_param = alt.param(
        name="wc_power",
        value=power,
        bind=alt.binding_range(
            min=POWERS[0], max=POWERS[-1], step=5, name="Power to reach p < .05 (%) "
        ),
    )
    chosen = alt.Chart(table).transform_filter("datum.power == wc_power")
    dist = chosen.transform_flatten(["estimate", "density"]).transform_calculate(
        significant="datum.estimate >= datum.cut"
    )
    x = alt.X(
        "estimate:Q",
        title="Estimated log odds ratio, as a multiple of the true one",
        scale=alt.Scale(domain=[-2, 8]),
    )
    y = alt.Y("density:Q", title="Density", axis=alt.Axis(labels=False, ticks=False))
    everything = dist.mark_area(
        fill="#BBBBBB", fillOpacity=0.8, stroke=GREY, strokeWidth=1.5
    ).encode(x=x, y=y)
    significant_part = (
        dist.transform_filter("datum.significant")
        .mark_area(fill=OKABE_ITO[5], fillOpacity=0.9, stroke=OKABE_ITO[5], strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            tooltip=[alt.Tooltip("estimate:Q", title="estimate / truth", format=".1f")],
        )
    )
    truth = (
        alt.Chart(pd.DataFrame({"estimate": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color="#000000", strokeWidth=2)
        .encode(x=x, tooltip=[alt.Tooltip("estimate:Q", title="the truth")])
    )
    average = chosen.mark_rule(color=OKABE_ITO[0], strokeWidth=3).encode(
        x=alt.X("exaggeration:Q", scale=alt.Scale(domain=[-2, 8])),
        tooltip=[alt.Tooltip("exaggeration:Q", title="average significant estimate", format=".2f")],
    )
    top = (everything + significant_part + truth + average).properties(
        width=WIDTH - 160, height=150
    )
    px = alt.X("power:Q", title="Power to reach p < .05 (%)", scale=alt.Scale(domain=[0, 100]))
    py = alt.Y(
        "exaggeration:Q",
        title="Exaggeration ratio",
        scale=alt.Scale(type="log", domain=[1, 8]),
        axis=alt.Axis(values=[1, 1.25, 1.5, 2, 3, 4, 6, 8]),
    )
    line = (
        alt.Chart(curve)
        .mark_line(color=OKABE_ITO[0], strokeWidth=3)
        .encode(
            x=px,
            y=py,
            tooltip=[
                alt.Tooltip("power:Q", title="power (%)"),
                alt.Tooltip("exaggeration:Q", title="exaggeration ratio", format=".2f"),
            ],
        )
    )
    book = (
        alt.Chart(terms)
        .mark_point(shape="diamond", filled=True, size=70, color=OKABE_ITO[2], opacity=1)
        .encode(
            x=px,
            y=py,
            tooltip=[
                alt.Tooltip("label:N", title="published term (calibrated design)"),
                alt.Tooltip("power:Q", title="power (%)", format=".0f"),
                alt.Tooltip("exaggeration:Q", title="exaggeration ratio", format=".2f"),
            ],
        )
    )
    dot = chosen.mark_point(filled=True, size=140, color=OKABE_ITO[0], opacity=1).encode(x=px, y=py)
    bottom = (line + book + dot).properties(width=WIDTH - 160, height=170)
    text = chosen.transform_calculate(
        line1="'At ' + datum.power + '% power, a significant estimate overstates the truth by "
        "a factor of ' + format(datum.exaggeration, '.2f') + ' on average;'",
        line2="'only estimates above ' + format(datum.cut, '.2f') + ' times the truth reach "
        "p < .05 in the true direction; ' + format(datum.wrong_sign, '.1%') + ' of those "
        "reaching p < .05 have the wrong sign.'",
    ).transform_fold(["line1", "line2"], as_=["part", "text"])
    readout = _readout(text, "text", lines=2, y="part")
    out = (
        alt.vconcat(top, readout, bottom, spacing=12)
        .add_params(power_param)
        .properties(title="The winner's curse: significant estimates overstate the truth")
    )
    return _explorable(out, "winners_curse", _curse_description(table, terms, power))
