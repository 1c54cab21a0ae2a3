"""Parameter sets: variant books differ where they should; bad parameters fail at once."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers import params
from helpers.science import registry
from helpers.tools import build
from support import ROOT, tree_hash

PARAMS = ROOT / "notebooks" / "params"


@pytest.fixture(scope="module")
def canonical() -> Path:
    return build.build(PARAMS / "canonical.yaml")


@pytest.fixture(scope="module")
def variants(canonical: Path) -> dict[str, Path]:
    before = tree_hash(canonical)
    built = {name: build.build(PARAMS / f"{name}.yaml") for name in ("israel", "own-data")}
    assert tree_hash(canonical) == before, "a variant build changed the canonical site"
    return built


def test_variants_build_into_their_own_folders(variants: dict[str, Path]) -> None:
    for name, site in variants.items():
        assert site == ROOT / "_build" / name / "html"
        assert (site / "notebooks" / "06_ledger.html").is_file()


def test_israel_variant_has_israel_numbers(variants: dict[str, Path], canonical: Path) -> None:
    ledger = pd.read_csv(variants["israel"] / "ledger.csv").set_index("id")
    full = pd.read_csv(canonical / "ledger.csv").set_index("id")
    # whole-sample and other-country claims do not apply to Israel alone
    for claim_id in ("n_total", "n_canada", "ict_use", "ict_use_canada", "outside_hours"):
        assert ledger.loc[claim_id, "verdict"] == "not applicable", claim_id
    assert ledger.loc["n_israel", "verdict"] == "exact"
    assert ledger.loc["ict_use_israel", "verdict"] == "exact"
    assert ledger.loc["ict_use_israel", "basis"] == "by construction"
    # the country contrasts cannot be estimated from one country
    assert ledger.loc["or_israel", "replicated"] == "not estimable in these data"
    assert ledger.loc["or_hospital", "replicated"] != full.loc["or_hospital", "replicated"]
    page = (variants["israel"] / "notebooks" / "03_regression.html").read_text(encoding="utf-8")
    assert "only one country (Israel) in these data" in page
    assert "countries = Israel" in page


def test_own_data_variant_reads_the_file(variants: dict[str, Path]) -> None:
    ledger = pd.read_csv(variants["own-data"] / "ledger.csv").set_index("id")
    # the class file is declared a different population: every comparison is descriptive
    assert ledger.loc["n_total", "verdict"] == "descriptive only"
    assert ledger.loc["n_total", "replicated"] == "n = 600"
    assert set(ledger["basis"]) <= {"descriptive only", "not judged"}
    assert (ledger["data_source"].dropna() == "class_survey.csv (a different population)").all()
    page = (variants["own-data"] / "notebooks" / "01_data.html").read_text(encoding="utf-8")
    assert "class_survey.csv" in page


def test_injected_parameters_are_hidden_and_stated(variants: dict[str, Path]) -> None:
    page = (variants["israel"] / "notebooks" / "02_descriptive.html").read_text(encoding="utf-8")
    assert "Parameters" in page
    # the injected cell is kept for Thebe, but hidden like every plumbing cell
    injected = re.search(r'<div class="cell ([^"]*)tag_injected-parameters([^"]*)"', page)
    assert injected and "tag_plumbing" in injected.group(0)
    css = (variants["israel"] / "_static" / "book.css").read_text(encoding="utf-8")
    assert "div.cell.tag_plumbing { display: none; }" in css


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "countries: [France]\n",
            "parameter 'countries': unknown 'France'; allowed values: Canada",
        ),
        ("replications: -5\n", "parameter 'replications' must be a whole number ≥ 1"),
        ("data_file: nowhere.csv\n", "parameter 'data_file': no file"),
        ("colour: blue\n", "unknown parameter 'colour'; the book takes seed"),
        ("seed: -1\n", "parameter 'seed' must be a whole number ≥ 0"),
        ("countries: []\n", "parameter 'countries' must be a non-empty list"),
        ("data_kind: class\n", "parameter 'data_kind' must be one of synthetic, study"),
        (
            "data_file: data/examples/class_survey.csv\n",
            "parameter 'data_kind': the data file data/examples/class_survey.csv needs its kind",
        ),
        ("- just\n- a list\n", "expected 'name: value' lines"),
    ],
)
def test_bad_parameters_fail_at_once(tmp_path: Path, text: str, message: str, capsys) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert build.main(["--params", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err and str(path) in err and "Traceback" not in err
    assert not (ROOT / "_build" / "bad").exists()


def test_missing_parameters_file(capsys) -> None:
    assert build.main(["--params", "notebooks/params/nope.yaml"]) == 1
    assert "parameters file not found" in capsys.readouterr().err


def test_every_shipped_parameter_file_is_valid() -> None:
    import yaml

    for path in PARAMS.glob("*.yaml"):
        params.check_file(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert {p.stem for p in PARAMS.glob("*.yaml")} >= {
        "canonical",
        "canada",
        "usa",
        "israel",
        "seed-7",
        "own-data",
    }
    assert registry.country_sizes()


def _parameters_cell(path: Path) -> dict[str, object]:
    """The names and values a chapter's ``parameters`` cell assigns."""
    import ast
    import json

    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    (cell,) = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    tree = ast.parse("".join(cell["source"]))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
    }


@pytest.mark.parametrize(
    "path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem
)
def test_every_parameters_cell_holds_the_one_set_of_defaults(path: Path) -> None:
    cell = _parameters_cell(path)
    defaults = params.defaults()
    assert cell, f"{path.name} declares no parameter"
    assert {name: defaults[name] for name in cell} == cell, path.name


def test_canonical_parameters_and_command_line_are_the_defaults() -> None:
    import yaml

    from helpers.__main__ import parser

    canonical = yaml.safe_load((PARAMS / "canonical.yaml").read_text(encoding="utf-8"))
    assert canonical == params.defaults()
    simulate = parser().parse_args(["simulate", "--out", "x.csv"])
    assert simulate.replications == params.defaults()["replications"]
    assert simulate.seed == params.canonical_seed()
    assert parser().parse_args(["synth", "--out", "x.csv"]).seed == params.canonical_seed()
