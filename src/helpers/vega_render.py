"""Render Vega-Lite chart outputs in the built book with the site's own chart libraries.

Registered as a MyST-NB mime renderer (entry point ``myst_nb.mime_renderers``): a chart
stored in a notebook as ``application/vnd.vegalite.v5+json`` (the one mime type JupyterLab
draws too; charts are stored once) becomes a ``<div>`` that
``vegaEmbed`` (served from the site's ``_static/vendor``) draws, followed by the chart's
text description. Nothing is loaded from another server. For print (the PDF), charts are
drawn at build time as inline SVG with vl-convert instead.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from typing import Any, ClassVar

from docutils import nodes

MIME = "application/vnd.vegalite.v5+json"
STATIC_ENV = "SWICT_STATIC_CHARTS"


def chart_id(spec: dict[str, Any]) -> str:
    """A stable element id for a chart: the same spec always gets the same id."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    return f"vega-chart-{digest[:12]}"


def static_chart_html(spec: dict[str, Any]) -> str:
    """The chart drawn at build time as inline SVG (vl-convert), for print and PDF."""
    import vl_convert

    description = str(spec.get("description", ""))
    svg = vl_convert.vegalite_to_svg(spec)
    return (
        f'<figure class="vega-static" role="img" aria-label="{html.escape(description)}">{svg}'
        f'<figcaption class="chart-description">{html.escape(description)}</figcaption></figure>'
    )


def chart_html(spec: dict[str, Any]) -> str:
    """The HTML that draws one chart with the site's vegaEmbed."""
    div = chart_id(spec)
    description = str(spec.get("description", ""))
    payload = json.dumps(spec, sort_keys=True).replace("</", "<\\/")
    text = (
        f'<details class="chart-description"><summary>Text description</summary>'
        f"<p>{html.escape(description)}</p></details>"
        if description
        else ""
    )
    return (
        f'<div class="vega-chart" id="{div}" role="img" aria-label="{html.escape(description)}">'
        f"</div>{text}\n"
        f'<script type="text/javascript">(function() {{\n'
        f"  var spec = {payload};\n"
        f'  vegaEmbed("#{div}", spec, {{"actions": {{"export": true, "source": false, '
        f'"compiled": false, "editor": false}}}}).then(function (result) {{\n'
        f"    (window.bookCharts = window.bookCharts || []).push(result.view);\n"
        f"  }}).catch(function (err) {{\n"
        f'    document.getElementById("{div}").textContent = "Chart failed to render: " + err;\n'
        f"    console.error(err);\n  }});\n}})();</script>"
    )


class VegaLiteRenderer:
    """MyST-NB plugin: Vega-Lite outputs become vegaEmbed calls in HTML builds."""

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
