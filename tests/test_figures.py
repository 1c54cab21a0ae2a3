"""Charts: one spec stored once, drawn by the book, by JupyterLab offline, and by Colab."""

from __future__ import annotations

import sys

import altair as alt
import pandas as pd
import pytest
import vl_convert

from helpers.chapters import figures
from helpers.chapters.vega_render import MIME
from helpers.science import audit
from support import committed_outputs

# the Vega-Lite JupyterLab 4 bundles is 5.6; vl-convert's oldest is 5.8
JUPYTERLAB_VEGALITE = "5.8"


def _committed_charts() -> list[tuple[str, dict]]:
    return [(stem, out["data"]) for stem, out in committed_outputs() if MIME in out.get("data", {})]


def _chart() -> alt.Chart:
    frame = pd.DataFrame({"answer": ["yes", "no"], "n": [3, 1]})
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(x="n:Q", y="answer:N")
        .properties(title="A chart", description="Two bars.")
    )


def test_bundle_draws_offline_in_jupyterlab_and_the_book() -> None:
    figures.setup()
    bundle = _chart()._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert set(data) == {MIME, "text/plain"}  # the chart once, and its description
    assert data["text/plain"] == "Two bars."
    assert "text/html" not in data  # Altair's HTML would fetch Vega from jsDelivr


def test_bundle_carries_html_in_colab(monkeypatch: pytest.MonkeyPatch) -> None:
    figures.setup()
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    bundle = _chart()._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "vega-embed" in data["text/html"]


def test_committed_charts_are_stored_once() -> None:
    charts = _committed_charts()
    assert len(charts) >= 10
    for name, data in charts:
        vega = [mime for mime in data if "vegalite" in mime or "vega." in mime]
        assert vega == [MIME], name
        assert "text/html" not in data, name


def test_chart_data_are_rounded_before_they_are_stored() -> None:
    figures.setup()
    frame = pd.DataFrame({"term": ["a", "b"], "p": [0.6634344074919841, 1 / 3]})
    spec = alt.Chart(frame).mark_point().encode(x="p:Q", y="term:N").to_dict()
    values = next(iter(spec["datasets"].values()))
    assert [v["p"] for v in values] == [0.663434, 0.333333]
    # a last-digit difference between machines gives the same stored chart
    nudged = frame.assign(p=frame["p"] * (1 + 1e-12))
    again = alt.Chart(nudged).mark_point().encode(x="p:Q", y="term:N").to_dict()
    assert again == spec


def test_committed_chart_data_hold_no_long_decimals() -> None:
    for name, data in _committed_charts():
        for values in data[MIME].get("datasets", {}).values():
            for row in values:
                for value in row.values():
                    if isinstance(value, float):
                        assert value == figures.significant(value), (name, value)


@pytest.mark.parametrize("index", range(len(_committed_charts())))
def test_every_chart_compiles_under_jupyterlab_vegalite(index: int) -> None:
    name, data = _committed_charts()[index]
    vega = vl_convert.vegalite_to_vega(data[MIME], vl_version=JUPYTERLAB_VEGALITE)
    assert vega["marks"], name


def test_nonresponse_chart_labels_claims_by_measure_not_id() -> None:
    findings = audit.audit_table()
    findings = findings[findings["denominator_lo"].notna()]
    spec = figures.nonresponse_ranges(findings, description="test").to_dict()
    labels = [row["label"] for row in next(iter(spec["datasets"].values()))]
    assert labels[0] == f"{findings['measure'].iloc[0]}\n{findings['reported'].iloc[0]}"
    assert not any(claim_id in label for label in labels for claim_id in findings["id"])
