"""The claims registry holds every published number once, typed and sourced."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from helpers.science import registry

ABSTRACT = Path(__file__).resolve().parents[2] / "shared" / "seed" / "abstract.txt"


def _registry_numbers() -> set[Decimal]:
    out: set[Decimal] = set()
    for c in registry.claims().values():
        for value in (c.n, c.odds_ratio, c.p_bound):
            if value is not None:
                out.add(Decimal(str(value)).normalize())
        if c.percent_text:
            out.add(Decimal(c.percent_text).normalize())
    return out


@pytest.mark.skipif(not ABSTRACT.exists(), reason="the shared abstract is not beside the clone")
def test_every_number_of_the_abstract_is_in_the_registry() -> None:
    text = ABSTRACT.read_text(encoding="utf-8")
    survey_year = "2017"
    numbers = re.findall(r"(?<![\w.])(\d[\d,]*\.?\d*|\.\d+)", text)
    found = _registry_numbers()
    missing = []
    for raw in numbers:
        token = raw.replace(",", "").rstrip(".")
        if token == survey_year:
            continue
        if Decimal(token).normalize() not in found:
            missing.append(raw)
    assert not missing, f"numbers of the abstract not in data/claims.csv: {missing}"


def test_abstract_sample_sizes_add_up_through_the_registry() -> None:
    sizes = registry.country_sizes()
    assert set(sizes) == {"Canada", "United States", "Israel"}
    assert sum(sizes.values()) == registry.total_size()


def test_each_claim_is_complete_for_its_kind() -> None:
    for c in registry.claims().values():
        assert c.source in registry.sources(), c.id
        if c.kind == "percent":
            assert c.n is not None and c.percent is not None and c.variable and c.counts, c.id
        if c.kind == "odds_ratio":
            assert c.odds_ratio and c.p_bound and c.direction in ("higher", "lower"), c.id


def test_ten_odds_ratios_with_reference_categories() -> None:
    ors = registry.odds_ratio_claims()
    assert len(ors) == 10
    categorical = [c for c in ors if c.counts]
    assert {c.reference for c in categorical} == {"Canada", "other", "social_service_agency"}


def test_unknown_claim_id_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no claim 'nope'"):
        registry.claim("nope")


def test_reported_text_follows_the_source() -> None:
    assert registry.claim("ict_use_canada").reported() == "78.1% (n = 2,034)"
    assert registry.claim("or_school").reported() == "OR = 2.95, p < .005"


def test_claims_are_named_for_readers_by_their_measures() -> None:
    named = registry.measures(["outside_hours", "or_graduation_year"])
    assert named == (
        "Interacted with clients through ICT outside of work hours; "
        "Contact outside work hours: per later year of graduation"
    )
    assert registry.measures([]) == ""
