"""Render Vega-Lite chart outputs in the built book with the site's own chart libraries.

Registered as a MyST-NB mime renderer (entry point ``myst_nb.mime_renderers``): a chart
stored in a notebook as ``application/vnd.vegalite.v5+json`` (the one mime type JupyterLab
draws too; charts are stored once) becomes a ``<div>`` that
``vegaEmbed`` (served from the site's ``_static/vendor``) draws, followed by the chart's
text description. Nothing is loaded from another server. For print (the PDF), charts are
drawn at build time as inline SVG with vl-convert instead. Colours for each colour mode
come from helpers.chapters.chart_theme.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from typing import Any, ClassVar

from docutils import nodes

from . import chart_theme

MIME = "application/vnd.vegalite.v5+json"
STATIC_ENV = "SWICT_STATIC_CHARTS"


def chart_id(spec: dict[str, Any]) -> str:
    """A stable element id for a chart: the same spec always gets the same id."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    return f"vega-chart-{digest[:12]}"


def chart_title(spec: dict[str, Any]) -> str:
    """The chart's title as one line of text ('' when it has none)."""
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(str(line) for line in title)
    return str(title)


def static_chart_html(spec: dict[str, Any]) -> str:
    """The chart drawn at build time as inline SVG (vl-convert), for print and PDF: in the
    light colours, one image (the ``<svg>`` itself, which Chromium tags as a PDF figure)
    whose alternative text is the chart's description, shown below it too."""
    import vl_convert

    description = html.escape(str(spec.get("description", "")) or chart_title(spec))
    svg = vl_convert.vegalite_to_svg(chart_theme.themed(spec, "light"))
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{description}" ', 1)
    return (
        f'<figure class="vega-static">{svg}'
        f'<figcaption class="chart-description">{description}</figcaption></figure>'
    )


def _script_json(value: Any, **options: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, **options).replace("</", "<\\/")


def chart_html(spec: dict[str, Any]) -> str:
    """The HTML that draws one chart with the site's vegaEmbed (``_static/book-charts.js``).

    The chart is one image named by its title and described by its text description (a
    ``<details>`` element after it, linked by ``aria-describedby``), in a frame that scrolls
    sideways when the chart is wider than the page; its colours for the light and the dark
    page come with it (helpers.chapters.chart_theme). A chart with controls (parameters bound to
    inputs: the explorables of helpers.chapters.explore) gets them in a group of their own before
    it, outside the image, where a keyboard and a screen reader reach them.
    """
    div = chart_id(spec)
    title = chart_title(spec) or "Chart"
    description = str(spec.get("description", ""))
    described = f' aria-describedby="{div}-description"' if description else ""
    text = (
        f'<details class="chart-description"><summary>Text description</summary>'
        f'<p id="{div}-description">{html.escape(description)}</p></details>'
        if description
        else ""
    )
    controls = (
        f'<div class="vega-chart-controls" id="{div}-controls" role="group" '
        f'aria-label="Controls of the chart {html.escape(title)}"></div>'
        if any("bind" in p for p in spec.get("params", []))
        else ""
    )
    return (
        f'{controls}<div class="vega-chart-frame"><div class="vega-chart" id="{div}" role="img" '
        f'aria-label="{html.escape(title)}"{described}></div></div>{text}\n'
        f'<script type="text/javascript">drawBookChart("{div}", '
        f"{_script_json(spec, sort_keys=True)}, {_script_json(chart_theme.patches(spec))});"
        "</script>"
    )


class VegaLiteRenderer:
    """MyST-NB plugin: Vega-Lite outputs become charts the site draws (HTML builds) or inline
    SVG (the single-page build for print)."""

    mime_priority_overrides: ClassVar[list[tuple[str, str, int | None]]] = [
        ("html", MIME, 5),
        ("dirhtml", MIME, 5),
        ("singlehtml", MIME, 5),
    ]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if inline or data.mime_type != MIME:
            return None
        spec = data.content if isinstance(data.content, dict) else json.loads(data.content)
        draw = static_chart_html if os.environ.get(STATIC_ENV) else chart_html
        return [nodes.raw("", draw(spec), format="html", classes=["output", "vega-lite"])]
