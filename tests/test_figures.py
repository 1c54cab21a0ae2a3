"""Charts: one spec, drawn by the book, by JupyterLab offline, and by Colab."""

from __future__ import annotations

import sys

import altair as alt
import pandas as pd
import pytest
import vl_convert

from conftest import committed_outputs
from helpers import figures
from helpers.vega_render import MIME

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
    assert data[MIME] == data[figures.JUPYTERLAB_MIME]
    assert data["text/plain"] == "Two bars."
    assert "text/html" not in data  # Altair's HTML would fetch Vega from jsDelivr


def test_bundle_carries_html_in_colab(monkeypatch: pytest.MonkeyPatch) -> None:
    figures.setup()
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    bundle = _chart()._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "vega-embed" in data["text/html"]


def test_committed_charts_carry_both_specs() -> None:
    charts = _committed_charts()
    assert len(charts) >= 10
    for name, data in charts:
        assert data[MIME] == data[figures.JUPYTERLAB_MIME], name
        assert "text/html" not in data, name


@pytest.mark.parametrize("index", range(len(_committed_charts())))
def test_every_chart_compiles_under_jupyterlab_vegalite(index: int) -> None:
    name, data = _committed_charts()[index]
    vega = vl_convert.vegalite_to_vega(
        data[figures.JUPYTERLAB_MIME], vl_version=JUPYTERLAB_VEGALITE
    )
    assert vega["marks"], name
