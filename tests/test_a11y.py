"""WCAG 2.1 AA in the browser: axe-core on every page in both colour modes, charts a screen
reader and a keyboard can use, chart colours with enough contrast, a keyboard-only walk
through a chapter, and terms named as a reader would say them.

One published site and one browser serve every test (fixtures in conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe import report, severe_violations

from helpers.chapters import chart_theme
from helpers.science import registry, spec
from helpers.tools import build
from support import ROOT, book_pages, needs_browser, serve, visit, wait_for_charts

pytestmark = [pytest.mark.slow, needs_browser]

MODES = ("light", "dark")
PAGES = [*book_pages(), "search.html", "genindex.html"]
CHAPTERS = [p for p in book_pages() if p.startswith("notebooks/")]
VARIANT = "israel"


def _open(browser, base: str, mode: str):
    """A browser context whose book pages open in colour ``mode`` (the theme's own stored
    choice, as if the reader had picked it), with its first page."""
    context, page, errors, _ = visit(browser, "about:blank", base, color_scheme=mode)
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
    )
    return context, page, errors


def _load(page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    wait_for_charts(page)


def _axe_pages(browser, base: str, pages: list[str], name: str) -> list[dict[str, str]]:
    found = []
    for mode in MODES:
        context, page, _ = _open(browser, base, mode)
        try:
            for path in pages:
                _load(page, f"{base}/{path}")
                assert page.evaluate("document.documentElement.dataset.theme") == mode
                found += severe_violations(page, f"{name} {path} [{mode} mode]")
        finally:
            context.close()
    return found


def test_axe_finds_no_serious_violation_on_any_page(browser, server: str) -> None:
    """Every page of the published book, light and dark: no serious or critical axe-core
    violation (WCAG 2.1 A/AA and axe's best practices; AAA rules aside)."""
    found = _axe_pages(browser, server, PAGES, "book")
    assert not found, f"{len(found)} serious or critical violations:\n{report(found)}"


def test_axe_finds_no_serious_violation_in_a_variant_book(browser) -> None:
    """A variant book (other parameters, no repository known, so no launch buttons): its
    chapters, the pages its parameters change (the other pages share their templates with
    the canonical book's). test_variants.py builds the same variant; one build serves both."""
    site = build.build(ROOT / "notebooks" / "params" / f"{VARIANT}.yaml")
    with serve(site) as base:
        found = _axe_pages(browser, base, CHAPTERS, VARIANT)
    assert not found, f"{len(found)} serious or critical violations:\n{report(found)}"


CHART_ACCESSIBILITY = """() => Array.from(document.querySelectorAll(".vega-chart")).map(div => {
    const described = document.getElementById(div.getAttribute("aria-describedby") || "");
    const frame = div.closest(".vega-chart-frame");
    const actions = frame.parentElement.querySelector(
        `.vega-chart-frame:has(#${div.id}) ~ .chart-actions`);
    return {
        id: div.id,
        role: div.getAttribute("role"),
        label: div.getAttribute("aria-label"),
        description: described ? described.textContent : null,
        toggle: (() => {
            const region = described && described.closest("[hidden]");
            const button = region && document.querySelector(
                `button.chart-description-toggle[aria-controls="${region.id}"]`);
            return button ? button.textContent : null;
        })(),
        interactive: div.querySelectorAll(
            "a, button, summary, details, input, select, textarea, [tabindex]").length,
        actions: actions ? actions.getAttribute("aria-label") : null,
        buttons: actions ? Array.from(actions.querySelectorAll("button")).map(
            b => b.textContent) : [],
    };
})"""


def _accessible(page, selector: str) -> dict[str, str]:
    """Name and description of an element as Chromium computes them for assistive
    technology."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})
    first = ax["nodes"][0]
    return {
        "role": first.get("role", {}).get("value", ""),
        "name": first.get("name", {}).get("value", ""),
        "description": first.get("description", {}).get("value", ""),
    }


def test_charts_are_described_images_with_save_buttons_outside(browser, server: str) -> None:
    context, page, errors, _ = visit(browser, f"{server}/notebooks/03_regression.html", server)
    try:
        wait_for_charts(page)
        charts = page.evaluate(CHART_ACCESSIBILITY)
        assert charts
        for chart in charts:
            assert chart["role"] == "img" and chart["label"], chart
            assert chart["description"] and chart["toggle"] == "Text description", chart
            assert chart["interactive"] == 0, chart  # nothing interactive inside the image
            assert chart["actions"] == f"Save the chart {chart['label']}", chart
            assert chart["buttons"] == ["Save as SVG", "Save as PNG"], chart
            ax = _accessible(page, f"#{chart['id']}")
            assert ax["role"] == "image" and ax["name"] == chart["label"], ax
            assert ax["description"] == chart["description"], ax
        # the description opens from the keyboard
        toggle = page.locator("button.chart-description-toggle").first
        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator(f"#{charts[0]['id']}-description").is_visible()
        # the save buttons work from the keyboard
        button = page.locator(f".vega-chart-frame:has(#{charts[0]['id']}) ~ .chart-actions button")
        button = button.first
        button.focus()
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        saved = Path(download.value.path()).read_text(encoding="utf-8")
        assert download.value.suggested_filename.endswith(".svg")
        assert saved.startswith("<svg") and "</svg>" in saved
        assert not errors, errors
    finally:
        context.close()


SCENE = """() => window.bookCharts.map((view, chart) => {
    const items = [];
    const rects = [];
    const walk = (node, role, x, y) => {
        (node.items || []).forEach(item => {
            const r = item.role || role;
            const ix = x + (item.x || 0), iy = y + (item.y || 0);
            if (item.marktype) {
                (item.items || []).forEach(leaf => {
                    if (item.marktype === "rect" && r === "mark") rects.push({
                        x1: x + (leaf.x || 0), y1: y + (leaf.y || 0),
                        x2: x + (leaf.x || 0) + (leaf.width || 0),
                        y2: y + (leaf.y || 0) + (leaf.height || 0), fill: leaf.fill});
                    items.push({
                        chart, role: r, mark: item.marktype, text: leaf.text ?? null,
                        x: x + (leaf.x || 0), y: y + (leaf.y || 0),
                        fill: typeof leaf.fill === "string" ? leaf.fill : null,
                        stroke: typeof leaf.stroke === "string" ? leaf.stroke : null,
                        strokeWidth: leaf.strokeWidth ?? 1,
                        opacity: leaf.opacity ?? 1,
                        fillOpacity: leaf.fillOpacity ?? 1,
                        strokeOpacity: leaf.strokeOpacity ?? 1,
                    });
                    walk(leaf, r, x + (leaf.x || 0), y + (leaf.y || 0));
                });
            } else {
                walk(item, r, ix, iy);
            }
        });
    };
    walk({items: [view.scenegraph().root]}, "root", 0, 0);
    items.forEach(item => {
        if (item.mark !== "text") return;
        const under = rects.filter(c => c.x1 <= item.x && item.x <= c.x2
            && c.y1 <= item.y && item.y <= c.y2 && typeof c.fill === "string");
        item.backdrop = under.length ? under[under.length - 1].fill : null;
    });
    return {background: view.background(), items};
})"""
GRAPHIC_ROLES = ("mark", "legend-symbol", "axis-domain", "axis-tick")
TEXT_ROLES = ("mark", "axis-label", "axis-title", "legend-label", "legend-title", "title-text")


def _blend(colour: str, alpha: float, background: str) -> str:
    """``colour`` painted at opacity ``alpha`` over ``background``."""
    fore, back = chart_theme.rgb(colour), chart_theme.rgb(background)
    assert fore and back, (colour, background)
    mixed = (round(alpha * f + (1 - alpha) * b) for f, b in zip(fore, back, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def _short_of_contrast(item: dict, background: str) -> str | None:
    """Why a drawn item lacks contrast (None when it has enough)."""
    if item["mark"] == "text":
        if item["role"] not in TEXT_ROLES or not item["fill"] or not (item["text"] or ""):
            return None
        backdrop = item["backdrop"] or background
        ratio = chart_theme.contrast(item["fill"], backdrop)
        return None if ratio >= chart_theme.TEXT else f"text {ratio:.2f}:1 on {backdrop}"
    if item["role"] not in GRAPHIC_ROLES:
        return None
    paints = [
        (item["fill"], item["opacity"] * item["fillOpacity"]),
        (item["stroke"], item["opacity"] * item["strokeOpacity"] if item["strokeWidth"] else 0),
    ]
    ratios = [
        chart_theme.contrast(_blend(colour, alpha, background), background)
        for colour, alpha in paints
        if colour and alpha > 0 and chart_theme.rgb(colour)
    ]
    if not ratios or max(ratios) >= chart_theme.GRAPHIC:
        return None
    return f"{item['mark']} {max(ratios):.2f}:1"


@pytest.mark.parametrize("mode", MODES)
def test_chart_colours_contrast_with_the_page(browser, server: str, mode: str) -> None:
    """Every mark drawn in every chart has 3:1 contrast with the page and every text 4.5:1
    with what it is drawn on (WCAG 1.4.11, 1.4.3), as computed from what Vega drew; the
    chart's background is the page's own; switching mode draws the charts again."""
    other = "dark" if mode == "light" else "light"
    context, page, errors = _open(browser, server, other)
    try:
        short = []
        for path in CHAPTERS:
            _load(page, f"{server}/{path}")
            if not page.locator(".vega-chart").count():
                continue
            # the reader switches mode with the theme's button: the charts are redrawn
            page.locator(".theme-switch-button").first.click()
            page.evaluate(f"""() => {{ if (document.documentElement.dataset.theme !== "{mode}")
                document.querySelector(".theme-switch-button").click(); }}""")
            page.wait_for_function(
                f"""() => document.documentElement.dataset.theme === "{mode}"
                    && Array.from(document.querySelectorAll(".vega-chart"))
                        .every(d => d.dataset.drawn === "{mode}")"""
            )
            body = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert chart_theme.contrast(body, chart_theme.BACKGROUNDS[mode]) == 1.0, body
            for number, scene in enumerate(page.evaluate(SCENE)):
                assert chart_theme.contrast(scene["background"], body) == 1.0, scene["background"]
                assert len(scene["items"]) > 3
                for item in scene["items"]:
                    if why := _short_of_contrast(item, scene["background"]):
                        short.append(f"{path} chart {number + 1} {item['role']}: {why}")
        assert not short, "\n".join(sorted(set(short)))
        assert not [e for e in errors if "Got invalid theme" not in e], errors
    finally:
        context.close()


FOCUSABLE = """() => Array.from(document.querySelectorAll(
    'a[href], button, summary, input, select, textarea, [tabindex]'))
    .filter(el => !el.disabled && el.tabIndex >= 0 && !el.closest('[inert]')
        && el.checkVisibility({visibilityProperty: true}))
    .map(el => { el.dataset.a11yControl = (window.__controls = (window.__controls || 0) + 1);
                 return el.dataset.a11yControl; })"""
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
        control: el.dataset.a11yControl || null,
        tag: el.tagName.toLowerCase(),
        text: (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 60),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1
            ? style.outlineColor : null,
        shadow: style.boxShadow !== 'none' ? style.boxShadow : null,
        background: (() => {
            for (let node = el; node; node = node.parentElement) {
                const bg = getComputedStyle(node).backgroundColor;
                if (bg && bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg;
            }
            return getComputedStyle(document.body).backgroundColor;
        })(),
    };
}"""


@pytest.mark.parametrize("mode", MODES)
def test_keyboard_alone_reaches_every_control_of_a_chapter(browser, server: str, mode: str) -> None:
    """Tab walks a chapter from the top: focus moves in document order, reaches every
    visible control (links, launch buttons, mode switch, toggles, exercise solutions, chart
    buttons), and each shows a focus indicator with 3:1 contrast against its background."""
    context, page, errors = _open(browser, server, mode)
    try:
        _load(page, f"{server}/notebooks/03_regression.html")
        controls = page.evaluate(FOCUSABLE)
        assert len(controls) > 20
        reached, unseen, order = [], [], []
        for _ in range(len(controls) + 20):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused is None or (reached and focused["control"] == reached[0]):
                break
            reached.append(focused["control"])
            order.append(focused)
            ring = focused["outline"] or focused["shadow"]
            if not ring:
                unseen.append(f"{focused['tag']} {focused['text']!r}: no focus indicator")
            elif focused["outline"]:
                ratio = chart_theme.contrast(focused["outline"], focused["background"])
                if ratio < 3:
                    unseen.append(f"{focused['tag']} {focused['text']!r}: outline {ratio:.2f}:1")
        missed = [c for c in controls if c not in reached]
        assert not missed, page.evaluate(
            """ids => ids.map(id => document.querySelector(`[data-a11y-control="${id}"]`)
                .outerHTML.slice(0, 160))""",
            missed,
        )
        numbers = [int(c) for c in reached if c]
        assert numbers == sorted(numbers), "focus does not follow the document order"
        assert not unseen, unseen
        assert not errors, errors
    finally:
        context.close()


def test_keyboard_operates_the_chapter_controls(browser, server: str) -> None:
    """Enter and Space work the launch menu, a code toggle and the colour-mode switch of a
    chapter, and an exercise's solution."""
    context, page, errors, _ = visit(browser, f"{server}/notebooks/03_regression.html", server)
    try:
        wait_for_charts(page)
        launch = page.locator(".dropdown-launch-buttons > button")
        launch.focus()
        page.keyboard.press("Enter")
        assert launch.get_attribute("aria-expanded") == "true"
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.closest('.dropdown-menu') !== null")
        page.keyboard.press("Escape")
        assert launch.get_attribute("aria-expanded") == "false"
        toggle = page.locator("details.hide summary").first
        toggle.focus()
        page.keyboard.press("Enter")
        assert page.locator("details.hide").first.evaluate("d => d.open")
        before = page.evaluate("document.documentElement.dataset.theme")
        page.locator(".theme-switch-button").first.focus()
        page.keyboard.press("Space")
        assert page.evaluate("document.documentElement.dataset.theme") != before
        page.goto(f"{server}/book/exercises.html", wait_until="networkidle")
        solution = page.locator(".solution button.toggle-button").first
        body = page.locator(".solution").first
        assert "toggle-hidden" in (body.get_attribute("class") or "")
        solution.focus()
        page.keyboard.press("Enter")
        assert solution.get_attribute("aria-expanded") == "true"
        assert "toggle-hidden" not in (body.get_attribute("class") or "")
        assert not errors, errors
    finally:
        context.close()


def _formula_names() -> list[str]:
    """Model terms as formula syntax (``setting[private_practice]``, ``graduation_year``)
    and claim ids (``outside_hours``, ``or_graduation_year``): names for code and the
    downloadable files, not for a reader."""
    names = [t.name for t in spec.terms()] + list(spec.CONTINUOUS) + [spec.OUTCOME]
    names += list(registry.claims())
    return sorted({n for n in names if "[" in n or "_" in n})


READER_TEXT = """() => {
    const main = document.querySelector('main') || document.body;
    const clone = main.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, .cell_input, .tag_plumbing')
        .forEach(el => el.remove());
    const descriptions = Array.from(document.querySelectorAll('.chart-description p'))
        .map(p => p.textContent);
    const charts = (window.bookCharts || []).map(view => {
        const texts = [];
        const walk = node => (node.items || []).forEach(item => {
            if (typeof item.text === 'string') texts.push(item.text);
            if (Array.isArray(item.text)) texts.push(item.text.join(' '));
            walk(item);
        });
        walk({items: [view.scenegraph().root]});
        return texts.join(' | ');
    });
    return [clone.textContent, ...descriptions, ...charts].join('\\n');
}"""


def test_pages_name_terms_as_a_reader_would(browser, server: str) -> None:
    """No formula syntax or claim id in what a reader sees or hears on any page: prose,
    tables, chart text and chart descriptions (code aside)."""
    names = _formula_names()
    pattern = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    found = []
    context, page, _, _ = visit(browser, "about:blank", server)
    try:
        for path in book_pages():
            _load(page, f"{server}/{path}")
            text = page.evaluate(READER_TEXT)
            hits = sorted(set(pattern.findall(text)))
            if hits:
                found.append(f"{path}: {', '.join(hits)}")
    finally:
        context.close()
    assert names and not found, "\n".join(found)
