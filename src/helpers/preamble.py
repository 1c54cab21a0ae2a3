"""What every chapter does first: parameters, display options, data, glue.

Chapters call :func:`setup` once, :func:`respondents` to get the data their parameters
ask for, and :func:`glue_text` to hand pre-formatted numbers to the prose.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import HTML

from . import figures
from .assumptions import value as assumed
from .dataio import read_respondents
from .synth import generate


class ParameterError(ValueError):
    """A notebook parameter has a value it cannot take."""


def setup() -> None:
    """Chart renderer and theme, and table display options."""
    figures.setup()
    pd.set_option("display.max_colwidth", 400)
    pd.set_option("display.max_rows", 200)


def resolve_seed(seed: int | None) -> int:
    """The seed to use: the canonical one when ``seed`` is None."""
    if seed is None:
        return int(assumed("canonical_seed"))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"parameter 'seed' must be a whole number ≥ 0 or None, not {seed!r}")
    return seed


def respondents(seed: int | None, data_file: str) -> tuple[pd.DataFrame, str]:
    """The respondent data the parameters ask for, and a sentence saying what they are."""
    if data_file:
        path = Path(data_file)
        frame = read_respondents(path)
        return frame, f"the respondent file `{path.name}` ({len(frame):,} respondents)"
    used = resolve_seed(seed)
    canonical = " (the canonical seed)" if used == int(assumed("canonical_seed")) else ""
    frame = generate(used)
    return frame, f"synthetic respondents generated with seed {used}{canonical}"


def table(
    frame: pd.DataFrame,
    columns: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
) -> HTML:
    """A results table for the page: chosen columns renamed for readers, numbers formatted
    (``{"odds_ratio": "{:.2f}"}``), no index."""
    shown = frame.copy()
    for col, fmt in (formats or {}).items():
        shown[col] = [fmt.format(v) if pd.notna(v) else "–" for v in shown[col]]
    if columns:
        shown = shown[list(columns)].rename(columns=columns)
    return HTML(shown.to_html(index=False, border=0, na_rep="–", classes="dataframe"))


def glue_text(**values: str) -> None:
    """Glue pre-formatted strings for the prose (``{glue:text}`name` ``)."""
    from myst_nb import glue

    for name, text in values.items():
        if not isinstance(text, str):
            raise TypeError(f"glue '{name}': pre-format the value as a string")
        glue(name, text, display=False)


def resolve_replications(replications: int) -> int:
    """Check the number of simulated surveys."""
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ParameterError(
            f"parameter 'replications' must be a whole number ≥ 1, not {replications!r}"
        )
    return replications
