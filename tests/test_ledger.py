"""The ledger's verdicts: three per odds ratio, rules that depend on what the data are,
models the data cannot estimate, and a tally that never counts what holds by construction.

Some tests feed the ledger a respondent file written here by hand with numpy (not by
helpers.science.synth): covariates drawn independently, the outcome from a logistic model with
the published odds ratios except one term whose true odds ratio is 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from helpers import params
from helpers.chapters import preamble
from helpers.science import codebook, dataio, descriptive, ledger, models, simulation
from helpers.science.spec import terms

NULL_TERM = "role[psychotherapy]"
SOURCE = "a hand-made file"


def handmade_file(
    path: Path,
    *,
    n: int = 4000,
    seed: int = 20,
    null_term: str = NULL_TERM,
    everyone_in: str = "",
) -> Path:
    """Write a respondent CSV that follows the codebook, without helpers.science.synth.

    Countries, roles, settings, age and age at graduation are drawn independently; ICT
    users' contact outside work hours comes from a logistic model with the published odds
    ratios, except ``null_term`` (odds ratio 1). With ``everyone_in`` (a setting), every ICT
    user in that setting had contact outside work hours: a cell that separates perfectly.
    Friend requests are drawn at 30% (the abstract publishes 48%)."""
    rng = np.random.default_rng(seed)
    year, youngest = codebook.survey_year(), codebook.minimum_age_at_graduation()
    cols: dict[str, np.ndarray] = {
        "respondent_id": np.arange(1, n + 1),
        "country": rng.choice(["Canada", "United States", "Israel"], n, p=[0.6, 0.3, 0.1]),
        "role": rng.choice(
            ["psychotherapy", "community_organization", "other"], n, p=[0.3, 0.1, 0.6]
        ),
        "setting": rng.choice(
            codebook.field("setting").enum, n, p=[0.35, 0.15, 0.1, 0.15, 0.15, 0.1]
        ),
        "age": rng.integers(25, 66, n),
        "ict_use": np.where(rng.random(n) < 0.78, "yes", "no"),
        "friend_request": np.where(rng.random(n) < 0.30, "yes", "no"),
    }
    at_graduation = np.minimum(cols["age"], youngest + rng.integers(0, 25, n))
    cols["graduation_year"] = year - cols["age"] + at_graduation
    eta = np.full(n, 0.4)
    for t in terms():
        log_or = 0.0 if t.name == null_term else t.log_odds
        if t.level:
            eta += log_or * (cols[t.variable] == t.level)
        else:
            x = cols[t.variable].astype(float)
            eta += log_or * (x - x.mean())
    contact = rng.random(n) < special.expit(eta)
    if everyone_in:
        contact |= cols["setting"] == everyone_in
    cols["outside_hours"] = np.where(contact, "yes", "no")
    for f in codebook.fields():
        if f.name not in cols:
            cols[f.name] = rng.choice(f.enum, n)
    for f in codebook.fields():
        if f.asked_if:
            gate, answer = f.asked_if
            cols[f.name] = np.where(cols[gate] == answer, cols[f.name], codebook.NOT_ASKED)
    frame = pd.DataFrame({f.name: cols[f.name] for f in codebook.fields()})
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return simulation.summarise(simulation.simulate(40, 3))


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path = handmade_file(tmp_path_factory.mktemp("handmade") / "survey.csv")
    return dataio.read_respondents(path)


def _build(frame: pd.DataFrame, kind: str, expected: pd.DataFrame | None = None) -> pd.DataFrame:
    return ledger.build(frame, models.fit(frame), expected, kind, SOURCE)


def test_a_non_significant_term_in_a_file_made_by_hand_is_not_reproduced(
    handmade: pd.DataFrame, expected: pd.DataFrame
) -> None:
    model = models.fit(handmade)
    table = models.coefficient_table(model).set_index("term")
    assert table.loc[NULL_TERM, "p_value"] > 0.05  # the truth is OR 1: no association
    for kind in ("study", "new_sample"):
        rows = _build(handmade, kind, expected).set_index("id")
        significance = rows.loc["or_psychotherapy.significance"]
        assert significance["verdict"] == ledger.NOT_SIGNIFICANT
        assert significance["basis"] == ledger.FINDING
        assert significance["replicated"].startswith("p = ")
        assert significance["expected"].endswith("%")
        assert "or_psychotherapy.significance" in set(
            ledger.not_reproduced(rows.reset_index())["id"]
        )
        # the other nine published terms are real: their significance claims reproduce
        others = [
            f"{t.claim_id}.significance" for t in terms() if t.claim_id and t.name != NULL_TERM
        ]
        assert (rows.loc[others, "verdict"] == ledger.SIGNIFICANT).sum() >= 8
        # three separate verdicts, one per aspect, for every published odds ratio
        for t in terms():
            if t.claim_id:
                assert rows.loc[t.claim_id, "aspect"] == ledger.ESTIMATE
                assert rows.loc[f"{t.claim_id}.significance", "aspect"] == ledger.SIGNIFICANCE
                assert rows.loc[f"{t.claim_id}.bracket", "aspect"] == ledger.BRACKET


def test_significance_reproduced_counts_in_the_tally_as_a_finding(
    handmade: pd.DataFrame,
) -> None:
    rows = _build(handmade, "study")
    tally = ledger.tally(rows)
    missed = ledger.not_reproduced(rows)
    assert tally["not_reproduced"] == len(missed) > 0
    assert tally["findings"] == tally["reproduced"] + tally["not_reproduced"]
    assert tally["by_construction"] == 0
    sig = ledger.aspect_tally(rows, ledger.SIGNIFICANCE)
    assert sig["claims"] == 10 and sig["judged"] == 10 and sig["positive"] < 10


def test_by_construction_rows_are_never_counted_as_findings(canonical_frame, expected) -> None:
    rows = ledger.build(canonical_frame, models.fit(canonical_frame), expected, "synthetic")
    tally = ledger.tally(rows)
    judged = rows[rows["reported_provenance"] != "assumed"]
    assert tally["by_construction"] == int((judged["basis"] == ledger.BY_CONSTRUCTION).sum()) > 0
    assert tally["findings"] == tally["reproduced"] == tally["not_reproduced"] == 0
    assert ledger.not_reproduced(rows).empty
    # every odds-ratio verdict on synthetic data holds by construction
    ors = rows[rows["aspect"].isin([ledger.ESTIMATE, ledger.SIGNIFICANCE, ledger.BRACKET])]
    published = ors[ors["reported_provenance"] != "assumed"]
    assert (published["basis"] == ledger.BY_CONSTRUCTION).all()
    # the same respondents declared the study's own: the same verdicts become findings
    as_study = ledger.tally(
        ledger.build(canonical_frame, models.fit(canonical_frame), None, "study")
    )
    assert as_study["by_construction"] == 0
    assert as_study["findings"] == tally["by_construction"]


def test_new_sample_judges_each_percentage_by_its_sampling_error(handmade) -> None:
    rows = _build(handmade, "new_sample").set_index("id")
    # 78% drawn, 78% published; 30% drawn, 48% published
    assert rows.loc["ict_use", "verdict"] == ledger.WITHIN_ERROR
    assert rows.loc["friend_request", "verdict"] == ledger.OUTSIDE_ERROR
    assert "95% Wilson CI" in rows.loc["friend_request", "replicated"]
    assert rows.loc["friend_request", "difference"].endswith("points")
    # a new sample has its own size: sample sizes are descriptive, not judged
    assert rows.loc["n_total", "verdict"] == ledger.DESCRIPTIVE_ONLY
    assert rows.loc["n_total", "basis"] == ledger.DESCRIPTIVE
    # the audit's denominators are for the published sample: no rows for them
    assert not any(i.endswith(".denominator") for i in rows.index)
    # the same file as the study's own: counts must match exactly, and they do not
    study = _build(handmade, "study").set_index("id")
    assert study.loc["ict_use", "verdict"] == ledger.DIFFERS


def test_descriptive_verdicts_name_what_does_not_reproduce(canonical_frame, handmade) -> None:
    """The descriptive chapter's verdicts: on the canonical respondents every count
    matches, and the one figure not reproduced as printed is the percent the audit says no
    denominator prints; on a new sample, only figures judged by sampling error can fail."""
    judged = ledger.descriptive_verdicts(canonical_frame, "synthetic")
    applicable = judged[judged["verdict"] != descriptive.NOT_APPLICABLE]
    assert set(applicable["basis"]) == {ledger.BY_CONSTRUCTION}
    assert descriptive.count_matches(applicable).all()
    assert judged.set_index("id").loc["outside_hours", "asked of (audit)"] == "ICT users"
    assert list(ledger.not_reproduced_as_printed(judged)["id"]) == ["search_appropriate"]
    sample = ledger.descriptive_verdicts(handmade, "new_sample")
    missed = ledger.not_reproduced_as_printed(sample)
    assert "friend_request" in set(missed["id"])  # drawn at 30%, published 48%
    assert set(missed["verdict"]) == {ledger.OUTSIDE_ERROR}
    assert not descriptive.count_matches(sample).all()
    other = ledger.descriptive_verdicts(handmade, "other_population")
    assert ledger.not_reproduced_as_printed(other).empty  # descriptive only: never judged


def test_wilson_interval_reaches_the_printed_percent() -> None:
    c = descriptive.claims()["ict_use"]
    assert descriptive.published_range(c) == (77.5, 78.5)
    lo, hi = descriptive.proportion_interval(78, 100)
    assert lo < 78 < hi and hi - lo < 17
    row = {"match": "differs", "n": 7760, "denominator": 10_000}
    assert descriptive.verdict(row, c, "new_sample") == descriptive.WITHIN_ERROR
    assert descriptive.verdict({**row, "n": 7500}, c, "new_sample") == descriptive.OUTSIDE_ERROR
    assert descriptive.verdict({**row, "n": 7500}, c, "other_population") == descriptive.DESCRIPTIVE
    assert descriptive.verdict({**row, "n": 7500}, c, "study") == "differs"


def test_a_class_file_is_descriptive_only() -> None:
    path = params.data_path("data/examples/class_survey.csv")
    frame = dataio.read_respondents(path)
    rows = _build(frame, "other_population")
    judged = rows[rows["reported_provenance"] != "assumed"]
    assert set(judged["basis"]) <= {ledger.DESCRIPTIVE, ledger.NOT_JUDGED}
    tally = ledger.tally(rows)
    assert tally["findings"] == tally["by_construction"] == 0
    assert tally["descriptive"] > 40
    percents = rows[rows["aspect"] == "count and percent"]
    assert "differs" not in set(percents["verdict"])


def test_a_file_of_25_respondents_cannot_estimate_the_model(canonical_frame, tmp_path) -> None:
    from helpers.science import synth

    path = tmp_path / "tiny.csv"
    path.write_text(dataio.to_csv_text(synth.subsample(canonical_frame, 25, 5)), encoding="utf-8")
    frame = dataio.read_respondents(path)
    model = models.fit(frame)
    judged = models.estimability(model)
    assert judged.too_few_events and judged.per_parameter < models.EVENTS_PER_PARAMETER
    assert judged.model_problem.startswith(models.TOO_FEW_EVENTS)
    table = models.coefficient_table(model)
    assert not table["estimable"].any()
    shown = models.for_readers(table)
    assert shown["odds_ratio"].isna().all() and shown["ci_high"].isna().all()
    rows = _build(frame, "study")
    ors = rows[rows["aspect"].isin([ledger.ESTIMATE, ledger.SIGNIFICANCE, ledger.BRACKET])]
    ors = ors[ors["reported_provenance"] != "assumed"]
    assert ors["verdict"].str.startswith("not estimable").all()
    assert (ors["basis"] == ledger.NOT_JUDGED).all()
    assert ledger.COVERS not in set(rows["verdict"])
    assert ledger.tally(rows)["not_estimable"] == len(ors)


def test_a_group_that_separates_perfectly_gets_its_own_verdict(tmp_path) -> None:
    path = handmade_file(tmp_path / "separated.csv", everyone_in="school")
    frame = dataio.read_respondents(path)
    model = models.fit(frame)
    judged = models.estimability(model)
    assert not judged.too_few_events
    assert "setting[school]" in judged.separated
    assert "had contact outside work hours" in judged.separated["setting[school]"]
    rows = _build(frame, "study").set_index("id")
    for suffix in ("", ".significance", ".bracket"):
        assert rows.loc[f"or_school{suffix}", "verdict"] == ledger.NOT_ESTIMABLE_SEPARATION
    assert rows.loc["or_hospital", "verdict"] in (ledger.COVERS, ledger.MISSES)
    assert ledger.not_estimable_terms(rows.reset_index()) == [
        t.label for t in terms() if t.claim_id == "or_school"
    ]


def test_replicated_values_carry_their_data_source(canonical_frame, expected) -> None:
    source = preamble.data_source(None, "", "synthetic")
    assert source.startswith("synthetic respondents")
    rows = ledger.build(canonical_frame, models.fit(canonical_frame), expected, "synthetic", source)
    assert "provenance" not in rows.columns
    assert {"reported_provenance", "data_source"} <= set(rows.columns)
    replicated = rows[rows["replicated"] != ledger.NOT_APPLICABLE]
    assert (replicated["data_source"] == source).all()
    with_ci = rows[rows["replicated"].str.contains("Wald CI|p [=<]", regex=True)]
    assert len(with_ci) >= 30 and (with_ci["data_source"] == source).all()
    assert set(rows["reported_provenance"]) == {"published", "derived", "assumed"}
    brackets = rows[rows["aspect"] == ledger.BRACKET]
    assert (brackets["reported_provenance"] == "derived").all()


def test_odds_ratio_view_names_terms_for_readers(canonical_frame, expected) -> None:
    rows = ledger.build(canonical_frame, models.fit(canonical_frame), expected, "synthetic")
    view = ledger.odds_ratio_view(rows)
    assert len(view) == 10
    assert "Private practice (vs social service agency)" in set(view["term"])
    assert not view["term"].str.contains(r"\[").any()
    assert view["significance"].str.contains("expected").all()


@pytest.mark.parametrize(
    ("data_file", "kind", "message"),
    [
        ("data/examples/class_survey.csv", None, "needs its kind declared"),
        ("", "study", "no data_file is given"),
        ("", "class", "parameter 'data_kind' must be one of synthetic, study"),
    ],
)
def test_data_kind_must_fit_the_data_file(data_file: str, kind: str | None, message: str) -> None:
    with pytest.raises(params.ParameterError, match=message):
        params.check_file({"data_file": data_file, "data_kind": kind})


def test_data_kind_resolves() -> None:
    assert preamble.resolve_data_kind("", None) == "synthetic"
    assert preamble.resolve_data_kind("data/examples/class_survey.csv", "other_population") == (
        "other_population"
    )
    assert preamble.data_source(None, "data/examples/class_survey.csv", "other_population") == (
        "class_survey.csv (a different population)"
    )


def test_count_phrases_agree_in_number() -> None:
    assert preamble.count_phrase(1, "does not", "do not") == "1 does not"
    assert preamble.count_phrase(2, "does not", "do not") == "2 do not"
    assert preamble.count_phrase(1_234, "is", "are") == "1,234 are"
