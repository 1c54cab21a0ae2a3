"""Results tables: one table, numbered and captioned in the book, plain HTML in JupyterLab.

A :class:`Table` displays as a mime bundle with two views of the same cells:

- ``text/markdown``: a MyST ``{table}`` directive around a pipe table, which the book
  renders as a real table node, so Sphinx numbers it ("Table 3.1"), captions it, and lets
  the prose cross-reference it with ``{numref}`` by its label;
- ``text/html``: the same table with its caption, for JupyterLab and Colab.

The display metadata carries the label and caption, so the build can list every table.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#$~])")
LABEL = re.compile(r"^tbl-[a-z0-9-]+$")


def _escape(text: str) -> str:
    """Cell text as literal Markdown: every character with a Markdown meaning escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


@dataclass(frozen=True)
class Table:
    """A formatted table (every cell already a string) with a caption and a label."""

    frame: pd.DataFrame
    caption: str
    label: str
    code: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not LABEL.match(self.label):
            raise ValueError(
                f"table label {self.label!r}: expected 'tbl-' then lower-case letters, "
                "digits and hyphens"
            )
        if not self.caption.strip():
            raise ValueError(f"table {self.label}: a caption is required")
        for col in self.code:
            if col not in self.frame.columns:
                raise KeyError(f"table {self.label}: no column {col} to show as code")
            if self.frame[col].str.contains("`").any():
                raise ValueError(f"table {self.label}: column {col} holds a backtick")

    def _cell(self, col: str, value: str) -> str:
        """One cell as Markdown: identifiers in code columns as inline code."""
        return f"`{value}`" if col in self.code and value != "–" else _escape(value)

    def _numeric(self) -> list[bool]:
        """Columns whose cells all read as numbers (right-aligned)."""
        number = re.compile(r"^[<>≤≥−–+-]?\s?[\d.,]+(e[+-]?\d+)?%?$|^–$")
        return [
            all(number.match(v) for v in self.frame[col]) and (self.frame[col] != "–").any()
            for col in self.frame.columns
        ]

    def to_markdown(self) -> str:
        """The MyST table directive the book renders."""
        header = "| " + " | ".join(_escape(str(c)) for c in self.frame.columns) + " |"
        rule = "| " + " | ".join("---:" if n else ":---" for n in self._numeric()) + " |"
        rows = [
            "| "
            + " | ".join(self._cell(c, v) for c, v in zip(self.frame.columns, row, strict=True))
            + " |"
            for row in self.frame.itertuples(index=False)
        ]
        return "\n".join(
            [
                f"```{{table}} {_escape(self.caption)}",
                f":name: {self.label}",
                ":class: dataframe",
                "",
                header,
                rule,
                *rows,
                "```",
            ]
        )

    def to_html(self) -> str:
        """The table for notebook front ends, with its caption."""
        cells = self.frame.map(lambda v: html.escape(v, quote=False))
        for col in self.code:
            cells[col] = [f"<code>{v}</code>" if v != "–" else v for v in cells[col]]
        body = cells.to_html(index=False, border=0, classes="dataframe", escape=False)
        caption = f"<caption>{html.escape(self.caption)}</caption>"
        return body.replace(">\n", f">\n{caption}\n", 1)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, str], dict[str, Any]]:
        data = {
            "text/markdown": self.to_markdown(),
            "text/html": self.to_html(),
            "text/plain": f"{self.caption}\n{self.frame.to_string(index=False)}",
        }
        return data, {"table": {"name": self.label, "caption": self.caption}}


def table(
    frame: pd.DataFrame,
    caption: str,
    label: str,
    columns: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
    code: tuple[str, ...] = (),
) -> Table:
    """A results table: chosen columns renamed for readers, numbers formatted
    (``{"odds_ratio": "{:.2f}"}``), missing values shown as "–", no index. Columns named in
    ``code`` (by their shown names) hold identifiers a reader types, such as a data file's
    column names, and show as code."""
    shown = frame.copy()
    for col, fmt in (formats or {}).items():
        shown[col] = [fmt.format(v) if pd.notna(v) else "–" for v in shown[col]]
    if columns:
        missing = [c for c in columns if c not in shown.columns]
        if missing:
            raise KeyError(f"table {label}: no column {', '.join(missing)}")
        shown = shown[list(columns)].rename(columns=columns)
    unformatted = [str(c) for c in shown.columns if pd.api.types.is_float_dtype(shown[c])]
    if unformatted:
        raise TypeError(
            f"table {label}: give a format for the decimal column(s) {', '.join(unformatted)}"
        )
    shown = shown.astype(object).where(shown.notna(), "–").astype(str)
    return Table(shown.reset_index(drop=True), caption, label, tuple(code))
