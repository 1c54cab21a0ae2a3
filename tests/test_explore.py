"""Explorable figures: what each chart carries, that JupyterLab's Vega-Lite can draw it, and
that its numbers agree with the engines they summarise (the simulation, a normal draw)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import vl_convert
from scipy import stats

from helpers.chapters import explore, figures
from helpers.chapters.explore import MARKER, NAMES
from helpers.science import audit, simulation
from helpers.science.simulation import precision

# the Vega-Lite JupyterLab 4 bundles is 5.6; vl-convert's oldest is 5.8 (as test_figures)
JUPYTERLAB_VEGALITE = "5.8"
MAX_BYTES = 300_000


@pytest.fixture(scope="module")
def specs() -> dict[str, dict]:
    figures.setup()
    return {name: getattr(explore, name)().to_dict() for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_explorable_is_titled_described_marked_and_small(specs: dict, name: str) -> None:
    spec = specs[name]
    assert spec["usermeta"] == {MARKER: name}
    assert spec["title"]
    # the text alternative says how to use it and what the default setting shows
    assert spec["description"].startswith("Explorable chart:")
    assert "As first shown" in spec["description"]
    assert len(json.dumps(spec)) < MAX_BYTES
    for param in spec["params"]:
        assert param["bind"]["name"].strip(), param["name"]  # every control is labelled
        assert param["bind"]["input"] in ("range", "select", "number", "text")
    # every dataset is embedded: nothing is fetched by URL
    assert "url" not in json.dumps(spec)


@pytest.mark.parametrize("name", NAMES)
def test_explorable_compiles_under_jupyterlab_vegalite(specs: dict, name: str) -> None:
    vega = vl_convert.vegalite_to_vega(specs[name], vl_version=JUPYTERLAB_VEGALITE)
    bound = {s["name"] for s in vega["signals"] if "bind" in s}
    assert bound == {p["name"] for p in specs[name]["params"]}
    svg = vl_convert.vegalite_to_svg(specs[name], vl_version=JUPYTERLAB_VEGALITE)
    assert "<path" in svg or "<rect" in svg


def test_denominator_menu_offers_every_published_percentage(specs: dict) -> None:
    menu = next(p for p in specs["denominators"]["params"] if p["name"] == "den_claim")
    published = {c.id for c in explore.registry.percent_claims()}
    assert published | {explore.OWN} == set(menu["bind"]["options"])
    assert len(menu["bind"]["labels"]) == len(menu["bind"]["options"])


def test_denominator_table_brackets_exactly_the_denominators_that_fit() -> None:
    """Each range holds every denominator that prints the count as published, and the
    denominators just outside it do not (checked one by one with audit.rounds_to)."""
    table = explore.denominator_table()
    for row in table[table["claim"] != explore.OWN].itertuples():
        c = explore.registry.claim(row.claim)
        if row.lo is pd.NA:  # no denominator at all: none in a range wide enough to hold one
            widest = range(c.n, math.ceil(100 * c.n / (float(c.percent_text) - 1)) + 2)
            assert not any(audit.rounds_to(c.n, d, c.percent_text, row.rule_key) for d in widest)
            continue
        lo, hi = int(row.lo), int(row.hi)
        assert all(audit.rounds_to(c.n, d, c.percent_text, row.rule_key) for d in (lo, hi))
        assert not audit.rounds_to(c.n, lo - 1, c.percent_text, row.rule_key)
        assert not audit.rounds_to(c.n, hi + 1, c.percent_text, row.rule_key)
        assert row.size >= lo  # the group is large enough to be asked


def test_odds_table_never_offers_an_impossible_risk_ratio() -> None:
    table = explore.odds_risk_table()
    for row in table.itertuples():
        risks = np.array(row.risk) / 100
        assert np.all(np.array(row.rr) <= 1 / risks * (1 + 1e-4))
        # the other group's risk has the reference odds times the odds ratio
        other = np.array(row.other) / 100
        odds = risks / (1 - risks) * row.odds
        assert np.allclose(other, odds / (1 + odds), rtol=1e-3)
        # the shaded region starts where the square root exceeds 1 / reference risk
        if row.fails_from is not None and not math.isnan(row.fails_from):
            assert row.root > 1
            beyond = risks * 100 > row.fails_from
            assert np.array_equal(beyond, row.root > 1 / risks)
        else:
            assert row.root <= 1


class _Datum(dict):
    """A row as a Vega expression sees it: ``datum.risk``."""

    __getattr__ = dict.__getitem__


def test_odds_chart_computes_what_the_table_holds() -> None:
    """The chart computes its curves from one row per reference risk; run in Python, its
    calculations give the table's risk ratios, E-values and other group's risks."""
    table = explore.odds_risk_table()
    for row in table.itertuples():
        for k, risk in enumerate(row.risk):
            datum = _Datum(risk=risk)
            names = {"datum": datum, "or_value": row.odds, "sqrt": math.sqrt, "max": max}
            for field, expression in explore.ODDS_CALCULATIONS.items():
                datum[field] = eval(expression, names)  # noqa: S307 - the chart's own arithmetic
            assert datum.rr == pytest.approx(row.rr[k], rel=1e-3)
            assert datum.evalue == pytest.approx(row.evalue[k], rel=1e-3)
            assert datum.other == pytest.approx(row.other[k], rel=1e-3)
            assert datum.root == pytest.approx(row.root, rel=1e-3)
            assert datum.root_evalue == pytest.approx(row.root_evalue, rel=1e-3)


def _grid_point(term: str, effect: int, share: float | None = None):
    rows = explore.power_table()
    rows = rows[rows["term"] == term].reset_index(drop=True)
    row = (
        rows[rows["calibrated"]].iloc[0]
        if share is None
        else rows.iloc[int((rows["share"] - share).abs().argmin())]
    )
    k = list(row["effect"]).index(effect)
    return row, row["below"][k], row["bracket"][k]


def _simulated(term: str, share: float, effect: int, seed: int, replications: int = 400):
    design = explore.power_design(precision.canonical_design(), term, share / 100, effect)
    summary = simulation.summarise(simulation.simulate(replications, seed, design=design))
    return summary.set_index("term").loc[term]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("term", "effect", "seed"),
    [
        ("role[psychotherapy]", 100, 1),
        ("role[psychotherapy]", 50, 2),
        ("role[psychotherapy]", 150, 3),
        ("setting[community_healthcare]", 100, 4),
        ("setting[community_healthcare]", 70, 5),
    ],
)
def test_power_agrees_with_the_simulation_within_monte_carlo_error(
    term: str, effect: int, seed: int
) -> None:
    """At the calibrated share of the two larger calibrated groups, with the true odds
    ratio at half, all and one and a half times the published effect, the explorable's
    probabilities lie within three Monte Carlo SEs of 400 simulated surveys of the same
    design (simulation engine, batched)."""
    row, below, bracket = _grid_point(term, effect)
    sim = _simulated(term, row["share"], effect, seed)
    assert abs(sim["p_below"] - below) <= 3 * sim["p_below_mcse"]
    assert abs(sim["p_bracket"] - bracket) <= 3 * sim["p_bracket_mcse"]


@pytest.mark.slow
@pytest.mark.parametrize("term", ["role[community_organization]", "setting[school]"])
def test_power_in_small_groups_is_a_close_approximation(term: str) -> None:
    """In the two groups of under 100 respondents the normal approximation misses the
    small-sample behaviour of the fitted odds ratio (it leans away from 1), so it is held
    only to ten percentage points beyond Monte Carlo error; the chart's description says
    that simulated surveys reach the bound and the bracket somewhat more often there."""
    row, below, bracket = _grid_point(term, 100)
    assert row["share"] / 100 * precision.canonical_design().n_model < 100
    sim = _simulated(term, row["share"], 100, seed=7)
    assert abs(sim["p_below"] - below) <= 3 * sim["p_below_mcse"] + 0.1
    assert abs(sim["p_bracket"] - bracket) <= 3 * sim["p_bracket_mcse"] + 0.1


@pytest.mark.parametrize("power", [10, 50, 80])
def test_winners_curse_agrees_with_a_normal_draw(power: int) -> None:
    """At each power, estimates drawn from the sampling distribution the chart assumes
    reach p < .05 at that rate, and the significant ones average the exaggeration ratio the
    chart shows, within Monte Carlo error."""
    row = explore.curse_table().set_index("power").loc[power]
    z = explore.z_for_power(power / 100)
    draws = np.random.default_rng(power).normal(z, 1.0, 200_000)
    significant = draws >= audit.z_for(explore.THRESHOLD)
    share = significant.mean()
    assert abs(share - power / 100) <= 3 * math.sqrt(share * (1 - share) / draws.size)
    ratio = draws[significant] / z
    mcse = ratio.std(ddof=1) / math.sqrt(ratio.size)
    assert abs(ratio.mean() - row["exaggeration"]) <= 3 * mcse + 5e-4  # 4 digits stored
    assert row["cut"] == pytest.approx(audit.z_for(explore.THRESHOLD) / z, rel=1e-3)


def test_wrong_sign_share_is_the_lower_tail_among_significant_estimates() -> None:
    """Type S error: at a tiny expected z, nearly half of the significant estimates point
    the wrong way; at high power, almost none."""
    c = audit.z_for(explore.THRESHOLD)
    z = 0.315
    lower, upper = stats.norm.cdf(-z - c), stats.norm.sf(c - z)
    assert explore.wrong_sign(z) == pytest.approx(lower / (lower + upper), rel=1e-12)
    assert 0.15 < explore.wrong_sign(z) < 0.5
    assert explore.wrong_sign(4.0) < 1e-4
