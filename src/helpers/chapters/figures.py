"""Charts for the book (Altair / Vega-Lite), with one look and a text description each.

Every chart has a title, axis labels, tooltips and a text description (the ``description``
of the Vega-Lite spec, shown under the chart and read by screen readers). Colours come
from the Okabe–Ito palette, which stays distinguishable with colour-vision deficiencies.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from typing import Any

import altair as alt
import pandas as pd

from ..science import privacy
from .vega_render import MIME

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
WIDTH = 560
# Real numbers in chart data keep this many significant digits: more than a reader can use,
# few enough that last-digit differences between CPUs and BLAS kernels never show.
SIGNIFICANT = 6


def significant(value: float, digits: int = SIGNIFICANT) -> float:
    """``value`` rounded to ``digits`` significant digits (non-finite values unchanged)."""
    return float(f"{value:.{digits}g}") if math.isfinite(value) else value


def rounded(data: Any) -> Any:
    """Chart data with every real number rounded to :data:`SIGNIFICANT` digits, before
    Altair stores it (and names the data set by a hash of it)."""
    if not isinstance(data, pd.DataFrame):
        return data
    out = data.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(significant, na_action="ignore")
    return out


def _data_transformer(data: Any) -> Any:
    return alt.default_data_transformer(rounded(data))


def _renderer(spec: dict[str, Any]) -> dict[str, Any]:
    """Altair renderer: one chart, stored once, drawn by three readers.

    - the book draws ``MIME`` with the site's own vendored Vega-Lite (helpers.chapters.vega_render);
    - JupyterLab (Binder, ``make lab``) draws ``MIME`` with the Vega-Lite 5 it bundles, so
      charts draw offline; every chart of the book compiles under Vega-Lite 5 (a test);
    - Google Colab renders no Vega-Lite mime type, so there (and only there, where the
      network is always present) the bundle also carries Altair's HTML, made at render
      time, which loads Vega from jsDelivr.
    """
    bundle: dict[str, Any] = {MIME: spec, "text/plain": spec.get("description", "chart")}
    if "google.colab" in sys.modules:
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
        bundle["text/html"] = alt.utils.html.spec_to_html(
            spec,
            mode="vega-lite",
            vega_version=alt.VEGA_VERSION,
            vegaembed_version=alt.VEGAEMBED_VERSION,
            vegalite_version=alt.VEGALITE_VERSION,
            output_div=f"altair-viz-{digest}",
            fullhtml=False,
            requirejs=True,
            template="universal",
        )
    return bundle


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "range": {"category": OKABE_ITO},
            "mark": {"color": OKABE_ITO[0]},
            "axis": {"labelFontSize": 12, "titleFontSize": 13},
            "title": {"fontSize": 15, "anchor": "start"},
            "view": {"stroke": None},
        }
    }


def setup() -> None:
    """Use the book's renderer, rounded chart data and theme (call once per notebook)."""
    alt.renderers.register("book", _renderer)
    alt.renderers.enable("book")
    alt.data_transformers.register("book", _data_transformer)
    alt.data_transformers.enable("book")
    alt.theme.register("book", enable=True)(_theme)


def _describe(chart: alt.TopLevelMixin, description: str) -> alt.TopLevelMixin:
    return chart.properties(description=description)


def _private(title: str, description: str, what: str, hidden: list[str]) -> tuple[Any, str]:
    """Title and description of a chart with parts suppressed (private data): the title
    gets a subtitle and the description a sentence saying what is not shown."""
    if not hidden:
        return title, description
    subtitle = f"{what} with fewer than {privacy.MIN_COUNT} respondents are not shown (privacy)"
    return alt.TitleParams(text=title, subtitle=subtitle), description + privacy.sentence(
        what, hidden
    )


def nonresponse_ranges(frame: pd.DataFrame, *, description: str) -> alt.LayerChart:
    """For each percent claim: the range of item non-response its printed percent implies,
    labelled by its measure (first line) and its published figure (second line)."""
    data = frame.assign(label=frame["measure"] + "\n" + frame["reported"])
    tooltip = [
        alt.Tooltip("measure:N", title="claim"),
        alt.Tooltip("reported:N", title="reported"),
        alt.Tooltip("population:N", title="asked of"),
        alt.Tooltip("population_size:Q", title="group size", format=","),
        alt.Tooltip("denominator_lo:Q", title="smallest denominator", format=","),
        alt.Tooltip("denominator_hi:Q", title="largest denominator", format=","),
        alt.Tooltip("nonresponse_lo:Q", title="fewest non-respondents", format=","),
        alt.Tooltip("nonresponse_hi:Q", title="most non-respondents", format=","),
        alt.Tooltip("status:N", title="audit status"),
    ]
    base = alt.Chart(data).encode(
        y=alt.Y(
            "label:N",
            sort=None,
            title=None,
            axis=alt.Axis(labelLimit=470, labelExpr="split(datum.label, '\\n')"),
        ),
        color=alt.Color(
            "status:N",
            title="Audit status",
            scale=alt.Scale(
                domain=["consistent", "consistent given non-response", "anomaly"],
                range=[OKABE_ITO[2], OKABE_ITO[0], OKABE_ITO[5]],
            ),
            legend=alt.Legend(orient="bottom", direction="vertical"),
        ),
        tooltip=tooltip,
    )
    bars = base.mark_bar(height=10).encode(
        x=alt.X("nonresponse_lo:Q", title="Respondents asked who did not answer (implied range)"),
        x2="nonresponse_hi:Q",
    )
    ends = base.mark_tick(thickness=2, size=14).encode(x="nonresponse_lo:Q")
    chart = (bars + ends).properties(
        title="Item non-response implied by each published percentage",
        width=240,
        height=alt.Step(30),
    )
    return _describe(chart, description)


def age_graduation(
    frame: pd.DataFrame, *, title: str, description: str, band: int = 5
) -> alt.Chart:
    """Heat map of respondents by bands of age and of graduation year (counts, not points)."""
    data = frame[["age", "graduation_year"]].dropna().astype(int)
    counts = (
        data.assign(
            age_band=(data["age"] // band) * band,
            year_band=(data["graduation_year"] // band) * band,
        )
        .groupby(["age_band", "year_band"], as_index=False)
        .size()
        .rename(columns={"size": "respondents"})
    )
    small = counts["respondents"].map(privacy.small).astype(bool)
    hidden = [
        f"age {a}+, graduated {y}+" for a, y in counts.loc[small, ["age_band", "year_band"]].values
    ]
    counts = counts[~small]
    title, description = _private(
        "Age and graduation year of the respondents", description, "Cells", hidden
    )
    chart = (
        alt.Chart(counts)
        .mark_rect()
        .encode(
            x=alt.X("age_band:O", title=f"Age ({band}-year bands, lower bound)"),
            y=alt.Y("year_band:O", title=f"Graduation year ({band}-year bands)", sort="descending"),
            color=alt.Color(
                "respondents:Q",
                title="Respondents",
                scale=alt.Scale(scheme="viridis", reverse=True),
            ),
            tooltip=[
                alt.Tooltip("age_band:O", title="age from"),
                alt.Tooltip("year_band:O", title="graduated from"),
                alt.Tooltip("respondents:Q", title="n", format=","),
            ],
        )
        .properties(title=title, width=WIDTH)
    )
    return _describe(chart, description)


SOURCE_COLOURS = {
    "published": OKABE_ITO[0],
    "derived": OKABE_ITO[4],
    "assumed split": OKABE_ITO[1],
    "observed": OKABE_ITO[2],
}


def answer_bars(frame: pd.DataFrame, *, title: str, y_title: str, description: str) -> alt.Chart:
    """Sorted bars of answers (percent of those who answered), coloured by where each count
    comes from; tooltips with n and percent."""
    hidden = list(frame.attrs.get("suppressed", []))
    title, description = _private(title, description, "Answers", hidden)
    sources = [s for s in SOURCE_COLOURS if s in set(frame["source"])]
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("answer:N", sort="-x", title=y_title, axis=alt.Axis(labelLimit=300)),
            x=alt.X(
                "percent:Q", title="Percent of those who answered", scale=alt.Scale(domain=[0, 100])
            ),
            color=alt.Color(
                "source:N",
                title="Count is",
                scale=alt.Scale(domain=sources, range=[SOURCE_COLOURS[s] for s in sources]),
            ),
            tooltip=[
                alt.Tooltip("answer:N", title="answer"),
                alt.Tooltip("n:Q", title="n", format=","),
                alt.Tooltip("percent:Q", title="percent", format=".1f"),
                alt.Tooltip("source:N", title="count is"),
            ],
        )
        .properties(title=title, width=WIDTH - 160)
    )
    return _describe(chart, description)


def reported_vs_replicated(
    frame: pd.DataFrame, *, title: str, y_title: str, description: str
) -> alt.LayerChart:
    """Bars of replicated percentages with the published percentage as a black tick."""
    hidden = list(frame.attrs.get("suppressed", []))
    title, description = _private(title, description, "Figures", hidden)
    tooltip = [
        alt.Tooltip("label:N", title=y_title),
        alt.Tooltip("replicated:Q", title="replicated %", format=".1f"),
        alt.Tooltip("n:Q", title="n", format=","),
        alt.Tooltip("denominator:Q", title="of", format=","),
        alt.Tooltip("reported:Q", title="published %", format=".1f"),
    ]
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", sort="-x", title=y_title, axis=alt.Axis(labelLimit=300)),
        tooltip=tooltip,
    )
    bars = base.mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X(
            "replicated:Q", title="Percent of those who answered", scale=alt.Scale(domain=[0, 100])
        )
    )
    ticks = base.mark_tick(color="black", thickness=3, size=22).encode(x="reported:Q")
    chart = (bars + ticks).properties(title=title, width=WIDTH - 160)
    return _describe(chart, description)


FOREST_TITLE = (
    "Published odds ratios (orange diamonds) and replicated ones with 95% Wald CIs (blue)"
)


def sourced(title: str, source: str) -> alt.TitleParams:
    """A chart title with a subtitle naming the respondents the chart was computed from
    ("synthetic respondents (seed 2017)"): anything built from synthetic respondents says so."""
    return alt.TitleParams(text=title, subtitle=f"Computed from {source}")


def forest(frame: pd.DataFrame, *, description: str, source: str = "") -> alt.LayerChart:
    """Forest plot on a log scale: replicated OR with 95% Wald CI, and the published OR;
    with ``source``, a subtitle names the respondents (:func:`sourced`)."""
    data = frame.dropna(subset=["odds_ratio"])
    order = list(data["term"])
    tooltip = [
        alt.Tooltip("term:N", title="term"),
        alt.Tooltip("published_or:Q", title="published OR", format=".2f"),
        alt.Tooltip("published_p:N", title="published p"),
        alt.Tooltip("odds_ratio:Q", title="replicated OR", format=".2f"),
        alt.Tooltip("ci_low:Q", title="95% CI from", format=".2f"),
        alt.Tooltip("ci_high:Q", title="95% CI to", format=".2f"),
        alt.Tooltip("p_value:Q", title="replicated p", format=".2g"),
    ]
    scale = alt.Scale(type="log", domain=[0.1, 20])
    base = alt.Chart(data).encode(
        y=alt.Y("term:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        tooltip=tooltip,
    )
    ci = base.mark_rule(strokeWidth=2, color=OKABE_ITO[0]).encode(
        x=alt.X("ci_low:Q", scale=scale, title="Odds ratio (log scale)"), x2="ci_high:Q"
    )
    replicated = base.mark_point(filled=True, size=70, color=OKABE_ITO[0], shape="circle").encode(
        x="odds_ratio:Q"
    )
    published = base.mark_point(
        size=110, color=OKABE_ITO[5], shape="diamond", strokeWidth=2
    ).encode(x="published_or:Q")
    one = (
        alt.Chart(pd.DataFrame({"x": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(x=alt.X("x:Q", scale=scale))
    )
    chart = (one + ci + replicated + published).properties(
        title=sourced(FOREST_TITLE, source) if source else FOREST_TITLE,
        width=WIDTH - 120,
    )
    return _describe(chart, description)


def probabilities(
    frame: pd.DataFrame, *, variable: str, title: str, y_title: str, description: str
) -> alt.Chart:
    """Average predicted probability of the outcome per level of one covariate."""
    small = frame["observed_n"].map(privacy.small).astype(bool)
    hidden = [str(v) for v in frame.loc[small, "label"]]
    frame = frame[~small]
    title, description = _private(title, description, "Levels", hidden)
    chart = (
        alt.Chart(frame)
        .mark_bar(color=OKABE_ITO[2])
        .encode(
            y=alt.Y("label:N", sort="-x", title=y_title),
            x=alt.X(
                "probability:Q",
                title="Average predicted probability",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=y_title),
                alt.Tooltip("probability:Q", title="probability", format=".1%"),
                alt.Tooltip(
                    "difference_vs_reference:Q", title="difference vs reference", format="+.1%"
                ),
                alt.Tooltip(
                    "risk_ratio_vs_reference:Q", title="risk ratio vs reference", format=".2f"
                ),
                alt.Tooltip("odds_ratio:Q", title="odds ratio vs reference", format=".2f"),
                alt.Tooltip("observed_n:Q", title="n in model", format=","),
            ],
        )
        .properties(title=title, width=WIDTH - 160)
    )
    return _describe(chart, description)


def sampling_distributions(frame: pd.DataFrame, *, description: str) -> alt.LayerChart:
    """Histograms (pre-binned) of replicated odds ratios per term, with the truth marked."""
    base = alt.Chart(frame)
    bars = base.mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X(
            "bin_start:Q", title="Estimated odds ratio", bin="binned", scale=alt.Scale(zero=False)
        ),
        x2="bin_end:Q",
        y=alt.Y("replications:Q", title="Replications"),
        tooltip=[
            alt.Tooltip("label:N", title="term"),
            alt.Tooltip("bin_start:Q", title="OR from", format=".3f"),
            alt.Tooltip("bin_end:Q", title="OR to", format=".3f"),
            alt.Tooltip("replications:Q", title="replications", format=","),
        ],
    )
    truth = base.mark_rule(color=OKABE_ITO[5], strokeWidth=2).encode(
        x="true_or:Q", tooltip=[alt.Tooltip("true_or:Q", title="published (true) OR")]
    )
    chart = (
        alt.layer(bars, truth, data=frame)
        .properties(width=230, height=100)
        .facet(facet=alt.Facet("label:N", title=None, header=alt.Header(labelLimit=240)), columns=2)
        .resolve_scale(x="independent", y="independent")
        .properties(title="Sampling distribution of each odds ratio (true value in orange)")
    )
    return _describe(chart, description)


def rates_with_error(
    frame: pd.DataFrame,
    *,
    value: str,
    error: str,
    title: str,
    x_title: str,
    description: str,
    reference: float | None = None,
    domain: tuple[float, float] = (0.0, 1.0),
) -> alt.LayerChart:
    """Points per term with ±2 Monte Carlo standard errors, on a percentage axis."""
    data = frame.assign(lo=frame[value] - 2 * frame[error], hi=frame[value] + 2 * frame[error])
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=[
            alt.Tooltip("label:N", title="term"),
            alt.Tooltip(f"{value}:Q", format=".1%"),
            alt.Tooltip(f"{error}:Q", title="Monte Carlo SE", format=".1%"),
        ],
    )
    scale = alt.Scale(domain=list(domain), clamp=True)
    axis = alt.Axis(format="%")
    layers = [
        base.mark_rule(color=OKABE_ITO[0]).encode(
            x=alt.X("lo:Q", title=x_title, scale=scale, axis=axis), x2="hi:Q"
        ),
        base.mark_point(filled=True, size=50, color=OKABE_ITO[0]).encode(
            x=alt.X(f"{value}:Q", title=x_title, scale=scale, axis=axis)
        ),
    ]
    if reference is not None:
        layers.insert(
            0,
            alt.Chart(pd.DataFrame({"x": [reference]}))
            .mark_rule(strokeDash=[4, 4], color="gray")
            .encode(x="x:Q"),
        )
    chart = alt.layer(*layers).properties(title=title, width=WIDTH - 160)
    return _describe(chart, description)


def power_grid(
    frame: pd.DataFrame, *, title: str, description: str, value: str = "p_below"
) -> alt.LayerChart:
    """Heat map of a probability (terms × scenarios) with the value written in each cell."""
    scenarios = list(dict.fromkeys(frame["scenario"]))
    base = alt.Chart(frame).encode(
        x=alt.X(
            "scenario:N", sort=scenarios, title=None, axis=alt.Axis(labelAngle=-35, labelLimit=220)
        ),
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=[
            alt.Tooltip("label:N", title="term"),
            alt.Tooltip("scenario:N"),
            alt.Tooltip(f"{value}:Q", title="probability", format=".1%"),
            alt.Tooltip(f"{value}_mcse:Q", title="Monte Carlo SE", format=".1%"),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q", title="Probability", scale=alt.Scale(scheme="viridis", domain=[0, 1])
        )
    )
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text(f"{value}:Q", format=".0%"),
        color=alt.condition(f"datum.{value} > 0.6", alt.value("black"), alt.value("white")),
    )
    chart = (cells + labels).properties(title=title, width=60 * len(scenarios))
    return _describe(chart, description)


def brackets(frame: pd.DataFrame, *, title: str, description: str, z_max: float) -> alt.LayerChart:
    """Per term: its published bracket as a band on the z scale (|log OR| / SE), and the
    expected z of each design (one point shape and colour per design).

    ``frame`` has ``label``, ``z_low``, ``z_high`` (the bracket; an open upper end given
    as ``z_max``), ``design``, ``z`` and ``expected_p``.
    """
    designs = list(dict.fromkeys(frame["design"]))
    order = list(dict.fromkeys(frame["label"]))
    scale = alt.Scale(domain=[0, z_max], clamp=True)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    band = (
        alt.Chart(frame.drop_duplicates("label"))
        .mark_bar(color="#BBBBBB", height=14)
        .encode(
            y=y,
            x=alt.X("z_low:Q", scale=scale, title="Expected z (|log odds ratio| / standard error)"),
            x2="z_high:Q",
            tooltip=[
                alt.Tooltip("label:N", title="term"),
                alt.Tooltip("bracket:N", title="published bracket"),
            ],
        )
    )
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=90)
        .encode(
            y=y,
            x=alt.X("z:Q", scale=scale),
            color=alt.Color(
                "design:N",
                title="Design",
                scale=alt.Scale(domain=designs, range=[OKABE_ITO[5], OKABE_ITO[0], OKABE_ITO[2]]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            shape=alt.Shape(
                "design:N",
                scale=alt.Scale(domain=designs, range=["diamond", "circle", "square"]),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="term"),
                alt.Tooltip("design:N"),
                alt.Tooltip("z:Q", title="expected z", format=".2f"),
                alt.Tooltip("expected_p:Q", title="expected p", format=".2g"),
                alt.Tooltip("bracket:N", title="published bracket"),
            ],
        )
    )
    chart = (band + points).properties(title=title, width=WIDTH - 200)
    return _describe(chart, description)


def probability_dots(
    frame: pd.DataFrame, *, title: str, x_title: str, description: str
) -> alt.LayerChart:
    """Per term, one dot per measure (colour and shape) with ±2 Monte Carlo standard
    errors. ``frame`` is long: ``label``, ``measure``, ``value``, ``mcse``."""
    data = frame.assign(
        lo=frame["value"] - 2 * frame["mcse"], hi=frame["value"] + 2 * frame["mcse"]
    )
    measures = list(dict.fromkeys(data["measure"]))
    order = list(dict.fromkeys(data["label"]))
    scale = alt.Scale(domain=[0, 1], clamp=True)
    axis = alt.Axis(format="%")
    colour = alt.Color(
        "measure:N",
        title=None,
        scale=alt.Scale(domain=measures, range=[OKABE_ITO[0], OKABE_ITO[5], OKABE_ITO[2]]),
        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400),
    )
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        yOffset=alt.YOffset("measure:N", sort=measures),
        color=colour,
        tooltip=[
            alt.Tooltip("label:N", title="term"),
            alt.Tooltip("measure:N"),
            alt.Tooltip("value:Q", title="probability", format=".1%"),
            alt.Tooltip("mcse:Q", title="Monte Carlo SE", format=".1%"),
        ],
    )
    rules = base.mark_rule().encode(
        x=alt.X("lo:Q", scale=scale, axis=axis, title=x_title), x2="hi:Q"
    )
    dots = base.mark_point(filled=True, size=60).encode(
        x=alt.X("value:Q", scale=scale, axis=axis, title=x_title),
        shape=alt.Shape(
            "measure:N", scale=alt.Scale(domain=measures, range=["circle", "diamond", "square"])
        ),
    )
    chart = (rules + dots).properties(title=title, width=WIDTH - 200)
    return _describe(chart, description)


def specification_curve(
    estimates: pd.DataFrame,
    choices: pd.DataFrame,
    *,
    default: str,
    title: str,
    description: str,
) -> alt.VConcatChart:
    """A specification curve with a term selector: for the chosen term, every
    specification's odds ratio with its 95% CI, sorted (``rank``), the published value as
    an orange line; below, a dot for each choice each specification made.

    ``estimates``: ``label, rank, odds_ratio, ci_low, ci_high, p_value, claim,
    published_or, specification``; ``choices``: ``label, rank, choice``.
    """
    terms = list(dict.fromkeys(estimates["label"]))
    pick = alt.param(
        name="term",
        value=default,
        bind=alt.binding_select(options=terms, name="Term shown: "),
    )
    chosen = alt.datum.label == pick
    rank = alt.X(
        "rank:Q",
        title="Specifications, sorted by odds ratio",
        axis=alt.Axis(tickMinStep=1),
        scale=alt.Scale(zero=False, nice=False, padding=8),
    )
    scale = alt.Scale(type="log", zero=False, nice=False, padding=8)
    base = alt.Chart(estimates).transform_filter(chosen)
    tooltip = [
        alt.Tooltip("label:N", title="term"),
        alt.Tooltip("specification:N"),
        alt.Tooltip("odds_ratio:Q", title="OR", format=".2f"),
        alt.Tooltip("ci_low:Q", title="95% CI from", format=".2f"),
        alt.Tooltip("ci_high:Q", title="95% CI to", format=".2f"),
        alt.Tooltip("p_value:Q", title="p", format=".2g"),
        alt.Tooltip("claim:N", title="published claim"),
    ]
    claim = alt.Color(
        "claim:N",
        title="Published significance claim",
        scale=alt.Scale(
            domain=["reproduced", "not reproduced"], range=[OKABE_ITO[0], OKABE_ITO[5]]
        ),
        legend=alt.Legend(orient="top"),
    )
    intervals = base.mark_rule(strokeWidth=1.5).encode(
        x=rank,
        y=alt.Y("ci_low:Q", scale=scale, title="Odds ratio (log scale)"),
        y2="ci_high:Q",
        color=claim,
        tooltip=tooltip,
    )
    points = base.mark_point(filled=True, size=40).encode(
        x=rank,
        y="odds_ratio:Q",
        color=claim,
        shape=alt.Shape("claim:N", legend=None),
        tooltip=tooltip,
    )
    published = base.mark_rule(color=OKABE_ITO[1], strokeWidth=2, strokeDash=[6, 3]).encode(
        y="published_or:Q",
        tooltip=[alt.Tooltip("published_or:Q", title="published OR", format=".2f")],
    )
    curve = (intervals + points + published).properties(width=WIDTH - 120, height=220)
    panel = (
        alt.Chart(choices)
        .transform_filter(chosen)
        .mark_square(size=40, color="black")
        .encode(
            x=rank,
            y=alt.Y(
                "choice:N",
                title=None,
                sort=list(dict.fromkeys(choices["choice"])),
                axis=alt.Axis(labelLimit=340),
            ),
            tooltip=[alt.Tooltip("rank:Q", title="specification"), alt.Tooltip("choice:N")],
        )
        .properties(width=WIDTH - 120)
    )
    chart = alt.vconcat(curve, panel, spacing=6).add_params(pick).properties(title=title)
    return _describe(chart, description)


def calibration(frame: pd.DataFrame, *, title: str, description: str) -> alt.LayerChart:
    """Observed share against mean predicted probability per group of the prediction, with
    the observed share's 95% interval and the line of perfect calibration."""
    axis = alt.Axis(format="%")
    unit = alt.Scale(domain=[0, 1])
    tooltip = [
        alt.Tooltip("group:O", title="decile of prediction"),
        alt.Tooltip("n:Q", title="respondents", format=","),
        alt.Tooltip("predicted:Q", title="mean predicted", format=".1%"),
        alt.Tooltip("observed:Q", title="observed", format=".1%"),
        alt.Tooltip("observed_low:Q", title="95% CI from", format=".1%"),
        alt.Tooltip("observed_high:Q", title="95% CI to", format=".1%"),
    ]
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:Q", title="Mean predicted probability", scale=unit, axis=axis),
        tooltip=tooltip,
    )
    line = (
        alt.Chart(pd.DataFrame({"x": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x=alt.X("x:Q", scale=unit), y=alt.Y("x:Q", scale=unit))
    )
    bars = base.mark_rule(color=OKABE_ITO[0]).encode(
        y=alt.Y("observed_low:Q", title="Observed share", scale=unit, axis=axis),
        y2="observed_high:Q",
    )
    dots = base.mark_point(filled=True, size=60, color=OKABE_ITO[0]).encode(y="observed:Q")
    chart = (line + bars + dots).properties(title=title, width=320, height=320)
    return _describe(chart, description)


def functional_form(frame: pd.DataFrame, *, title: str, description: str) -> alt.FacetChart:
    """Per continuous covariate: its spline curve on the log-odds scale (with its 95% band
    drawn as two dotted lines, which keep their contrast in either colour mode) against the
    straight line of the linear term (orange, dashed), both relative to the median."""
    tooltip = [
        alt.Tooltip("label:N", title="covariate"),
        alt.Tooltip("value:Q", title="value", format=".0f"),
        alt.Tooltip("spline:Q", title="spline, log odds", format=".2f"),
        alt.Tooltip("linear:Q", title="linear term, log odds", format=".2f"),
    ]
    x = alt.X(
        "value:Q",
        title="Value (5th to 95th percentile)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(format="d"),
    )
    base = alt.Chart().encode(x=x, tooltip=tooltip)
    band = base.mark_line(color=OKABE_ITO[0], strokeDash=[2, 3], strokeWidth=1.5)
    layers = alt.layer(
        band.encode(y=alt.Y("low:Q", title="Log odds against the median")),
        band.encode(y="high:Q"),
        base.mark_line(color=OKABE_ITO[0], strokeWidth=2).encode(y="spline:Q"),
        base.mark_line(color=OKABE_ITO[1], strokeDash=[6, 3], strokeWidth=2).encode(y="linear:Q"),
        data=frame,
    )
    chart = (
        layers.properties(width=230, height=200)
        .facet(column=alt.Column("label:N", title=None))
        .resolve_scale(x="independent")
        .properties(title=title)
    )
    return _describe(chart, description)
