"""The consistency audit, on hand-checkable cases and on the registry."""

from __future__ import annotations

import dataclasses

import pytest

from helpers.science import audit, registry
from helpers.science.assumptions import value as assumed
from helpers.science.audit import denominator_range, rounds_to


@pytest.mark.parametrize(
    ("n", "d", "percent", "rule", "expected"),
    [
        (1, 3, "33.3", "half_up", True),  # 33.333...
        (2, 3, "66.7", "half_up", True),  # 66.666... rounds up
        (2, 3, "66.6", "truncate", True),  # ... and truncates down
        (1, 8, "13", "half_up", True),  # 12.5 exactly: half up gives 13
        (1, 8, "12", "half_even", True),  # 12.5 exactly: half to even gives 12
        (3, 7, "50", "half_up", False),  # GRIM: 42.86%, no way to print 50%
        (2064, 3200, "64", "half_up", False),  # exactly 64.5%: half up prints 65
        (2064, 3201, "64", "half_up", True),  # 64.48%
        (2695, 4053, "67", "half_up", False),  # 66.49%
    ],
)
def test_rounds_to(n: int, d: int, percent: str, rule: str, expected: bool) -> None:
    assert rounds_to(n, d, percent, rule) is expected


def test_denominator_range_by_hand() -> None:
    # 878/1451 = 60.51% (61), 878/1452 = 60.47%, 878/1475 = 59.53%, 878/1476 = 59.49% (59)
    assert denominator_range(878, "60") == (1452, 1475)
    # one decimal narrows it: 975/1224 = 79.66%, 975/1225 = 79.59%, 975/1226 = 79.53%
    assert denominator_range(975, "79.6") == (1225, 1225)
    # GRIM: 3 people are 50% only of 6 people
    assert denominator_range(3, "50") == (6, 6)


def test_no_denominator_for_an_impossible_percent() -> None:
    # one person can be 100% or 50% or 33% ..., but never 70% of a whole group
    assert denominator_range(1, "70") is None


def _finding(claim_id: str) -> audit.Finding:
    return next(f for f in audit.findings() if f.id == claim_id)


def test_outside_hours_refers_to_ict_users_with_nonresponse() -> None:
    f = _finding("outside_hours")
    ict_users = registry.claim("ict_use").n
    assert f.population == "ICT users" and f.population_size == ict_users
    assert (f.denominator_lo, f.denominator_hi) == (3201, 3250)
    assert (f.nonresponse_lo, f.nonresponse_hi) == (ict_users - 3250, ict_users - 3201)
    assert f.status == audit.NONRESPONSE


def test_search_reasons_fit_all_searchers() -> None:
    for claim_id in ("search_assessment", "search_curiosity"):
        f = _finding(claim_id)
        assert f.population == "searchers" and f.status == audit.CONSISTENT


def test_appropriateness_pair_is_the_anomaly() -> None:
    """Both answers are involved, and the text does not presume one explanation."""
    anomalies = [f.id for f in audit.findings() if f.status == audit.ANOMALY]
    assert anomalies == ["search_inappropriate", "search_appropriate"]
    text = _finding("search_appropriate").explanation
    assert "66.49" in text and "4,053" in text and "Other readings fit" in text
    assert "explains it" not in text and "any denominator" not in text


def test_the_appropriateness_answers_share_no_denominator() -> None:
    """The numbers the data chapter glues into its account of the anomaly: the people
    counted in both answers, the answer no such denominator prints, and the total percent."""
    shared = audit.shared_denominator("search_appropriate")
    inappropriate, appropriate = (
        registry.claim("search_inappropriate"),
        registry.claim("search_appropriate"),
    )
    assert shared.claims == (inappropriate, appropriate)
    assert shared.counted == inappropriate.n + appropriate.n == 4053
    assert not shared.fits
    assert shared.misfits == [appropriate]
    assert f"{shared.percent_of_counted(appropriate):.2f}" == "66.49"
    assert str(shared.total_percent) == "101"
    with pytest.raises(KeyError):
        audit.shared_denominator("outside_hours")


def test_ranges_and_families_as_the_prose_names_them() -> None:
    assert audit.range_text(122, 122) == "exactly 122"
    assert audit.range_text(2603, 2606) == "2,603 to 2,606"
    assert audit.between_text(12, 12) == "exactly 12"
    assert audit.between_text(3, 6) == "between 3 and 6"
    ict = audit.family_of("outside_hours")
    assert ict.population == "ICT users" and (ict.lo, ict.hi) == (3202, 3217)
    assert set(ict.claims) == {"outside_hours", "initiated_both", "plan_continue"}
    whole = audit.family_of("no_policy")
    assert whole.population == "whole sample" and "no_talk" in whole.claims
    with pytest.raises(KeyError):
        audit.family_of("search_appropriate")  # left out of the families: no shared base


def test_finer_ladder_moves_the_loosest_brackets() -> None:
    assert [audit.threshold_text(p) for p in audit.abstract_ladder()] == [".05", ".005", ".001"]
    ranges = audit.precision_ranges().set_index("id")
    finer = audit.precision_ranges(audit.FINER_LADDER).set_index("id")
    loosest = ranges[ranges["p_high"] == 0.05].index
    shifts = finer.loc[loosest, "se_low"] / ranges.loc[loosest, "se_low"] - 1
    assert audit.finer_ladder_shift() == pytest.approx(shifts.max())
    assert audit.finer_ladder_shift() > 0


def test_every_claim_has_a_status_and_explanation() -> None:
    table = audit.audit_table()
    assert list(table["id"]) == list(registry.claims())
    assert set(table["status"]) <= set(audit.STATUSES)
    assert table["explanation"].str.len().min() > 20


def test_joint_checks_pass_except_the_appropriateness_question() -> None:
    failing = [j.check for j in audit.joint_checks() if not j.passed]
    assert failing == ["one denominator for the question 'Appropriateness of searching'"]


def test_sum_check_catches_a_wrong_total(monkeypatch: pytest.MonkeyPatch) -> None:
    original = registry.claims()
    broken = dict(original)
    broken["n_total"] = dataclasses.replace(original["n_total"], n=4221)
    monkeypatch.setattr(audit, "claims", lambda: broken)
    monkeypatch.setattr(audit, "total_size", lambda: 4221)
    finding = next(f for f in audit.findings() if f.id == "n_total")
    assert finding.status == audit.ANOMALY
    assert "not equal to 4,221" in finding.explanation


def test_odds_ratio_direction_mismatch_is_an_anomaly(monkeypatch: pytest.MonkeyPatch) -> None:
    original = registry.claims()
    broken = dict(original)
    broken["or_hospital"] = dataclasses.replace(original["or_hospital"], direction="higher")
    monkeypatch.setattr(audit, "claims", lambda: broken)
    finding = next(f for f in audit.findings() if f.id == "or_hospital")
    assert finding.status == audit.ANOMALY


def test_item_denominators_follow_the_assumed_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    d = audit.item_denominators()
    assert d[("outside_hours", "")] == 3217  # shared with initiated_both and plan_continue
    assert d[("ict_use", "Canada")] == 2606
    assert d[("friend_request", "")] == 4138  # in no family it can use: its own largest
    rules = {"denominator_rule": "largest"}
    monkeypatch.setattr(audit, "assumed", lambda name: rules.get(name) or assumed(name))
    assert audit.item_denominators()[("outside_hours", "")] == 3250
    # the appropriateness question needs room for both published answers
    both = registry.claim("search_appropriate").n + registry.claim("search_inappropriate").n
    assert d[("search_appropriate", "")] == both


def test_cli_prints_the_audit() -> None:
    from support import run_cli

    result = run_cli("audit")
    assert result.returncode == 0
    assert "search_appropriate" in result.stdout and "anomaly: 2" in result.stdout


def test_tables_name_claims_by_their_measures_beside_their_ids() -> None:
    joint = audit.joint_table().set_index("check")
    conflict = joint.loc["one denominator for the question 'Appropriateness of searching'"]
    assert conflict["claims"] == "search_inappropriate, search_appropriate"
    assert conflict["measures"] == registry.measures(["search_inappropriate", "search_appropriate"])
    families = audit.family_table().set_index("claims")
    ict = families.loc["outside_hours, initiated_both, plan_continue"]
    assert ict["measures"].startswith("Interacted with clients through ICT outside of work hours;")
    misprints = [
        e.needs
        for e in audit.conflict_explanations("search_inappropriate", "search_appropriate")
        if e.name == "a misprint"
    ]
    assert misprints and not any("search_" in text for text in misprints)


def test_ict_user_questions_fit_everyone_only_with_about_a_thousand_skipping() -> None:
    """The smallest group that fits is a choice of the least non-response: contact outside
    work hours also fits the whole sample, with 970 to 1,019 non-respondents."""
    assert audit.whole_sample_nonresponse("outside_hours") == (4220 - 3250, 4220 - 3201)
    lo, hi = audit.whole_sample_nonresponse("plan_continue")
    assert 900 < lo < hi < 1100
