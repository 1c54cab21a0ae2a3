"""`make pdf`: the whole book as one PDF, with every chapter in it."""

from __future__ import annotations

import json

import pytest
import yaml
from pypdf import PdfReader

from helpers.chapters.vega_render import MIME
from helpers.tools import pdf
from support import ROOT, committed_outputs, needs_browser

pytestmark = [pytest.mark.slow, needs_browser]


def _chapter_titles() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    titles = []
    for name in files:
        md = ROOT / f"{name}.md"
        if md.exists():
            first = next(
                line
                for line in md.read_text(encoding="utf-8").splitlines()
                if line.startswith("# ")
            )
        else:
            cells = json.loads((ROOT / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
            first = "".join(cells[0]["source"]).splitlines()[0]
        titles.append(first[2:].strip())
    return titles


@pytest.fixture(scope="module")
def book_pdf():
    return pdf.make_pdf()


def test_pdf_holds_every_chapter(book_pdf) -> None:
    out = book_pdf
    assert out.read_bytes().startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    flat = " ".join(text.split())
    missing = [t for t in _chapter_titles() if " ".join(t.split()) not in flat]
    assert not missing, missing
    # charts are drawn into the PDF as vector graphics with their titles
    assert "Published odds ratios (orange diamonds)" in flat


def _structure(node, found: list[tuple[str, str]]) -> None:
    """Every structure element under ``node``: (type, alternative text)."""
    node = node.get_object()
    if "/S" in node:
        found.append((str(node["/S"]), str(node.get("/Alt", ""))))
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and ("/S" in kid or "/K" in kid):
            _structure(kid, found)


def test_pdf_is_tagged_with_chart_descriptions_as_alternative_text(book_pdf) -> None:
    """A tagged PDF (issue 13): structure tree, document language, headings, and every
    chart a figure whose alternative text is its description."""
    reader = PdfReader(book_pdf)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert str(root["/Lang"]) == "en"
    assert "/Outlines" in root
    found: list[tuple[str, str]] = []
    _structure(root["/StructTreeRoot"], found)
    kinds = {kind for kind, _ in found}
    assert {"/H1", "/H2", "/P", "/Figure", "/Table"} <= kinds, kinds
    alternatives = {" ".join(alt.split()) for kind, alt in found if kind == "/Figure"}
    descriptions = {
        " ".join(output["data"][MIME]["description"].split())
        for _, output in committed_outputs()
        if MIME in output.get("data", {})
    }
    assert descriptions and descriptions <= alternatives, descriptions - alternatives
