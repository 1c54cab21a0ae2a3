"""Chart colours for each colour mode of the book, with the contrast WCAG 2.1 AA asks for.

Charts are made once (helpers.chapters.figures: Okabe–Ito colours) and shown on a light page, on a
dark page, and printed on white. For each colour mode this module works out which colours
of a chart to change so that every mark keeps at least 3:1 contrast with the page (WCAG
1.4.11, non-text contrast) and every text mark 4.5:1 (1.4.3, contrast): the same hue, made
darker on a light page and lighter on a dark one, only where a colour falls short. A colour
scheme (``viridis``) keeps its name and loses the end that fades into the page (its
``extent``). Text labels drawn on cells coloured by a scheme pick, cell by cell, whichever
of their two colours stands out more against the cell.

The changes are a list of patches per mode (a path into the spec and the new value): the
book's page applies the patches of its current mode when it draws a chart
(``_static/book-charts.js``), and the print version applies the light ones.
"""

from __future__ import annotations

import colorsys
import functools
import re
from typing import Any

import webcolors

from .. import store

BACKGROUNDS = {"light": "#ffffff", "dark": "#121212"}
"""The page background of each colour mode (--pst-color-background, as sphinx-book-theme
sets it; a browser test checks the page really has it)."""
GRAPHIC = 3.0
TEXT = 4.5
COLOUR_CHANNELS = ("color", "fill", "stroke")
MARK_CONFIGS = (
    "mark",
    "arc",
    "area",
    "bar",
    "circle",
    "geoshape",
    "image",
    "line",
    "point",
    "rect",
    "rule",
    "square",
    "text",
    "tick",
    "trail",
)
SAMPLES = 101
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_RGB = re.compile(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)")

Path = list[str | int]
Patch = tuple[Path, Any]


def rgb(colour: str) -> tuple[int, int, int] | None:
    """The red, green and blue of a CSS colour (hex, ``rgb()``, a name); None otherwise."""
    text = colour.strip()
    if _HEX.fullmatch(text):
        triplet = webcolors.hex_to_rgb(text)
        return (triplet.red, triplet.green, triplet.blue)
    if match := _RGB.match(text):
        red, green, blue = (int(part) for part in match.groups())
        return (red, green, blue)
    try:
        triplet = webcolors.name_to_rgb(text)
    except ValueError:
        return None
    return (triplet.red, triplet.green, triplet.blue)


def luminance(colour: tuple[int, int, int]) -> float:
    """Relative luminance (WCAG 2.1)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two CSS colours (1 to 21)."""
    a, b = rgb(first), rgb(second)
    if a is None or b is None:
        raise ValueError(f"not a colour: {first if a is None else second!r}")
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def with_contrast(colour: str, background: str, minimum: float) -> str:
    """``colour`` itself when it has ``minimum`` contrast with ``background``; otherwise the
    nearest colour of the same hue and saturation, darker on a light background and lighter
    on a dark one, that has it (as ``#rrggbb``)."""
    if contrast(colour, background) >= minimum:
        return colour
    red, green, blue = (v / 255 for v in rgb(colour) or (0, 0, 0))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    back = rgb(background) or (255, 255, 255)
    step = -0.005 if luminance(back) > 0.18 else 0.005
    for _ in range(round(1 / abs(step))):
        lightness = min(max(lightness + step, 0.0), 1.0)
        candidate = "#{:02x}{:02x}{:02x}".format(
            *(round(v * 255) for v in colorsys.hls_to_rgb(hue, lightness, saturation))
        )
        if contrast(candidate, background) >= minimum:
            return candidate
    return "#000000" if step < 0 else "#ffffff"


@functools.lru_cache(maxsize=32)
def scheme_colours(name: str, count: int = SAMPLES) -> tuple[str, ...]:
    """``count`` colours evenly along a Vega colour scheme, as Vega draws them, kept in the
    results store for the release of vl-convert that draws them: starting its JavaScript
    engine takes most of a second of every process that draws a scheme, the site build's
    among them."""
    from importlib.metadata import version

    return store.cached(
        "scheme-colours",
        {"name": name, "count": count, "vl-convert": version("vl-convert-python")},
        lambda: _drawn_scheme(name, count),
    )


def _drawn_scheme(name: str, count: int) -> tuple[str, ...]:
    import vl_convert

    spec = {
        "data": {"values": [{"t": i / (count - 1)} for i in range(count)]},
        "mark": "rect",
        "encoding": {
            "x": {"field": "t", "type": "ordinal"},
            "color": {
                "field": "t",
                "type": "quantitative",
                "scale": {"scheme": name, "domain": [0, 1]},
            },
        },
    }
    fills: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("marktype") == "rect" and node.get("role") == "mark":
                fills.extend(item["fill"] for item in node["items"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(vl_convert.vegalite_to_scenegraph(spec))
    return tuple(fills)


def scheme_extent(
    name: str, extent: tuple[float, float], background: str, minimum: float = GRAPHIC
) -> tuple[float, float] | None:
    """The longest stretch of ``extent`` (a part of the scheme, 0 to 1) whose colours all
    have ``minimum`` contrast with ``background``; None when the whole of it has."""
    lo, hi = extent
    inside = [
        (i / (SAMPLES - 1), contrast(colour, background) >= minimum)
        for i, colour in enumerate(scheme_colours(name))
        if lo <= i / (SAMPLES - 1) <= hi
    ]
    if all(ok for _, ok in inside):
        return None
    best: tuple[float, float] | None = None
    run: list[float] = []
    for t, ok in [*inside, (2.0, False)]:
        if ok:
            run.append(t)
        elif run:
            if best is None or run[-1] - run[0] > best[1] - best[0]:
                best = (run[0], run[-1])
            run = []
    if best is None:
        raise ValueError(f"no colour of the scheme {name!r} stands out against {background}")
    return best


class _Patcher:
    """The patches for one background."""

    def __init__(self, background: str) -> None:
        self.background = background
        self.found: list[Patch] = []

    def colour(self, value: Any, path: Path, minimum: float) -> None:
        if isinstance(value, str) and rgb(value) is not None:
            new = with_contrast(value, self.background, minimum)
            if new != value:
                self.found.append((path, new))

    def scale(self, scale: Any, path: Path, minimum: float) -> None:
        if not isinstance(scale, dict):
            return
        for i, value in enumerate(scale.get("range") or []):
            self.colour(value, [*path, "range", i], minimum)
        scheme = scale.get("scheme")
        if isinstance(scheme, str):
            scheme = {"name": scheme}
        if isinstance(scheme, dict) and isinstance(scheme.get("name"), str):
            extent = tuple(scheme.get("extent", (0.0, 1.0)))
            narrower = scheme_extent(scheme["name"], extent, self.background, minimum)
            if narrower:
                self.found.append(([*path, "scheme"], {**scheme, "extent": list(narrower)}))

    def channel(self, definition: Any, path: Path, minimum: float) -> None:
        if isinstance(definition, str):
            self.colour(definition, path, minimum)
            return
        if not isinstance(definition, dict):
            return
        self.colour(definition.get("value"), [*path, "value"], minimum)
        conditions = definition.get("condition")
        if isinstance(conditions, dict):
            self.channel(conditions, [*path, "condition"], minimum)
        elif isinstance(conditions, list):
            for i, condition in enumerate(conditions):
                self.channel(condition, [*path, "condition", i], minimum)
        self.scale(definition.get("scale"), [*path, "scale"], minimum)

    def view(self, view: Any, path: Path, top: bool) -> None:
        if not isinstance(view, dict):
            return
        labelled = self.labels_on_cells(view, path) if top else set()
        for key in ("layer", "hconcat", "vconcat", "concat"):
            for i, child in enumerate(view.get(key) or []):
                if i not in labelled or key != "layer":
                    self.view(child, [*path, key, i], top=False)
        if "spec" in view:
            self.view(view["spec"], [*path, "spec"], top=False)
        mark = view.get("mark")
        if mark is None:
            return
        kind = mark if isinstance(mark, str) else mark.get("type")
        minimum = TEXT if kind == "text" else GRAPHIC
        if isinstance(mark, dict):
            for name in COLOUR_CHANNELS:
                self.colour(mark.get(name), [*path, "mark", name], minimum)
        encoding = view.get("encoding") or {}
        for name in COLOUR_CHANNELS:
            if name in encoding:
                self.channel(encoding[name], [*path, "encoding", name], minimum)

    def labels_on_cells(self, view: dict[str, Any], path: Path) -> set[int]:
        """Text layers drawn on cells coloured by a field: their colour condition becomes
        "whichever of the two colours contrasts more with this cell"; returns their layers."""
        layers = view.get("layer") or []
        field = next(
            (
                layer["encoding"]["color"]["field"]
                for layer in layers
                if isinstance(layer, dict)
                and isinstance((layer.get("encoding") or {}).get("color"), dict)
                and "field" in layer["encoding"]["color"]
            ),
            None,
        )
        found: set[int] = set()
        if field is None:
            return found
        for i, layer in enumerate(layers):
            mark = layer.get("mark")
            kind = mark if isinstance(mark, str) else (mark or {}).get("type")
            colour = (layer.get("encoding") or {}).get("color")
            if kind != "text" or not isinstance(colour, dict):
                continue
            condition = colour.get("condition")
            if not (isinstance(condition, dict) and "test" in condition and "value" in colour):
                continue
            cell = f"scale('color', datum[{field!r}])"
            test = (
                f"contrast({condition['value']!r}, {cell}) >= contrast({colour['value']!r}, {cell})"
            )
            if condition["test"] != test:
                self.found.append(
                    ([*path, "layer", i, "encoding", "color", "condition", "test"], test)
                )
            found.add(i)
        return found

    def config(self, config: Any) -> None:
        if not isinstance(config, dict):
            return
        for name, value in (config.get("range") or {}).items():
            if isinstance(value, list):
                for i, colour in enumerate(value):
                    self.colour(colour, ["config", "range", name, i], GRAPHIC)
            elif isinstance(value, dict):
                self.scale(value, ["config", "range", name], GRAPHIC)
        for mark in MARK_CONFIGS:
            for name in COLOUR_CHANNELS:
                minimum = TEXT if mark == "text" else GRAPHIC
                self.colour((config.get(mark) or {}).get(name), ["config", mark, name], minimum)


def patches(spec: dict[str, Any]) -> dict[str, list[Patch]]:
    """For each colour mode, the changes (path into the spec, new value) that give every
    colour of ``spec`` its contrast with that mode's page.

    Marks are drawn opaque unless the chart says otherwise: Vega-Lite's default opacity of
    0.7 for points and layered bars would fade a colour below the contrast it was given."""
    config = spec.get("config") if isinstance(spec.get("config"), dict) else {}
    opaque = [] if "opacity" in (config.get("mark") or {}) else [(["config", "mark", "opacity"], 1)]
    out = {}
    for mode, background in BACKGROUNDS.items():
        patcher = _Patcher(background)
        patcher.view(spec, [], top=True)
        patcher.config(config)
        out[mode] = [*patcher.found, *opaque]
    return out


def themed(spec: dict[str, Any], mode: str) -> dict[str, Any]:
    """``spec`` (a copy) with the patches of colour ``mode`` applied."""
    import copy

    out = copy.deepcopy(spec)
    for path, value in patches(spec)[mode]:
        node: Any = out
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[path[-1]] = value
    return out
