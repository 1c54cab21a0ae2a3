"""The robustness chapter's machinery: specifications, fits, intervals and diagnostics."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import optimize, special, stats

from helpers.chapters import preamble
from helpers.science import dataio, diagnostics, models, robustness, synth
from helpers.science.robustness import DIMENSIONS, Spec
from helpers.science.spec import references
from helpers.tools import build
from support import ROOT


@pytest.fixture(scope="module")
def data(canonical_frame: pd.DataFrame) -> robustness.Data:
    return robustness.prepare(canonical_frame, 2017)


@pytest.fixture(scope="module")
def estimates(data: robustness.Data) -> pd.DataFrame:
    return robustness.fit_all(data)


def _write(frame: pd.DataFrame, path: Path) -> Path:
    dataio.write_atomic(path, dataio.to_csv_text(frame))
    return path


def _class_survey() -> pd.DataFrame:
    return dataio.read_respondents(ROOT / "data" / "examples" / "class_survey.csv")


def test_number_of_specifications_is_the_product_of_the_choices(data, estimates) -> None:
    # synthetic respondents lack no covariate: one level for missing covariates
    assert data.levels["missing"] == ("complete",)
    assert data.levels["role"] == ("two", "psychotherapy")
    assert data.levels["age"] == ("both", "age", "graduation", "spline")
    assert data.levels["setting"] == ("agency", "pooled")
    expected = 2 * 4 * 2 * 1 * (2 if data.large_settings else 1)
    assert len(data.specifications()) == expected
    assert estimates["spec"].nunique() == expected
    assert robustness.count_text(data).endswith(f"= {expected}")
    assert len(set(data.specifications())) == expected  # no specification twice


def test_missing_covariates_double_the_specifications(tmp_path: Path) -> None:
    frame = _class_survey()
    rng = np.random.default_rng(5)
    holes = rng.random(len(frame)) < 0.12
    frame.loc[holes, "setting"] = pd.NA
    frame.loc[rng.random(len(frame)) < 0.1, "age"] = pd.NA
    read = dataio.read_respondents(_write(frame, tmp_path / "holes.csv"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no draw from an invalid covariance
        data = robustness.prepare(read, 3, imputations=4)
    assert data.levels["missing"] == ("complete", "imputed")
    # no Israeli respondent reported community healthcare: the setting's imputation model
    # meets perfect prediction, yet (with its weak prior) imputes few settings into a
    # country where nobody reported them (some, as a posterior should), and each large
    # country's imputed settings track its observed ones (total variation distance, over
    # the imputed data sets)
    missing = data.rows["setting"].isna()
    answered = data.rows.loc[~missing]
    seen = set(zip(answered["country"], answered["setting"], strict=True))
    imputed = pd.concat([copy.loc[missing, ["country", "setting"]] for copy in data.imputed])
    unseen = [pair not in seen for pair in zip(imputed["country"], imputed["setting"], strict=True)]
    assert np.mean(unseen) < 0.1
    for country, group in imputed.groupby("country"):
        if len(group) < 40:
            continue
        observed = answered.loc[answered["country"] == country, "setting"]
        shares = group["setting"].value_counts(normalize=True)
        gap = shares.sub(observed.value_counts(normalize=True), fill_value=0).abs().sum() / 2
        assert gap < 0.2, (country, gap)
    complete_only = replace(data, levels={**data.levels, "missing": ("complete",)})
    assert len(data.specifications()) == 2 * len(complete_only.specifications())
    # every imputed copy is complete, keeps the observed values, and uses known levels only
    observed = data.rows.dropna(subset=["setting"]).index
    for copy in data.imputed:
        assert not copy[list(data.available)].isna().any().any()
        assert (copy.loc[observed, "setting"] == data.rows.loc[observed, "setting"]).all()
        assert set(copy["setting"]) <= set(data.rows["setting"].dropna())
    # the same seed gives the same imputations
    again = robustness.prepare(read, 3, imputations=4)
    assert all(a.equals(b) for a, b in zip(data.imputed, again.imputed, strict=True))
    est = robustness.fit_all(data)
    index = ["term", "role", "age", "setting", "country"]
    both = est.pivot_table(index=index, columns="missing", values="log_or")
    se = est.pivot_table(index=index, columns="missing", values="se")["complete"]
    # imputation and complete cases estimate the same quantities on data missing at random:
    # they differ by less than 1.25 of the complete cases' standard errors (the difference's
    # own spread is about 0.4 of them)
    assert ((both["imputed"] - both["complete"]).abs() / se).max() < 1.25


def test_formula_and_coding_are_what_each_label_says(data) -> None:
    for spec in data.specifications():
        terms = robustness.formula_terms(spec, data)
        coded, refs = data.coded(spec)
        y, X = robustness.design(spec, data)
        columns = list(X.columns)
        role_columns = [c for c in columns if c.startswith("C(role")]
        if spec.role == "two":
            assert {models.term_name(c) for c in role_columns} == {
                "role[psychotherapy]",
                "role[community_organization]",
            }
        else:
            assert [models.term_name(c) for c in role_columns] == ["role[psychotherapy]"]
            assert "community_organization" not in set(coded["role"])
        continuous = {t for t in terms if t in ("age", "graduation_year") or t.startswith("bs(")}
        assert (
            continuous
            == {
                "both": {"graduation_year", "age"},
                "age": {"age"},
                "graduation": {"graduation_year"},
                "spline": {"graduation_year", "bs(age, df=4)"},
            }[spec.age]
        )
        setting_columns = {models.term_name(c) for c in columns if c.startswith("C(setting")}
        if spec.setting == "agency":
            assert f"Treatment('{references()['setting']}')" in " ".join(terms)
            assert "setting[other]" in setting_columns
        else:
            assert refs["setting"] == robustness.POOLED
            assert "setting[other]" not in setting_columns
            named = {"private_practice", "school", "hospital", "community_healthcare"}
            assert set(coded["setting"]) == named | {robustness.POOLED}
        interactions = [t for t in terms if ":center(" in t]
        if spec.country == "fixed":
            assert not interactions
        else:
            countries = set(coded["country"]) - {references()["country"]}
            assert len(interactions) == len(data.large_settings) * len(countries)
        assert len(y) == len(X) == len(data.complete)
        label = spec.label
        for d in DIMENSIONS:
            assert d.level_label(getattr(spec, d.key)) in label


@pytest.mark.parametrize(
    "spec",
    [
        Spec(),
        Spec(role="psychotherapy", setting="pooled"),
        Spec(age="spline", country="interaction"),
        Spec(age="graduation"),
    ],
    ids=lambda s: s.key,
)
def test_fast_fits_equal_statsmodels_formula_fits(data, spec: Spec) -> None:
    if spec.country == "interaction" and not data.large_settings:
        pytest.skip("no setting is large enough in every country for the interaction")
    coded, _ = data.coded(spec)
    reference = smf.logit(robustness.formula(spec, data), coded).fit(disp=0)
    y, X = robustness.design(spec, data)
    fit = robustness.newton(y, X)
    assert np.allclose(fit.params[reference.params.index], reference.params, rtol=1e-7, atol=1e-9)
    assert np.allclose(fit.bse[reference.params.index], reference.bse, rtol=1e-6)
    assert fit.llf == pytest.approx(reference.llf, rel=1e-10)


def test_published_specification_is_the_published_model(canonical_frame, estimates) -> None:
    table = models.coefficient_table(models.fit(canonical_frame)).set_index("term")
    published = estimates[estimates["spec"] == Spec().key].set_index("term")
    assert len(published) == 10
    for term, row in published.iterrows():
        assert row["odds_ratio"] == pytest.approx(table.loc[term, "odds_ratio"], rel=1e-8)
        # p-values far below .001 move a lot with the last digits of z: compare loosely
        assert row["p_value"] == pytest.approx(table.loc[term, "p_value"], rel=1e-4)


def test_the_matching_specification_recovers_known_odds_ratios() -> None:
    """Synthetic respondents are generated with the published odds ratios: the published
    specification's 95% intervals cover them about 95% of the time."""
    truth = {t.name: t.log_odds for t in robustness.published_terms()}
    covered = []
    for seed in range(6):
        data = robustness.prepare(synth.generate(seed), seed)
        published_only = {k: levels[:1] for k, levels in data.levels.items()}
        est = robustness.fit_all(replace(data, levels=published_only))
        published = est[est["spec"] == Spec().key]
        assert set(published["term"]) == set(truth)
        covered += [
            bool(r.ci_low <= np.exp(truth[r.term]) <= r.ci_high) for r in published.itertuples()
        ]
    # 60 intervals at 95%: fewer than 52 covered has probability below 0.2%
    assert sum(covered) >= 52, f"{sum(covered)} of {len(covered)} intervals cover the truth"


def test_a_file_lacking_a_covariate_gets_a_note(tmp_path: Path) -> None:
    frame = _class_survey()
    frame["age"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    data = robustness.prepare(dataio.read_respondents(_write(frame, tmp_path / "no_age.csv")), 1)
    assert any("Age is absent from these data" in note for note in data.notes)
    assert any("Age is absent" in note for note in data.choice_notes["age"])
    choices = robustness.choices_table(data).set_index("choice")
    assert "Age is absent" in choices.loc["Age and graduation year", "on these data"]
    assert data.levels["age"] == ("graduation",)
    est = robustness.fit_all(data)
    assert "age" not in set(est["term"]) and "graduation_year" in set(est["term"])
    assert robustness.reexpress(data) is None
    assert diagnostics.functional_form(data, "age") is None
    assert len(robustness.wald_and_profile(data)) == est["term"].nunique()
    summary = robustness.term_summary(est).set_index("term")
    assert summary.loc["age", "specifications"] == 0


def test_a_file_without_roles_or_settings_still_runs(tmp_path: Path) -> None:
    frame = _class_survey()
    frame["role"] = pd.array([pd.NA] * len(frame), dtype="string")
    frame["setting"] = pd.array([pd.NA] * len(frame), dtype="string")
    data = robustness.prepare(dataio.read_respondents(_write(frame, tmp_path / "bare.csv")), 1)
    assert data.levels["role"] == data.levels["setting"] == (robustness.ABSENT,)
    assert data.levels["country"] in (("fixed",), (robustness.ABSENT,))
    notes = " ".join(data.notes)
    assert "Role is absent from these data" in notes
    assert "Practice setting is absent from these data" in notes
    assert data.choice_notes["role"] and data.choice_notes["setting"]
    est = robustness.fit_all(data)
    assert not {t for t in est["term"] if t.startswith(("role", "setting"))}


@pytest.mark.slow
def test_chapter_runs_on_a_file_lacking_a_covariate(tmp_path: Path) -> None:
    import papermill

    from helpers.tools.build import KERNEL_CONFIG, PAPERMILL_OPTIONS

    frame = _class_survey()
    frame["graduation_year"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame.loc[frame.index[::9], "setting"] = pd.NA
    path = _write(frame, tmp_path / "no_graduation.csv")
    expected = len(robustness.prepare(dataio.read_respondents(path), 1).specifications())
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "04_robustness.ipynb"),
        str(out),
        parameters={"data_file": str(path)},
        cwd=str(ROOT / "notebooks"),
        config=KERNEL_CONFIG,
        **PAPERMILL_OPTIONS,
    )
    text = out.read_text(encoding="utf-8")
    assert "Graduation year is absent from these data" in text
    assert "multiple imputation" in text and "Traceback" not in text
    glued = {
        o["metadata"]["scrapbook"]["name"]: o["data"]
        for c in json.loads(text)["cells"]
        for o in c.get("outputs", [])
        if "scrapbook" in o.get("metadata", {})
    }
    assert glued["n_specs"]["application/papermill.record/text/plain"] == f"'{expected}'"


def test_diagnostics_show_a_poorly_calibrated_file(tmp_path: Path, canonical_frame) -> None:
    """An outcome that rises and falls with age cannot be fitted by a straight line in age:
    the calibration test and the functional-form test both flag it."""
    frame = canonical_frame.copy()
    answered = frame["outside_hours"].notna()
    age = frame.loc[answered, "age"].astype(float).to_numpy()
    prob = special.expit(2.5 - 0.012 * (age - 45) ** 2)
    draws = np.random.default_rng(11).random(answered.sum()) < prob
    frame.loc[answered, "outside_hours"] = np.where(draws, "yes", "no")
    poor = robustness.prepare(dataio.read_respondents(_write(frame, tmp_path / "u.csv")), 1)
    fit, X, rows, _ = diagnostics.published_fit(poor)
    table = diagnostics.calibration(rows["y"].to_numpy(), diagnostics.predicted(fit, X))
    assert diagnostics.hosmer_lemeshow(table)[2] < 0.001
    assert diagnostics.functional_form(poor, "age")["p"] < 0.001
    assert (table["observed"] - table["predicted"]).abs().max() > 0.1
    # the canonical data, generated from the published model, show no such sign
    good = robustness.prepare(canonical_frame, 1)
    fit, X, rows, _ = diagnostics.published_fit(good)
    table = diagnostics.calibration(rows["y"].to_numpy(), diagnostics.predicted(fit, X))
    assert diagnostics.hosmer_lemeshow(table)[2] > 0.001
    assert len(table) == 10 and table["n"].sum() == len(rows)


def test_separation_is_reported_and_the_group_set_aside(tmp_path: Path) -> None:
    frame = _class_survey()
    # a community-organisation group large enough to estimate (30 who answered), all "yes"
    answered = frame["outside_hours"].isin(["yes", "no"]) & frame["role"].notna()
    frame.loc[frame.index[answered][:30], "role"] = "community_organization"
    community = frame["role"].eq("community_organization").fillna(False)
    frame.loc[community & frame["outside_hours"].notna(), "outside_hours"] = "yes"
    data = robustness.prepare(dataio.read_respondents(_write(frame, tmp_path / "sep.csv")), 1)
    assert any("perfect separation" in note for note in data.notes)
    assert "community_organization" not in set(data.rows["role"])
    assert data.levels["role"] == ("psychotherapy",)
    cells = diagnostics.separated_cells(robustness.prepare(frame, 1))
    assert any(
        re.fullmatch(r"Community organization/development \(role; \d+ respondents, all yes\)", c)
        for c in cells
    )


def test_separated_cells_are_named_as_a_reader_would(data) -> None:
    """Country × setting cells by country and setting, with how many answered and how."""
    cells = diagnostics.separated_cells(data)
    assert cells, "the canonical respondents have small cells that separate"
    pattern = r"[A-Z][\w ]+, [a-z/ ]+ \((1 respondent, (yes|no)|\d+ respondents, all (yes|no))\)"
    for cell in cells:
        assert re.fullmatch(pattern, cell), cell


def test_each_restricted_choice_says_why_on_its_row(data) -> None:
    """A choice that runs fewer levels than it has carries its reason in the choices
    table; on the canonical respondents only the missing-covariates choice is restricted
    (no respondent lacks a covariate)."""
    table = robustness.choices_table(data).set_index("choice")
    for d in DIMENSIONS:
        if len(data.levels[d.key]) < len(d.levels):
            assert table.loc[d.label, "on these data"] != "–", d.key
    assert robustness.limited_choices(data) == 1
    assert "nothing to impute" in table.loc["Missing covariates", "on these data"]
    assert (table.drop(index="Missing covariates")["on these data"] == "–").all()


def _summary(shares: list[float], or_min: list[float], or_max: list[float]) -> pd.DataFrame:
    labels = [chr(ord("A") + i) for i in range(len(shares))]
    return pd.DataFrame(
        {
            "label": labels,
            "specifications": [0 if np.isnan(lo) else 4 for lo in or_min],
            "or_min": or_min,
            "or_max": or_max,
            "reproduce_share": shares,
        }
    )


def test_terms_are_split_by_how_often_their_claim_holds() -> None:
    summary = _summary(
        [1.0, 0.5, 0.0, 0.0, np.nan], [1.0, 1.0, 2.0, 0.5, np.nan], [2.0, 3.0, 2.0, 1.0, np.nan]
    )
    holds = robustness.holding(summary)
    assert list(holds.estimated["label"]) == ["A", "B", "C", "D"]  # E: never estimated
    assert list(holds.always["label"]) == ["A"]
    assert list(holds.sometimes["label"]) == ["B"]
    assert list(holds.never["label"]) == ["C", "D"]
    # the curve opens on the least robust claim, and among those on the one that moves most
    assert robustness.default_term(summary) == "D"
    assert holds.estimated.set_index("label").loc["D", "ratio"] == 2.0
    nothing = _summary([np.nan, np.nan], [np.nan, np.nan], [np.nan, np.nan])
    assert robustness.default_term(nothing) == "A"


def test_largest_gap_between_wald_and_profile_intervals() -> None:
    profile = pd.DataFrame(
        {
            "label": ["A", "B", "C"],
            "ci_low": [1.0, 2.0, 0.5],
            "ci_high": [2.0, 4.0, 1.0],
            "profile_low": [1.05, 2.0, np.nan],  # C separates: no profile interval
            "profile_high": [2.0, 3.0, np.nan],
        }
    )
    widest = robustness.largest_interval_gap(profile)
    assert widest["label"] == "B" and widest["gap"] == pytest.approx(0.25)
    assert robustness.largest_interval_gap(profile.iloc[[2]]) is None


def test_largest_change_and_lost_estimates_without_influential_respondents() -> None:
    moved = pd.DataFrame(
        {
            "label": ["A", "B", "C"],
            "with": [1.0, 2.0, 3.0],
            "without": [1.1, 1.5, np.nan],
        }
    ).assign(change=lambda m: m["without"] / m["with"] - 1)
    largest = diagnostics.largest_change(moved)
    assert largest["label"] == "B" and largest["size"] == pytest.approx(0.25)
    assert diagnostics.lost_estimates(moved) == ["C"]
    assert diagnostics.largest_change(moved.iloc[[2]]) is None
    assert diagnostics.lost_estimates(moved.iloc[:2]) == []


def test_functional_form_curves_for_the_chart(data) -> None:
    shapes = {"age": diagnostics.functional_form(data, "age"), "graduation_year": None}
    form = diagnostics.form_curves(shapes)
    assert set(form["label"]) == {"Age"}
    assert len(form) == diagnostics.POINTS
    assert diagnostics.form_curves({"age": None}).empty


def test_tests_counts_and_lists_as_the_book_prints_them() -> None:
    assert preamble.p_text(0.0004) == "p < .001"
    assert preamble.p_text(0.6744) == "p = 0.674"
    assert preamble.chi2_text(1234.56, 8, 0.2) == "χ² = 1,234.6 on 8 degrees of freedom, p = 0.200"
    assert preamble.listing(["a", "b"]) == "a; b"
    assert preamble.listing([]) == "none"
    assert preamble.listing(iter(()), "nothing") == "nothing"
    assert [preamble.number_word(n) for n in (0, 2, 9, 10, 1234)] == [
        "no",
        "two",
        "nine",
        "10",
        "1,234",
    ]


def test_profile_interval_of_a_two_by_two_table() -> None:
    """Profile-likelihood interval of a log odds ratio, checked against an independent
    computation: the intercept profiled out by solving its score equation, the ends found
    where the deviance rises by the 95% point of chi-squared(1)."""
    (k0, n0), (k1, n1) = (5, 20), (12, 20)
    y = np.r_[np.ones(k0), np.zeros(n0 - k0), np.ones(k1), np.zeros(n1 - k1)]
    X = pd.DataFrame({"Intercept": 1.0, "x": np.r_[np.zeros(n0), np.ones(n1)]})
    lo, hi = robustness.profile_interval(y, X, "x")

    def loglik(alpha: float, beta: float) -> float:
        return (
            k0 * alpha
            - n0 * np.logaddexp(0, alpha)
            + k1 * (alpha + beta)
            - n1 * np.logaddexp(0, alpha + beta)
        )

    def profile(beta: float) -> float:
        score = lambda a: k0 - n0 * special.expit(a) + k1 - n1 * special.expit(a + beta)  # noqa: E731
        return loglik(optimize.brentq(score, -30, 30), beta)

    beta_hat = np.log(k1 * (n0 - k0) / ((n1 - k1) * k0))  # the sample odds ratio
    top = profile(beta_hat)
    crit = stats.chi2.ppf(0.95, 1)
    rise = lambda b: 2 * (top - profile(b)) - crit  # noqa: E731
    assert lo == pytest.approx(optimize.brentq(rise, beta_hat - 5, beta_hat), abs=1e-7)
    assert hi == pytest.approx(optimize.brentq(rise, beta_hat, beta_hat + 5), abs=1e-7)
    fit = robustness.newton(y, X)
    assert fit.params["x"] == pytest.approx(beta_hat, rel=1e-9)
    # with 40 respondents the likelihood is skewed: the profile interval is not the Wald one
    wald = (beta_hat - 1.959964 * fit.bse["x"], beta_hat + 1.959964 * fit.bse["x"])
    assert abs(lo - wald[0]) > 0.01 and abs(hi - wald[1]) > 0.01


def test_separation_gives_no_estimate_and_no_crash() -> None:
    y = np.r_[np.ones(10), np.zeros(10), np.ones(10)]
    X = pd.DataFrame({"Intercept": 1.0, "x": np.r_[np.zeros(20), np.ones(10)]})
    assert robustness.newton(y, X).separated
    assert np.isnan(robustness.profile_interval(y, X, "x")).all()


def test_newton_equals_statsmodels_logit(data) -> None:
    y, X = robustness.design(Spec(), data)
    fit = robustness.newton(y, X)
    reference = sm.Logit(y, X).fit(disp=0)
    assert np.allclose(fit.params, reference.params, rtol=1e-8)
    assert np.allclose(fit.bse, reference.bse, rtol=1e-6)
    assert fit.converged and not fit.separated


def test_cooks_distance_equals_statsmodels(data) -> None:
    fit, X, rows, _ = diagnostics.published_fit(data)
    glm = sm.GLM(rows["y"].to_numpy(float), X, family=sm.families.Binomial()).fit()
    expected = glm.get_influence().cooks_distance[0]
    ours = diagnostics.cooks_distance(data).sort_index().to_numpy()
    assert np.allclose(ours, expected, rtol=1e-6)


def test_influential_respondents_are_described_without_ids(data) -> None:
    table = diagnostics.influential(data, diagnostics.cooks_distance(data))
    assert list(table["rank"]) == [1, 2, 3, 4, 5]
    assert "respondent_id" not in table.columns
    assert table["age"].str.fullmatch(r"\d+–\d+").all()
    assert table["cooks_distance"].is_monotonic_decreasing


def test_reexpression_is_the_same_fit(data) -> None:
    again = robustness.reexpress(data)
    assert again is not None and again.same_fit
    fit = again.published.params
    ors = again.odds_ratios()
    assert ors["age_at_graduation"] == pytest.approx(np.exp(fit["age"]), rel=1e-7)
    assert ors["years_since_graduation"] == pytest.approx(
        np.exp(fit["age"] - fit["graduation_year"]), rel=1e-7
    )


def test_term_summary_and_curve_name_terms_as_readers_do(estimates) -> None:
    summary = robustness.term_summary(estimates)
    assert not summary["label"].str.contains(r"\[|C\(", regex=True).any()
    assert summary["reproduce_share"].between(0, 1).all()
    curve, panel = robustness.curve_data(estimates)
    assert not curve["label"].str.contains(r"\[", regex=True).any()
    for _, group in curve.groupby("label"):
        assert list(group["rank"]) == list(range(1, len(group) + 1))
        # sorted on 6 significant digits (ties by specification): the same on any machine
        assert group["odds_ratio"].map(lambda v: float(f"{v:.6g}")).is_monotonic_increasing
    assert len(panel) == len(curve) * len(DIMENSIONS)


def _visible(page: Path) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["canonical", "own-data"])
def test_chapter_and_where_it_stands_are_in_the_book(name: str) -> None:
    params = build.load_params(ROOT / "notebooks" / "params" / f"{name}.yaml")
    site = build.build(ROOT / "notebooks" / "params" / f"{name}.yaml")
    frame, _ = preamble.respondents(params.get("seed"), params.get("data_file", ""))
    expected = robustness.count_text(robustness.prepare(frame, preamble.resolve_seed(None)))
    chapter = site / "notebooks" / "04_robustness.html"
    text = _visible(chapter)
    assert f"{expected} specifications" in text
    html = chapter.read_text(encoding="utf-8")
    assert len(re.findall(r'class="vega-chart"', html)) >= 3
    assert 'id="tbl-robustness"' in html and "claim reproduced" in text
    assert ("odds ratio most (synthetic respondents)" in text) == (name == "canonical")
    where = site / "book" / "where_it_stands.html"
    page = where.read_text(encoding="utf-8")
    for chapter_page in ("04_robustness", "05_simulation", "06_ledger", "01_data"):
        assert f"../notebooks/{chapter_page}.html" in page
    assert f"{expected.split(' = ')[1]} specifications" in _visible(where)
