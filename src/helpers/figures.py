"""Charts for the book (Altair / Vega-Lite), with one look and a text description each.

Every chart has a title, axis labels, tooltips and a text description (the ``description``
of the Vega-Lite spec, shown under the chart and read by screen readers). Colours come
from the Okabe–Ito palette, which stays distinguishable with colour-vision deficiencies.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import altair as alt
import pandas as pd

from .vega_render import MIME

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
WIDTH = 560


def _renderer(spec: dict[str, Any]) -> dict[str, Any]:
    """Altair renderer: the Vega-Lite spec for the book, HTML for JupyterLab and Colab."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    live = alt.utils.html.spec_to_html(
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
    return {MIME: spec, "text/html": live, "text/plain": spec.get("description", "chart")}


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
    """Use the book's renderer and theme (call once at the top of a notebook)."""
    alt.renderers.register("book", _renderer)
    alt.renderers.enable("book")
    alt.theme.register("book", enable=True)(_theme)


def _describe(chart: alt.TopLevelMixin, description: str) -> alt.TopLevelMixin:
    return chart.properties(description=description)


def bar_percent(
    frame: pd.DataFrame,
    *,
    category: str,
    percent: str,
    count: str,
    title: str,
    x_title: str,
    y_title: str,
    description: str,
    color: str | None = None,
) -> alt.Chart:
    """Horizontal bars of percentages, sorted, with n and percent in the tooltip."""
    enc_color = (
        alt.Color(f"{color}:N", title=color.replace("_", " ")) if color else alt.value(OKABE_ITO[0])
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=y_title),
            x=alt.X(f"{percent}:Q", title=x_title, scale=alt.Scale(domain=[0, 100])),
            color=enc_color,
            tooltip=[
                alt.Tooltip(f"{category}:N", title=y_title),
                alt.Tooltip(f"{percent}:Q", title="percent", format=".1f"),
                alt.Tooltip(f"{count}:Q", title="n", format=","),
            ],
        )
        .properties(title=title, width=WIDTH)
    )
    return _describe(chart, description)


def nonresponse_ranges(frame: pd.DataFrame, *, description: str) -> alt.LayerChart:
    """For each percent claim: the range of item non-response its printed percent implies."""
    data = frame.assign(label=frame["id"] + ": " + frame["reported"])
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
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
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
        title="Item non-response implied by each published percentage", width=320
    )
    return _describe(chart, description)


def age_graduation(frame: pd.DataFrame, *, description: str, band: int = 5) -> alt.Chart:
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
        .properties(title="Age and graduation year of the respondents", width=WIDTH)
    )
    return _describe(chart, description)
