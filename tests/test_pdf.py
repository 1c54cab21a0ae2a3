"""`make pdf`: the whole book as one PDF, with every chapter in it."""

from __future__ import annotations

import json

import pytest
import yaml
from pypdf import PdfReader

from conftest import ROOT, needs_browser
from helpers import pdf

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


def test_pdf_holds_every_chapter() -> None:
    out = pdf.make_pdf()
    assert out.read_bytes().startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    flat = " ".join(text.split())
    missing = [t for t in _chapter_titles() if " ".join(t.split()) not in flat]
    assert not missing, missing
    # charts are drawn into the PDF as vector graphics with their titles
    assert "Published odds ratios (orange diamonds)" in flat
