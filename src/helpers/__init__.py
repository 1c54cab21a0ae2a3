"""Helpers for the #socialwork replication book, in three wings.

``science`` holds the replication itself, in the order the data flow::

    registry (published claims) ─→ audit (rounding, denominators, skip logic)
        ─→ assumptions + codebook ─→ synth (synthetic respondents)
        ─→ dataio / exports / crosswalk (a respondent file, or a real export, read and checked)
        ─→ descriptive, models, robustness, diagnostics (the published analyses, and more)
        ─→ simulation (population, precision, scenarios, engines + newton, study, metrics)
        ─→ sensitivity (E-values) ─→ ledger (reported against replicated) ─→ practice

``chapters`` presents it in the notebooks: parameters and preamble, tables, charts (with
their theme and renderer) and the explorable figures.

``tools`` publishes the book and no chapter imports it: build, pdf, student edition, data
downloads, the Sphinx extension, the lock file and the benchmarks.

``paths`` and ``store`` (the results store under ``_build/``) serve all three, and
``python -m helpers`` is the command line for data files (validate, import, synth...).
"""

import sys

# Altair, nbformat and Frictionless import jsonschema, whose optional IRI format checker
# (the package rfc3987_syntax) compiles a grammar when imported: about 3 s of every
# chapter's first cell on the benchmark machine (``python -X importtime``). Nothing in the
# book validates IRIs, so that optional import is declined, before any of them is imported:
# jsonschema then leaves the checker out, as it does where the package is not installed.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__all__ = ["__version__"]
__version__ = "0.3.4"
