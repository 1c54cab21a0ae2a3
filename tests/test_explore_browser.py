"""Explorable figures in a real browser (Chromium driven by Playwright): every control moved
with the keyboard redraws its chart and nothing loads from another server; the reader's own
count and percent give the audit's denominators; the same charts in JupyterLab; and, once
they are in the chapters, on the built site."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import nbformat
import pytest

from helpers.chapters import explore, figures
from helpers.chapters.explore import MARKER, NAMES
from helpers.chapters.vega_render import MIME, chart_html, chart_id
from helpers.science import audit, registry
from support import (
    ROOT,
    committed_outputs,
    jupyter,
    lab_page,
    needs_browser,
    run_all_in_lab,
    serve,
    visit,
)

pytestmark = [pytest.mark.slow, needs_browser]

VENDOR = ROOT / "book" / "_static" / "vendor"
LIBRARIES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
CHARTS_JS = ROOT / "book" / "_static" / "book-charts.js"


@pytest.fixture(scope="module")
def specs() -> dict[str, dict]:
    figures.setup()
    return {name: getattr(explore, name)().to_dict() for name in NAMES}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, specs: dict) -> Iterator[str]:
    """One page per explorable, drawn as the book draws charts (helpers.chapters.vega_render) with
    the site's own vendored Vega libraries, served on localhost."""
    folder = tmp_path_factory.mktemp("explorables")
    for lib in LIBRARIES:
        shutil.copy2(VENDOR / lib, folder / lib)
    shutil.copy2(CHARTS_JS, folder / CHARTS_JS.name)
    scripts = "".join(f'<script src="{lib}"></script>' for lib in (*LIBRARIES, CHARTS_JS.name))
    for name, spec in specs.items():
        (folder / f"{name}.html").write_text(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
            f'<link rel="icon" href="data:,">{scripts}</head>'
            f"<body><main>{chart_html(spec)}</main></body></html>",
            encoding="utf-8",
        )
    with serve(folder) as base:
        yield base


def _open(browser, url: str, base: str):
    """:func:`support.visit` in a window the explorables' controls fit."""
    return visit(browser, url, base, viewport={"width": 1100, "height": 1000})


VIEW = "(id => window.bookCharts.find(v => document.getElementById(id).contains(v.container())))"
DRAWING = f"async id => {{ const v = {VIEW}(id); await v.runAsync(); return v.toSVG(); }}"
STATE = f"""id => {{
    const rows = [];
    const walk = item => {{
        if (item.datum && item.datum.rule_key !== undefined) rows.push(item.datum);
        (item.items || []).forEach(walk);
    }};
    walk({VIEW}(id).scenegraph().root);
    const seen = {{}};
    rows.forEach(d => {{ seen[d.rule_key] = [d.dmin, d.dmax, d.group_name]; }});
    return seen;
}}"""


TEXTS = f"""id => {{
    const texts = [];
    const walk = item => {{
        if (typeof item.text === "string" && item.text) texts.push(item.text);
        (item.items || []).forEach(walk);
    }};
    walk({VIEW}(id).scenegraph().root);
    return texts;
}}"""


def _wait_drawn(page, div: str) -> None:
    page.wait_for_function(
        f"id => (window.bookCharts || []).length > 0 && {VIEW}(id) !== undefined",
        arg=div,
        timeout=60_000,
    )


def _control(page, div: str, param: str):
    """A chart's control: in the group of controls the book puts before the chart
    (helpers.chapters.vega_render), outside the image."""
    return page.locator(f"#{div}-controls [name='{param}']").first


def _move(page, control, kind: str) -> None:
    """Change one control as a keyboard user would."""
    control.focus()
    if kind == "range":
        at_max = control.evaluate("el => +el.value >= +el.max")
        for _ in range(5):
            page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    elif kind == "select":
        last = control.evaluate("el => el.selectedIndex === el.options.length - 1")
        page.keyboard.press("ArrowUp" if last else "ArrowDown")
    elif kind == "number":
        page.keyboard.press("ArrowUp")
    else:
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type("78.1")


# the control that puts a chart in the mode where the others matter, with its value
SET_UP = {"denominators": ("den_claim", explore.OWN)}


@pytest.mark.parametrize("name", NAMES)
def test_every_control_redraws_its_chart(browser, pages: str, specs: dict, name: str) -> None:
    spec = specs[name]
    div = chart_id(spec)
    context, page, errors, foreign = _open(browser, f"{pages}/{name}.html", pages)
    try:
        _wait_drawn(page, div)
        controls = {p["name"]: p["bind"]["input"] for p in spec["params"]}
        first = SET_UP.get(name)
        order = ([first[0]] if first else []) + [p for p in controls if not first or p != first[0]]
        for param in order:
            control = _control(page, div, param)
            # a native input, labelled by its visible name, reachable with the Tab key, and
            # not inside the chart's image (whose content a screen reader does not enter)
            assert control.evaluate("el => el.labels.length > 0 && el.tabIndex >= 0"), param
            assert control.evaluate("el => el.closest('[role=img]') === null"), param
            label = control.evaluate("el => el.labels[0].textContent")
            bound = next(p["bind"]["name"] for p in spec["params"] if p["name"] == param)
            assert bound.strip() in label, (param, label)
            before = page.evaluate(DRAWING, div)
            _move(page, control, controls[param])
            after = page.evaluate(DRAWING, div)
            assert after != before, f"{name}: moving {param} did not redraw the chart"
            if first and param == first[0]:
                control.select_option(first[1])
                page.evaluate(DRAWING, div)
        assert not errors, errors
        assert not foreign, foreign
    finally:
        context.close()


OWN_CASES = [
    ("2064", "64", ""),
    ("2034", "78.1", "Canada"),
    ("106", "86.9", "United Kingdom"),
    ("1", "12", ""),
    ("392", "27", ""),
    ("975", "79.6", "United States"),
    ("7", "33.3", "Israel"),
    ("2064", "64%", ""),  # a percent sign is allowed
]


def _expected(n: int, percent: str, country: str) -> dict[str, list]:
    out = {}
    for rule in audit.ROUNDING_RULES:
        found = audit.denominator_range(n, percent, rule)
        if not found:
            out[rule] = [None, None, ""]
            continue
        group = next(
            (p for p in audit.populations() if p.country == country and p.size >= found[0]),
            None,
        )
        out[rule] = [found[0], found[1], group.name if group else ""]
    return out


def test_own_count_and_percent_give_the_audits_denominators(
    browser, pages: str, specs: dict
) -> None:
    """The one calculation the browser does (a count and percent the reader types) gives
    the denominators helpers.science.audit.denominator_range finds with exact fractions, under
    every rounding rule, and the smallest published group of the chosen country."""
    div = chart_id(specs["denominators"])
    context, page, errors, _ = _open(browser, f"{pages}/denominators.html", pages)
    try:
        _wait_drawn(page, div)
        _control(page, div, "den_claim").select_option(explore.OWN)
        for count, percent, country in OWN_CASES:
            _control(page, div, "den_count").fill(count)
            _control(page, div, "den_percent").fill(percent)
            _control(page, div, "den_country").select_option(country)
            page.evaluate(DRAWING, div)
            shown = page.evaluate(STATE, div)
            expected = _expected(int(count), percent.rstrip("%"), country)
            assert shown == expected, (count, percent, country)
        # what is not a count and a percent gets a sentence saying what to type, no numbers
        _control(page, div, "den_percent").fill("sixty")
        page.evaluate(DRAWING, div)
        assert all(lo is None for lo, _, _ in page.evaluate(STATE, div).values())
        texts = page.evaluate(TEXTS, div)
        assert any(t.startswith("Type a whole number of people") for t in texts), texts
        assert not errors, errors
    finally:
        context.close()


def test_published_claims_show_the_audits_denominators(browser, pages: str, specs: dict) -> None:
    div = chart_id(specs["denominators"])
    context, page, _, _ = _open(browser, f"{pages}/denominators.html", pages)
    try:
        _wait_drawn(page, div)
        for c in registry.percent_claims():
            _control(page, div, "den_claim").select_option(c.id)
            page.evaluate(DRAWING, div)
            shown = page.evaluate(STATE, div)
            for rule, (lo, hi, group) in shown.items():
                found = audit.denominator_range(c.n, c.percent_text, rule)
                pop = audit.implied_population(c, found[0]) if found else None
                assert [lo, hi] == (list(found) if found else [None, None]), (c.id, rule)
                assert group == (pop.name if pop else ""), (c.id, rule)
    finally:
        context.close()


# --- JupyterLab ------------------------------------------------------------------------

POINTER = """el => {
    if (el.tagName === 'SELECT') {
        el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
        el.dispatchEvent(new Event('change'));
    } else {
        el.value = +el.value + 5 * (+el.step) <= +el.max ? +el.value + 5 * (+el.step) : +el.min;
        el.dispatchEvent(new Event('input'));
    }
}"""


def test_explorables_draw_and_respond_in_jupyterlab(
    browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A notebook calling each explorable, run in JupyterLab from the project's environment
    (Binder's place): each chart draws with JupyterLab's own Vega-Lite 5, offline, with its
    controls, and moving a control redraws it."""
    home = tmp_path_factory.mktemp("lab-explore")
    work = home / "work"
    work.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from helpers.chapters import explore, figures\nfigures.setup()")
    ]
    nb.cells += [nbformat.v4.new_code_cell(f"explore.{name}()") for name in NAMES]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, work / "explorables.ipynb")
    token = "explore"
    with jupyter("lab", work, home, token, f"--LabApp.workspaces_dir={home / 'ws'}") as lab:
        page, foreign = lab_page(browser, lab)
        try:
            run_all_in_lab(page, lab, token, "explorables.ipynb", home / "jupyter.log")
            charts = ".jp-RenderedVegaCommon5"
            page.wait_for_function(
                f"""n => [...document.querySelectorAll('{charts}')].filter(
                    c => c.querySelector('canvas, svg.marks')).length >= n""",
                arg=len(NAMES),
                timeout=240_000,
                polling=1000,
            )
            for k in range(len(NAMES)):
                chart = page.locator(charts).nth(k)
                chart.scroll_into_view_if_needed()
                control = chart.locator(".vega-bindings input[type=range], .vega-bindings select")
                assert control.count() > 0, NAMES[k]
                picture = "el => [...el.querySelectorAll('canvas')].map(c => c.toDataURL()).join()"
                before = chart.evaluate(picture)
                # as a pointer would: JupyterLab's command mode takes the arrow keys of any
                # control in an output (the site's test moves them with the keyboard)
                control.first.evaluate(POINTER)
                page.wait_for_timeout(500)
                assert chart.evaluate(picture) != before, f"{NAMES[k]} did not redraw"
            assert not foreign, foreign
        finally:
            page.close()


# --- The built site --------------------------------------------------------------------


def _in_chapters() -> dict[str, str]:
    """Each explorable the committed chapters hold, with its chapter's name."""
    found = {}
    for stem, output in committed_outputs():
        spec = output.get("data", {}).get(MIME)
        if isinstance(spec, dict) and MARKER in spec.get("usermeta", {}):
            found[spec["usermeta"][MARKER]] = stem
    return found


CHAPTERS = _in_chapters()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The canonical book, built and served on localhost."""
    from helpers.tools import build

    site = build.build(ROOT / "notebooks" / "params" / "canonical.yaml")
    with serve(site) as base:
        yield base


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.skipif(
                name not in CHAPTERS,
                reason=f"explore.{name}() is in no chapter yet (the lead inserts it at merge)",
            ),
        )
        for name in NAMES
    ],
)
def test_explorable_in_its_chapter_responds_to_every_control(browser, site: str, name: str) -> None:
    stem = CHAPTERS[name]
    spec = next(
        out["data"][MIME]
        for s, out in committed_outputs()
        if s == stem and out.get("data", {}).get(MIME, {}).get("usermeta", {}).get(MARKER) == name
    )
    div = chart_id(spec)
    context, page, errors, foreign = _open(browser, f"{site}/notebooks/{stem}.html", site)
    try:
        _wait_drawn(page, div)
        first = SET_UP.get(name)
        params = [p["name"] for p in spec["params"]]
        if first:
            params = [first[0]] + [p for p in params if p != first[0]]
        kinds = {p["name"]: p["bind"]["input"] for p in spec["params"]}
        for param in params:
            before = page.evaluate(DRAWING, div)
            _move(page, _control(page, div, param), kinds[param])
            assert page.evaluate(DRAWING, div) != before, f"{name}: {param} in {stem}"
            if first and param == first[0]:
                _control(page, div, param).select_option(first[1])
        assert not errors, errors
        assert not foreign, foreign
    finally:
        context.close()
