"""Results tables: numbered and captioned in the book (MyST), plain HTML in JupyterLab."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.chapters.tables import Table, table


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": ["country[Israel]", "age_*|_x"],
            "odds_ratio": [5.9612, 1.0],
            "p": ["p < .001", "n/a"],
            "n": pd.array([4053, None], dtype="Int64"),
        }
    )


def test_markdown_is_a_numbered_table_directive() -> None:
    shown = table(_frame(), "Odds ratios: a test", "tbl-test", formats={"odds_ratio": "{:.2f}"})
    lines = shown.to_markdown().splitlines()
    assert lines[0] == "```{table} Odds ratios: a test"
    assert lines[1] == ":name: tbl-test"
    assert lines[-1] == "```"
    assert lines[4] == "| term | odds\\_ratio | p | n |"
    assert lines[5] == "| :--- | ---: | :--- | ---: |"  # numbers right-aligned
    assert lines[6] == "| country\\[Israel\\] | 5.96 | p \\< .001 | 4053 |"
    # Markdown's special characters are literal, and a missing value shows as a dash
    assert lines[7] == "| age\\_\\*\\|\\_x | 1.00 | n/a | – |"


def test_html_and_plain_views_carry_the_caption() -> None:
    data, meta = table(
        _frame(), "Caption here", "tbl-x", formats={"odds_ratio": "{:.2f}"}
    )._repr_mimebundle_()
    assert "<caption>Caption here</caption>" in data["text/html"]
    assert data["text/plain"].startswith("Caption here\n")
    assert meta == {"table": {"name": "tbl-x", "caption": "Caption here"}}


def test_columns_are_chosen_and_renamed() -> None:
    shown = table(_frame(), "c", "tbl-x", columns={"term": "Term", "p": "p-value"})
    assert list(shown.frame.columns) == ["Term", "p-value"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"label": "Regression"}, ValueError, "table label 'Regression'"),
        ({"caption": "  "}, ValueError, "a caption is required"),
        ({"columns": {"nope": "x"}}, KeyError, "no column nope"),
        ({"formats": {}}, TypeError, "give a format for the decimal column(s) odds_ratio"),
    ],
)
def test_bad_tables_say_what_is_wrong(kwargs: dict, error: type, message: str) -> None:
    args = {"caption": "c", "label": "tbl-x", "formats": {"odds_ratio": "{:.2f}"}} | kwargs
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        table(_frame(), **args)


def test_table_is_immutable() -> None:
    shown = table(_frame(), "c", "tbl-x", formats={"odds_ratio": "{:.2f}"})
    assert isinstance(shown, Table)
    with pytest.raises(AttributeError):
        shown.label = "tbl-y"  # type: ignore[misc]


def test_identifier_columns_show_as_code() -> None:
    frame = pd.DataFrame(
        {"question": ["Graduation year", "Age"], "column": ["graduation_year", "–"]}
    )
    shown = table(frame, "Codebook", "tbl-code", code=("column",))
    assert shown.to_markdown().splitlines()[6] == "| Graduation year | `graduation_year` |"
    html = shown.to_html()
    assert "<td><code>graduation_year</code></td>" in html
    assert "<td>–</td>" in html  # a missing value is no identifier
    with pytest.raises(KeyError, match="tbl-code: no column nope to show as code"):
        table(frame, "Codebook", "tbl-code", code=("nope",))
    with pytest.raises(ValueError, match="backtick"):
        table(frame.assign(column=["a`b", "c"]), "Codebook", "tbl-code", code=("column",))
