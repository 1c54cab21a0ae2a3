"""Chart colours for the light and the dark page, and the chart HTML that carries them."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import pytest

from helpers import store
from helpers.chapters import chart_theme
from helpers.chapters.figures import OKABE_ITO
from helpers.chapters.vega_render import MIME, chart_html, chart_id, static_chart_html
from support import committed_outputs


def _charts() -> list[dict]:
    return [out["data"][MIME] for _, out in committed_outputs() if MIME in out.get("data", {})]


def _hue(colour: str) -> float:
    red, green, blue = (v / 255 for v in chart_theme.rgb(colour) or (0, 0, 0))
    return colorsys.rgb_to_hls(red, green, blue)[0]


def test_contrast_ratios() -> None:
    assert chart_theme.contrast("black", "#fff") == pytest.approx(21)
    assert chart_theme.contrast("#0072B2", "#0072b2") == pytest.approx(1)
    assert chart_theme.contrast("rgb(255, 255, 255)", "white") == pytest.approx(1)
    # Okabe-Ito orange on white falls short of 3:1, which is why the book adapts it
    assert chart_theme.contrast("#E69F00", "#ffffff") < chart_theme.GRAPHIC
    with pytest.raises(ValueError, match="not a colour"):
        chart_theme.contrast("published", "#fff")


@pytest.mark.parametrize("mode", list(chart_theme.BACKGROUNDS))
def test_every_palette_colour_gets_its_contrast_and_keeps_its_hue(mode: str) -> None:
    background = chart_theme.BACKGROUNDS[mode]
    for colour in OKABE_ITO:
        for minimum in (chart_theme.GRAPHIC, chart_theme.TEXT):
            fixed = chart_theme.with_contrast(colour, background, minimum)
            assert chart_theme.contrast(fixed, background) >= minimum, (colour, fixed)
            if fixed != colour and colour not in ("#000000",):
                assert abs(_hue(fixed) - _hue(colour)) < 0.02, (colour, fixed)
        if chart_theme.contrast(colour, background) >= chart_theme.GRAPHIC:
            assert chart_theme.with_contrast(colour, background, chart_theme.GRAPHIC) == colour


@pytest.mark.parametrize("mode", list(chart_theme.BACKGROUNDS))
def test_scheme_keeps_the_part_that_stands_out(mode: str) -> None:
    background = chart_theme.BACKGROUNDS[mode]
    lo, hi = chart_theme.scheme_extent("viridis", (0.0, 1.0), background) or (0.0, 1.0)
    colours = chart_theme.scheme_colours("viridis")
    kept = [c for i, c in enumerate(colours) if lo <= i / (len(colours) - 1) <= hi]
    assert 0.4 < hi - lo < 1.0  # a real part of the scheme, not all of it
    assert all(chart_theme.contrast(c, background) >= chart_theme.GRAPHIC for c in kept)


def test_stored_scheme_colours_are_the_ones_vega_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheme is drawn once and kept in the results store; what a later process reads
    from there is what vl-convert draws (checked in a store of this test's own)."""
    monkeypatch.setattr(store, "build_dir", lambda: tmp_path)
    chart_theme.scheme_colours.cache_clear()
    try:
        drawn = chart_theme.scheme_colours("viridis", 11)
        assert len(list((tmp_path / "store").glob("scheme-colours-*.pkl"))) == 1
        chart_theme.scheme_colours.cache_clear()
        assert chart_theme.scheme_colours("viridis", 11) == drawn
        assert drawn[0] == "rgb(68, 1, 84)"  # viridis starts dark purple, as in Vega
    finally:
        chart_theme.scheme_colours.cache_clear()


@pytest.mark.parametrize("mode", list(chart_theme.BACKGROUNDS))
def test_themed_charts_need_no_further_change(mode: str) -> None:
    """Every chart of the book, once its mode's patches are applied, has nothing left to fix."""
    charts = _charts()
    assert charts
    for spec in charts:
        themed = chart_theme.themed(spec, mode)
        assert themed["config"]["mark"]["opacity"] == 1
        assert chart_theme.patches(themed)[mode] == [], spec.get("title")


def test_labels_on_cells_pick_the_colour_that_stands_out() -> None:
    spec = {
        "layer": [
            {"mark": "rect", "encoding": {"color": {"field": "p", "type": "quantitative"}}},
            {
                "mark": "text",
                "encoding": {
                    "color": {
                        "condition": {"test": "datum.p > 0.6", "value": "black"},
                        "value": "white",
                    }
                },
            },
        ]
    }
    patched = chart_theme.themed(spec, "dark")["layer"][1]["encoding"]["color"]
    assert patched["condition"]["test"] == (
        "contrast('black', scale('color', datum['p'])) >= "
        "contrast('white', scale('color', datum['p']))"
    )
    assert patched["value"] == "white" and patched["condition"]["value"] == "black"


def test_chart_html_is_one_described_image_without_a_menu() -> None:
    spec = _charts()[0]
    page = chart_html(spec)
    div = chart_id(spec)
    assert f'id="{div}" role="img"' in page
    assert f'aria-describedby="{div}-description"' in page
    assert f'<p id="{div}-description">' in page
    assert '"actions"' not in page and "vegaEmbed(" not in page
    assert re.search(rf'drawBookChart\("{div}", \{{.*\}}, \{{"light": \[', page)


def test_print_chart_is_a_figure_with_its_description_as_alternative_text() -> None:
    spec = _charts()[0]
    printed = static_chart_html(spec)
    assert printed.startswith('<figure class="vega-static"><svg role="img" aria-label="')
    assert 'figcaption class="chart-description"' in printed
