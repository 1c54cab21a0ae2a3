"""Respondents stay private in a book built from data that are not synthetic.

:func:`helpers.chapters.preamble.respondents` switches the rules on (:func:`configure`) when a
chapter reads a respondent file that its survey file does not declare synthetic. Then
every count the helpers put into a table, a chart or a download is checked here: a count
from 1 to 4 respondents is suppressed (so is a percentage that would reveal one), and the
table or chart says so. Respondent-level rows never leave the helpers: charts receive
counts, not respondents. Synthetic data (the book's own, or a file declared synthetic)
are shown in full.
"""

from __future__ import annotations

import math

MIN_COUNT = 5
SUPPRESSED = f"fewer than {MIN_COUNT} respondents (suppressed)"
NOTE = f"counts of 1 to {MIN_COUNT - 1} respondents are suppressed to keep respondents private"

_state = {"private": False}


def configure(private: bool) -> None:
    """Switch the rules on (data that are not synthetic) or off."""
    _state["private"] = bool(private)


def active() -> bool:
    """Whether the data in use are private (not synthetic)."""
    return _state["private"]


def small(count: object) -> bool:
    """Whether a count must be suppressed: private data and 1 to 4 respondents."""
    if not active() or count is None:
        return False
    try:
        value = float(count)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not math.isnan(value) and 0 < value < MIN_COUNT


def hides_percent(count: object, denominator: object) -> bool:
    """Whether a percentage of ``count`` out of ``denominator`` must be suppressed: either
    group (those counted, or the rest) or the denominator holds 1 to 4 respondents."""
    try:
        rest = float(denominator) - float(count)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        rest = None
    return small(count) or small(denominator) or small(rest)


def sentence(what: str, hidden: list[str]) -> str:
    """One sentence saying which parts of a chart or table are suppressed, or ''."""
    if not hidden:
        return ""
    return (
        f" {what} with fewer than {MIN_COUNT} respondents are not shown, to keep respondents "
        f"private: {', '.join(hidden)}."
    )
