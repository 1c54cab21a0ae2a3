"""The site's own copies of its front-end libraries name no third-party server."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT
from helpers import vendor

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
    assert len(_vendored()) > 100  # vega, vega-lite, vega-embed, and Thebe with its chunks


def test_thebe_patch_is_applied_and_idempotent() -> None:
    bundle = (vendor.thebe_dir() / "index.js").read_text(encoding="utf-8")
    assert vendor.patch(bundle) == bundle
    assert '_static/vendor/thebe/require.js")' in bundle
    assert (vendor.thebe_dir() / vendor.REQUIREJS).is_file()
    for old in vendor.PATCHES:
        assert old not in bundle
