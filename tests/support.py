"""What the tests share besides fixtures: the project root, the committed outputs, a
local server and Jupyter, the command line, the browser helpers and marker."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.tools.pdf import find_chromium

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = find_chromium()
REQUIRE_BROWSER = os.environ.get("SWICT_REQUIRE_BROWSER") == "1"
REPOSITORY = "https://github.com/example/socialwork-ict-replication"
NO_BROWSER = "no Chromium found: a user-facing check that needs a browser"
needs_browser = pytest.mark.skipif(CHROMIUM is None and not REQUIRE_BROWSER, reason=NO_BROWSER)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """A built site served on localhost; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def book_pages() -> list[str]:
    """Every page of the book's table of contents, as paths of the built site."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    return [f"{f}.html" for f in files]


def visit(browser, url: str, base: str, **options):
    """A new browser context with ``page`` at ``url``, and the console errors and requests
    to other servers than ``base`` it has seen."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: None if r.url.startswith((base, "data:", "blob:")) else foreign.append(r.url),
    )
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return context, page, errors, foreign


KERNEL_READY = """() => {
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    return !!kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
}"""

RUN_STATE = """() => {
    const prompts = [...document.querySelectorAll(".jp-CodeCell .jp-InputPrompt")].map(
        p => p.textContent.trim());
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    const status = kernel ? `${kernel.connectionStatus}, ${kernel.status}` : "none";
    return {
        prompts: prompts,
        kernel: status,
        done: prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p)),
        failed: [...document.querySelectorAll(".jp-OutputArea-output")].some(
            o => o.textContent.includes("Traceback (most recent call last)")),
        stopped: status === "connected, idle" && !prompts.some(p => p.includes("*")),
    };
}"""

FINISHED = f"() => {{ const s = ({RUN_STATE})(); return s.done || s.failed || s.stopped; }}"


def run_all_in_lab(page, lab: str, token: str, notebook: str, log: Path) -> list[str]:
    """Open ``notebook`` in JupyterLab at ``lab`` (served by :func:`jupyter`, whose log is
    ``log``), run all its cells from the Run menu as a reader would, and return the text of
    every output. Fails, with the cells' prompts, the kernel's state and the server's log,
    if the kernel does not start, the run does not begin or finish, or a cell fails."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    def fail(what: str) -> None:
        state = page.evaluate(RUN_STATE)
        pending = [k for k, p in enumerate(state["prompts"]) if not re.fullmatch(r"\[\d+\]:?", p)]
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.is_file() else ""
        pytest.fail(
            f"{notebook}: {what}. Kernel: {state['kernel']}; code cells not run: {pending} of "
            f"{len(state['prompts'])}; prompts: {state['prompts']}\nJupyter's log ends:\n{tail}",
            pytrace=False,
        )

    workspace = f"rehearsal-{Path(notebook).stem}"  # its own, reset: no earlier tab restored
    page.goto(
        f"{lab}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={token}",
        wait_until="domcontentloaded",
    )
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    try:
        page.wait_for_function(KERNEL_READY, timeout=180_000, polling=500)
    except PlaywrightTimeout:
        fail("the kernel was not ready within 180 s")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
            ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))",
            timeout=30_000,
        )
        page.wait_for_function(FINISHED, timeout=300_000, polling=1000)
    except PlaywrightTimeout:
        fail("the cells did not finish running within 300 s")
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    errors = [o for o in outputs if "Traceback (most recent call last)" in o]
    if errors:
        pytest.fail(f"{notebook}: a cell failed in JupyterLab:\n{errors[0]}", pytrace=False)
    if not page.evaluate(RUN_STATE)["done"]:
        fail("the run stopped before the last cell")
    return outputs


def lab_page(browser, lab: str):
    """A JupyterLab-sized page, and the requests it makes to other servers than ``lab``
    (its kernels' websockets aside)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((lab, "data:", "blob:", "ws:")) else foreign.append(r.url)
        ),
    )
    return page, foreign


CHARTS_SETTLED = """() => {
    if (document.readyState !== "complete") return false;
    const divs = document.querySelectorAll(".vega-chart");
    const failed = Array.from(divs).filter(
        d => d.textContent.startsWith("Chart failed to render")).length;
    return (window.bookCharts || []).length + failed === divs.length;
}"""


def wait_for_charts(page) -> int:
    """Wait until every chart on the page has either rendered or reported its failure
    (counted only once the page has finished parsing); return how many there are."""
    page.wait_for_function(CHARTS_SETTLED, timeout=60_000)
    return page.locator(".vega-chart").count()


def committed_outputs() -> Iterator[tuple[str, dict]]:
    """Every output stored in the committed chapter notebooks, with its notebook's name."""
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                yield path.stem, output


def tree_hash(folder: Path) -> str:
    """A hash of every file under a folder, names and contents."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``python -m helpers ...`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args], cwd=cwd, capture_output=True, text=True
    )


LAB_OPTIONS = [
    "--LabApp.expose_app_in_browser=True",  # the tests ask the application for its kernel
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",  # offline: no PyPI
]


@contextlib.contextmanager
def jupyter(app: str, root: Path, home: Path, token: str, *options: str) -> Iterator[str]:
    """A Jupyter ``app`` (``lab`` or ``server``) from the project's environment on localhost,
    serving ``root``, with its configuration kept under ``home`` and its log in
    ``home / "jupyter.log"``; yields its base URL. JupyterLab exposes its application to the
    page (``window.jupyterapp``), so a test can ask whether the kernel is ready."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }
    env.pop("SWICT_ROOT", None)
    log = (home / "jupyter.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("jupyter")),
            app,
            "--no-browser",
            "--allow-root",
            f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            *(LAB_OPTIONS if app == "lab" else []),
            *options,
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter {app} did not start; its log is {log.name}")
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
