"""The site's own copies of its front-end libraries name no third-party server."""

from __future__ import annotations

import re
from pathlib import Path

from support import ROOT

VENDOR = ROOT / "book" / "_static" / "vendor"
# what a browser could be made to load: scripts, style sheets, fonts, from http(s) hosts
LOADABLE = re.compile(r"https?://[\w.-]+/[^\s\"'`)]*\.(?:js|mjs|css|woff2?|ttf|otf)\b")


def _vendored() -> list[Path]:
    return sorted(p for p in VENDOR.rglob("*") if p.suffix in (".js", ".css"))


def test_vendored_files_name_no_loadable_third_party_url() -> None:
    found = {
        f"{path.relative_to(VENDOR)}: {url}"
        for path in _vendored()
        for url in LOADABLE.findall(path.read_text(encoding="utf-8"))
    }
    # the only ones left are links to source files on GitHub in comments, which are pages
    # (github.com/.../blob/...), not files a browser could load
    assert all(re.search(r": https://github\.com/[^ ]+/blob/", f) for f in found), found
    assert [p.name for p in _vendored()] == ["vega-embed.min.js", "vega-lite.min.js", "vega.min.js"]
