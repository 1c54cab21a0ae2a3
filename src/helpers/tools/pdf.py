"""The whole book as one PDF: ``make pdf``.

Chromium prints the single-page HTML build of the book, with every chart drawn at build time
as inline SVG by vl-convert. Chromium rather than LaTeX: the project already needs Chromium
for its browser tests, while a TeX Live able to typeset the book is a large extra install,
and printing the HTML keeps the PDF identical in content to the site.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..paths import build_dir, project_root
from .build import CANONICAL, BuildError, build, target_for

BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
"""Flags for Chromium on these machines (as root, no GPU, no network beyond localhost) and
in containers (a small /dev/shm)."""
CHROMIUM_FLAGS = [
    "--headless",
    *BROWSER_FLAGS,
    "--no-pdf-header-footer",
    "--generate-pdf-document-outline",
]
"""Printing flags. Chromium writes a tagged PDF (structure tree, document language, charts as
figures with their descriptions as alternative text) by itself; the outline adds the
chapters and sections as bookmarks."""


INSTALL_BROWSER = "make browser"
"""The one command that installs a browser for the PDF and the browser tests."""


def find_chromium() -> str | None:
    """The Chromium to use, or None: ``$CHROMIUM`` if set, else a ``chromium`` on the PATH
    (Debian's package installs /usr/bin/chromium), else Playwright's own download."""
    if env := os.environ.get("CHROMIUM"):
        return env if Path(env).is_file() else None
    if found := shutil.which("chromium") or shutil.which("chromium-browser"):
        return found
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as p:
        own = p.chromium.executable_path
    return own if Path(own).is_file() else None


def chromium() -> str:
    """The Chromium executable; a clear error when there is none."""
    found = find_chromium()
    if not found:
        raise BuildError(
            f"Chromium is needed to print the PDF: run '{INSTALL_BROWSER}', or set CHROMIUM "
            "to a Chromium or Chrome executable"
        )
    return found


def make_pdf(params_file: Path | None = None) -> Path:
    """Build the single-page book and print it to ``_build/pdf/book.pdf``, and put a copy
    beside the HTML site of the same parameters (``book.pdf``, which the front page links)
    when that site has been built."""
    params_file = params_file or project_root() / "notebooks" / "params" / f"{CANONICAL}.yaml"
    site = build(params_file, builder="singlehtml")
    # the single page is written under the root document's folder, but its links to the
    # style sheets assume it sits at the top of the site: print a copy placed there
    page = site / "print.html"
    shutil.copy2(site / "book" / "index.html", page)
    out = build_dir() / "pdf" / "book.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        printed = Path(tmp) / "book.pdf"
        subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={printed}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
        if not printed.is_file() or printed.stat().st_size == 0:
            raise BuildError("Chromium did not write the PDF")
        printed.replace(out)
    site_html = target_for(params_file.stem)
    if site_html.is_dir():
        shutil.copy2(out, site_html / "book.pdf")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.tools.pdf", description=__doc__)
    parser.add_argument("--params", type=Path, help="parameters file (default: the canonical)")
    args = parser.parse_args(argv)
    try:
        path = make_pdf(args.params)
    except (BuildError, subprocess.CalledProcessError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
