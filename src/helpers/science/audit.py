"""The consistency audit: do the published numbers agree with each other?

Three kinds of check, none of which needs the respondent-level data:

* **Denominators (GRIM-style).** A percent printed with its count ``n`` fixes the range of
  denominators ``D`` for which ``100 * n / D`` rounds to the printed percent. The smallest
  published population at least that large is the population the figure refers to; the gap
  between the population and the range is the item non-response it implies.
* **Sums and subsets.** Countries add up to the total; subgroup counts do not exceed their
  parent group; answers to one question fit one denominator.
* **Directions.** Each odds ratio lies on the side of 1 that the text's wording says.
* **Precision.** Each odds ratio and its p-value bracket fix a range for the standard error of
  its log odds ratio (:func:`precision_ranges`), which bounds the size of the groups behind it
  (``helpers.science.simulation.precision``).
* **Shared denominators.** Items asked of one group whose percentages admit one common
  denominator form a family (:func:`denominator_families`).

Rounding rules considered: round half up (the assumed rule), round half to even, and
truncation. Exact rational arithmetic is used throughout, so boundary cases are decided
exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache

import pandas as pd
from scipy import special

from .assumptions import value as assumed
from .codebook import field
from .registry import Claim, claims, country_sizes, measures, total_size

CONSISTENT = "consistent"
NONRESPONSE = "consistent given non-response"
ANOMALY = "anomaly"
STATUSES = (CONSISTENT, NONRESPONSE, ANOMALY)

RoundingRule = Callable[[Fraction], int]

ROUNDING_RULES: dict[str, RoundingRule] = {
    "half_up": lambda x: math.floor(x + Fraction(1, 2)),
    "half_even": round,
    "truncate": math.floor,
}


def rounds_to(n: int, d: int, percent: str, rule: str = "half_up") -> bool:
    """Whether ``100 * n / d`` printed with the decimals of ``percent`` gives ``percent``.

    >>> rounds_to(2064, 3225, "64")
    True
    >>> rounds_to(2695, 4053, "67")   # 66.494...% rounds to 66, not 67
    False
    """
    if d <= 0:
        return False
    decimals = len(percent.split(".")[1]) if "." in percent else 0
    scale = 10**decimals
    target = int(Decimal(percent) * scale)
    return ROUNDING_RULES[rule](Fraction(100 * n * scale, d)) == target


def denominator_range(n: int, percent: str, rule: str = "half_up") -> tuple[int, int] | None:
    """The smallest and largest denominators that print ``n`` as ``percent``; None if none.

    For a fixed count the percent falls as the denominator grows, so the denominators
    that fit form one unbroken range.

    >>> denominator_range(878, "60")
    (1452, 1475)
    """
    p = Fraction(Decimal(percent))
    if p <= 0 or n <= 0:
        return None
    decimals = len(percent.split(".")[1]) if "." in percent else 0
    unit = Fraction(1, 10**decimals)
    lo_guess = max(n, math.floor(100 * n / (p + unit)) - 1)
    hi_guess = math.ceil(100 * n / max(p - unit, unit / 2)) + 1
    fits = [d for d in range(lo_guess, hi_guess + 1) if rounds_to(n, d, percent, rule)]
    return (fits[0], fits[-1]) if fits else None


@dataclass(frozen=True)
class Population:
    """A group a published percentage may refer to."""

    name: str
    size: int
    country: str = ""
    defined_by: str = ""


def populations() -> list[Population]:
    """The published groups, smallest first: whole samples, ICT users, searchers."""
    reg = claims()
    pops = [Population("whole sample", total_size())]
    pops += [Population(f"{c} sample", n, country=c) for c, n in country_sizes().items()]
    pops += [
        Population(f"{c.country} sample", c.n, country=c.country, defined_by=c.id)
        for c in reg.values()
        if c.kind == "sample_size" and not c.in_sample and c.n is not None
    ]
    for c in reg.values():
        if c.kind == "percent" and c.variable in ("ict_use", "searched") and c.n is not None:
            label = "ICT users" if c.variable == "ict_use" else "searchers"
            name = f"{c.country} {label}" if c.country else label
            pops.append(Population(name, c.n, country=c.country, defined_by=c.id))
    return sorted(pops, key=lambda p: p.size)


def implied_population(c: Claim, lo: int) -> Population | None:
    """The smallest published group, in the claim's country, large enough for ``lo``."""
    for pop in populations():
        if pop.country == c.country and pop.defined_by != c.id and pop.size >= lo:
            return pop
    return None


@dataclass(frozen=True)
class Finding:
    """The audit's verdict on one claim."""

    id: str
    measure: str
    reported: str
    status: str
    explanation: str
    denominator_lo: int | None = None
    denominator_hi: int | None = None
    population: str = ""
    population_size: int | None = None
    nonresponse_lo: int | None = None
    nonresponse_hi: int | None = None
    other_rules: str = ""


def whole_sample_nonresponse(claim_id: str) -> tuple[int, int]:
    """How many of the whole sample would have skipped a question, were its percentage
    taken of everyone: the whole sample less the largest and the smallest denominator the
    printed percentage allows. A claim that fits a smaller group with little non-response
    needs this many non-respondents to fit the whole sample instead."""
    c = claims()[claim_id]
    found = denominator_range(c.n or 0, c.percent_text, assumed("rounding_rule"))
    if found is None:
        raise ValueError(f"claim {claim_id!r}: no denominator prints it as published")
    lo, hi = found
    return max(total_size() - hi, 0), total_size() - lo


def range_text(lo: int, hi: int) -> str:
    """A range of counts as the audit words it: "exactly 122", or "2,603 to 2,606"."""
    return f"exactly {lo:,}" if lo == hi else f"{lo:,} to {hi:,}"


def between_text(lo: int, hi: int) -> str:
    """A range of counts after "so": "exactly 12", or "between 3 and 6"."""
    return f"exactly {lo:,}" if lo == hi else f"between {lo:,} and {hi:,}"


def _percent_finding(c: Claim) -> Finding:
    assert c.n is not None
    rng = denominator_range(c.n, c.percent_text, assumed("rounding_rule"))
    base = dict(id=c.id, measure=c.measure, reported=c.reported())
    others = []
    for rule in ROUNDING_RULES:
        if rule != assumed("rounding_rule"):
            alt = denominator_range(c.n, c.percent_text, rule)
            others.append(f"{rule}: " + (f"{alt[0]:,}–{alt[1]:,}" if alt else "none"))
    other_rules = "; ".join(others)
    if rng is None:
        return Finding(
            **base,
            status=ANOMALY,
            explanation=f"No whole number of respondents gives {c.percent_text}% for "
            f"{c.n:,} people.",
            other_rules=other_rules,
        )
    lo, hi = rng
    pop = implied_population(c, lo)
    if pop is None:
        return Finding(
            **base,
            status=ANOMALY,
            explanation=f"{c.percent_text}% of some group equal to {c.n:,} people needs a group "
            f"of at least {lo:,}, more than any published group it could refer to.",
            denominator_lo=lo,
            denominator_hi=hi,
            other_rules=other_rules,
        )
    nr_lo, nr_hi = max(pop.size - hi, 0), pop.size - lo
    where = (
        f"{c.n:,} people are {c.percent_text}% of a group of {range_text(lo, hi)}; "
        f"the smallest published group that large is the {pop.name} ({pop.size:,})"
    )
    if nr_lo == 0:
        status = CONSISTENT
        explanation = where + ", so the figure fits with every member of that group answering."
    else:
        status = NONRESPONSE
        explanation = (
            where + f", so {between_text(nr_lo, nr_hi)} of them did not answer this question."
        )
    return Finding(
        **base,
        status=status,
        explanation=explanation,
        denominator_lo=lo,
        denominator_hi=hi,
        population=pop.name,
        population_size=pop.size,
        nonresponse_lo=nr_lo,
        nonresponse_hi=nr_hi,
        other_rules=other_rules,
    )


def _odds_ratio_finding(c: Claim) -> Finding:
    assert c.odds_ratio is not None
    side = "higher" if c.odds_ratio > 1 else "lower" if c.odds_ratio < 1 else "equal"
    ok = side == c.direction
    versus = f" than {c.reference.replace('_', ' ')}" if c.reference else " per year"
    explanation = (
        f"The text says {c.direction} odds{versus}, and an odds ratio of {c.odds_ratio:.2f} "
        f"is {'above' if c.odds_ratio > 1 else 'below'} 1, so the two agree. Its precision "
        "cannot be checked: no confidence interval, standard error or model size is published."
        if ok
        else f"The text says {c.direction} odds{versus}, but an odds ratio of "
        f"{c.odds_ratio:.2f} means {side} odds."
    )
    return _checked(c, ok, explanation)


def _checked(c: Claim, ok: bool, explanation: str) -> Finding:
    """The finding of a claim checked as a whole: consistent or an anomaly."""
    return Finding(
        id=c.id,
        measure=c.measure,
        reported=c.reported(),
        status=CONSISTENT if ok else ANOMALY,
        explanation=explanation,
    )


def _sample_size_finding(c: Claim) -> Finding:
    sizes = country_sizes()
    if c.id == "n_total":
        total = sum(sizes.values())
        ok = total == c.n
        explanation = f"The country samples add up to {total:,}" + (
            ", the published total." if ok else f", not the published {c.n:,}."
        )
    elif c.in_sample:
        ok = True
        explanation = (
            f"Part of the total; the three country samples add up to {sum(sizes.values()):,}."
        )
    else:
        ok = True
        explanation = (
            "Outside the replicated sample; used only to audit this country's own percentage."
        )
    return _checked(c, ok, explanation)


@dataclass(frozen=True)
class JointCheck:
    """A check across several claims."""

    family: str
    check: str
    claims: tuple[str, ...]
    passed: bool
    explanation: str
    flags: tuple[str, ...] = ()


def _sum_check(name: str, parts: Iterable[Claim], whole: Claim) -> JointCheck:
    parts = list(parts)
    total = sum(p.n or 0 for p in parts)
    ok = total == whole.n
    terms = " + ".join(f"{p.n:,}" for p in parts)
    return JointCheck(
        "sum",
        name,
        tuple(p.id for p in parts) + (whole.id,),
        ok,
        f"{terms} = {total:,}, " + ("equal to" if ok else "not equal to") + f" {whole.n:,}.",
        () if ok else (whole.id,),
    )


@dataclass(frozen=True)
class SharedDenominator:
    """The published answers to one single-choice question, read as exclusive answers
    rounded once, so that they share one denominator: at least the people counted in them
    (``counted``), and one that prints every percent as published (from ``lo`` to ``hi``;
    none when ``lo > hi``)."""

    variable: str
    claims: tuple[Claim, ...]
    counted: int
    lo: int
    hi: int
    total_percent: Decimal

    @property
    def fits(self) -> bool:
        """Whether one denominator prints every percent as published."""
        return self.lo <= self.hi

    @property
    def misfits(self) -> list[Claim]:
        """The answers whose printed percent the smallest possible denominator (the people
        counted) does not give."""
        rule = assumed("rounding_rule")
        return [
            c for c in self.claims if not rounds_to(c.n or 0, self.counted, c.percent_text, rule)
        ]

    def percent_of_counted(self, c: Claim) -> float:
        """An answer's count as a percentage of the people counted, unrounded."""
        return float(Fraction(100 * (c.n or 0), self.counted))


def shared_denominators() -> list[SharedDenominator]:
    """Every single-choice question with two or more published answers (whole sample)."""
    rule = assumed("rounding_rule")
    by_var: dict[str, list[Claim]] = {}
    for c in claims().values():
        if c.kind == "percent" and c.in_sample and not c.country:
            by_var.setdefault(c.variable, []).append(c)
    out = []
    for var, group in by_var.items():
        if len(group) < 2:
            continue
        counted = sum(c.n or 0 for c in group)
        ranges = [denominator_range(c.n or 0, c.percent_text, rule) for c in group]
        out.append(
            SharedDenominator(
                variable=var,
                claims=tuple(group),
                counted=counted,
                lo=max([counted] + [r[0] for r in ranges if r]),
                hi=min(r[1] for r in ranges if r),
                total_percent=sum(Decimal(c.percent_text) for c in group),
            )
        )
    return out


def shared_denominator(variable: str) -> SharedDenominator:
    """The :class:`SharedDenominator` of one question's published answers."""
    for shared in shared_denominators():
        if shared.variable == variable:
            return shared
    raise KeyError(f"no question '{variable}' with two or more published answers")


def _same_question_checks() -> list[JointCheck]:
    """Answers to one single-choice question must fit one common denominator."""
    checks = []
    for shared in shared_denominators():
        ids = tuple(c.id for c in shared.claims)
        if shared.fits:
            checks.append(
                JointCheck(
                    "denominator",
                    f"one denominator for the question '{field(shared.variable).title}'",
                    ids,
                    True,
                    f"The answers add up to {shared.counted:,} people and "
                    f"{shared.total_percent}%; a common denominator of {shared.lo:,} to "
                    f"{shared.hi:,} fits every printed percent.",
                )
            )
            continue
        d = shared.counted
        shown = "; ".join(
            f"{c.n:,} of {d:,} is {shared.percent_of_counted(c):.2f}%, printed as {c.percent_text}%"
            for c in shared.misfits
        )
        checks.append(
            JointCheck(
                "denominator",
                f"one denominator for the question '{field(shared.variable).title}'",
                ids,
                False,
                f"Read as exclusive answers to one question, rounded once, these share one "
                f"denominator of at least {d:,} (the people counted in them), and no such "
                f"denominator prints every percent as published: {shown}. The printed percents "
                f"add up to {shared.total_percent}%. Other readings fit: see the explanations "
                "of this conflict.",
                ids,
            )
        )
    return checks


def _double_rounding(n: int, d: int, percent: str) -> str:
    """Describe how rounding to one more decimal first would give ``percent``, or ''."""
    decimals = len(percent.split(".")[1]) if "." in percent else 0
    exact = Fraction(100 * n, d)
    half_up = ROUNDING_RULES["half_up"]
    finer = Fraction(half_up(exact * 10 ** (decimals + 1)), 10 ** (decimals + 1))
    coarse = Fraction(half_up(finer * 10**decimals), 10**decimals)
    if coarse != Fraction(Decimal(percent)) or rounds_to(n, d, percent):
        return ""
    fmt = f"{{:.{decimals + 1}f}}"
    return f"{float(exact):.{decimals + 2}f} → {fmt.format(float(finer))} → {percent}"


def _country_denominator_check() -> JointCheck:
    rule = assumed("rounding_rule")
    reg = claims()
    overall = reg["ict_use"]
    parts = [c for c in reg.values() if c.variable == "ict_use" and c.country and c.in_sample]
    ranges = [denominator_range(c.n or 0, c.percent_text, rule) for c in parts]
    sizes = country_sizes()
    los = [max(r[0], 0) for r in ranges if r]
    his = [min(r[1], sizes[c.country]) for c, r in zip(parts, ranges, strict=True) if r]
    whole = denominator_range(overall.n or 0, overall.percent_text, rule)
    assert whole is not None
    lo, hi = sum(los), sum(his)
    ok = lo <= whole[1] and hi >= whole[0]
    return JointCheck(
        "denominator",
        "country ICT-use denominators fit the overall percent",
        tuple(c.id for c in parts) + (overall.id,),
        ok,
        f"The country percentages imply {lo:,} to {hi:,} people answered the ICT-use "
        f"question; the overall {overall.percent_text}% fits any {whole[0]:,} to {whole[1]:,}"
        + (", so they agree." if ok else ", so they cannot both be right."),
        () if ok else (overall.id,),
    )


def _subset_checks() -> list[JointCheck]:
    """Counts must not exceed the group they are drawn from."""
    reg = claims()
    pairs = [(c, "n_total") for c in reg.values() if c.kind == "percent" and c.in_sample]
    pairs += [(reg[f"ict_use_{k}"], f"n_{k}") for k in ("canada", "usa", "israel", "uk")]
    pairs += [(reg[k], "searched") for k in ("search_assessment", "search_curiosity")]
    out = []
    for child, parent_id in pairs:
        parent = reg[parent_id]
        ok = (child.n or 0) <= (parent.n or 0)
        out.append(
            JointCheck(
                "subset",
                f"'{child.id}' within '{parent_id}'",
                (child.id, parent_id),
                ok,
                f"{child.n:,} ≤ {parent.n:,}" if ok else f"{child.n:,} > {parent.n:,}",
                () if ok else (child.id,),
            )
        )
    return out


def joint_checks() -> list[JointCheck]:
    """Every check across claims."""
    reg = claims()
    countries = [reg[k] for k in ("n_canada", "n_usa", "n_israel")]
    ict = [reg[k] for k in ("ict_use_canada", "ict_use_usa", "ict_use_israel")]
    return [
        _sum_check("countries add up to the total", countries, reg["n_total"]),
        _sum_check("country ICT users add up to all ICT users", ict, reg["ict_use"]),
        _country_denominator_check(),
        *_same_question_checks(),
        *_subset_checks(),
    ]


def findings() -> list[Finding]:
    """The audit's verdict on every claim, with joint checks folded in."""
    out = []
    for c in claims().values():
        if c.kind == "percent":
            out.append(_percent_finding(c))
        elif c.kind == "odds_ratio":
            out.append(_odds_ratio_finding(c))
        else:
            out.append(_sample_size_finding(c))
    flagged: dict[str, list[str]] = {}
    for check in joint_checks():
        for claim_id in check.flags:
            flagged.setdefault(claim_id, []).append(check.explanation)
    return [
        Finding(**{**f.__dict__, "status": ANOMALY, "explanation": " ".join(flagged[f.id])})
        if f.id in flagged
        else f
        for f in out
    ]


def audit_table() -> pd.DataFrame:
    """The audit as a table, one row per claim."""
    frame = pd.DataFrame([f.__dict__ for f in findings()])
    int_cols = [
        "denominator_lo",
        "denominator_hi",
        "population_size",
        "nonresponse_lo",
        "nonresponse_hi",
    ]
    return frame.astype({col: "Int64" for col in int_cols})


def joint_table() -> pd.DataFrame:
    """The joint checks as a table."""
    return pd.DataFrame(
        [
            {
                "family": j.family,
                "check": j.check,
                "claims": ", ".join(j.claims),
                "measures": measures(j.claims),
                "result": "passes" if j.passed else "fails",
                "explanation": j.explanation,
            }
            for j in joint_checks()
        ]
    )


FINER_LADDER = (0.05, 0.01, 0.005, 0.001)
"""A finer ladder of reporting thresholds than the abstract's, to show how ranges move."""


def abstract_ladder() -> tuple[float, ...]:
    """The p-value thresholds the abstract itself prints (.05, .005, .001), largest first:
    its ladder of reporting brackets."""
    return tuple(sorted({c.p_bound for c in claims().values() if c.p_bound}, reverse=True))


def bracket(p_bound: float, ladder: tuple[float, ...] | None = None) -> tuple[float, float]:
    """The reporting bracket a published bound stands for: authors who print ``p < .05``
    while they print ``p < .005`` elsewhere had ``.005 <= p < .05``. The smallest
    threshold has no lower end (0). With the assumption ``p_value_reading: bounds`` (and no
    ladder given), a bound is only a bound: ``0 <= p < bound``.

    >>> bracket(0.05)
    (0.005, 0.05)
    >>> bracket(0.05, FINER_LADDER)
    (0.01, 0.05)
    >>> bracket(0.001)
    (0.0, 0.001)
    """
    if ladder is None and assumed("p_value_reading") == "bounds":
        return (0.0, p_bound)
    ladder = ladder or abstract_ladder()
    if p_bound not in ladder:
        raise ValueError(f"p < {p_bound} is not a threshold of the ladder {ladder}")
    below = [t for t in ladder if t < p_bound]
    return (max(below) if below else 0.0, p_bound)


@cache
def z_for(p: float) -> float:
    """The |z| at which a two-sided normal test gives p (infinite for p = 0): the normal
    quantile ``-ndtri(p / 2)``, as ``scipy.stats.norm.isf`` computes it, without its
    argument checks (asked thousands of times for a handful of thresholds)."""
    return float(-special.ndtri(p / 2)) if p > 0 else math.inf


def or_interval(c: Claim, rule: str | None = None) -> tuple[float, float]:
    """The odds ratios that print as the published one (two decimals) under a rounding
    rule (the ``rounding_rule`` assumption by default): within 0.005 of it when rounded
    (half up or half to even, which differ only in which end is closed), from it to 0.01
    above when truncated."""
    assert c.odds_ratio is not None
    rule = rule or assumed("rounding_rule")
    if rule not in ROUNDING_RULES:
        raise ValueError(f"rounding rule {rule!r}: expected one of {', '.join(ROUNDING_RULES)}")
    value = Fraction(Decimal(f"{c.odds_ratio:.2f}"))
    if rule == "truncate":
        return float(value), float(value + Fraction(1, 100))
    half = Fraction(1, 200)
    return float(value - half), float(value + half)


def relative_rounding(c: Claim) -> float:
    """Half the width of an odds ratio's rounding interval (:func:`or_interval`) on the log
    scale, as a share of its printed log odds ratio: how much rounding to two decimals
    leaves open, relative to the effect."""
    lo, hi = or_interval(c)
    assert c.odds_ratio is not None
    return (math.log(hi) - math.log(lo)) / 2 / abs(math.log(c.odds_ratio))


def precision_ranges(ladder: tuple[float, ...] | None = None) -> pd.DataFrame:
    """For each published odds ratio: the range of the standard error of its log odds
    ratio that its printed value and its p-value bracket allow.

    A term printed as OR with ``lower <= p < upper`` has ``z_upper < |log OR| / SE <=
    z_lower``, where ``z_q`` is the two-sided normal quantile of ``q``. The printed OR is
    itself rounded, so ``|log OR|`` spans its rounding interval too. The bracket of the
    smallest threshold (p < .001) has no upper end for z, so no lower end for the SE.
    """
    ladder = ladder or abstract_ladder()
    rows = []
    for c in claims().values():
        if c.kind != "odds_ratio" or c.odds_ratio is None or c.p_bound is None:
            continue
        lower, upper = bracket(c.p_bound, ladder)
        or_lo, or_hi = or_interval(c)
        logs = sorted(abs(math.log(v)) for v in (or_lo, or_hi))
        z_min, z_max = z_for(upper), z_for(lower)
        rows.append(
            {
                "id": c.id,
                "odds_ratio": c.odds_ratio,
                "or_low": or_lo,
                "or_high": or_hi,
                "p_low": lower,
                "p_high": upper,
                "bracket": bracket_text(lower, upper),
                "z_low": z_min,
                "z_high": z_max,
                "se_low": logs[0] / z_max,
                "se_high": logs[1] / z_min,
            }
        )
    return pd.DataFrame(rows)


def bracket_text(lower: float, upper: float) -> str:
    """A bracket as a reader writes it: "p < .001", ".005 ≤ p < .05"."""

    def text(p: float) -> str:
        return f"{p:.3f}".rstrip("0").lstrip("0")

    return f"{text(lower)} ≤ p < {text(upper)}" if lower else f"p < {text(upper)}"


def threshold_text(p: float) -> str:
    """A reporting threshold as a reader writes it: ".05", ".001"."""
    return bracket_text(0.0, p).removeprefix("p < ")


def finer_ladder_shift() -> float:
    """How far the lower ends of the standard-error ranges of the terms in the abstract's
    loosest bracket move up on :data:`FINER_LADDER`: the largest relative shift."""
    ranges = precision_ranges()
    finer = precision_ranges(FINER_LADDER).set_index("id")
    loosest = ranges[ranges["p_high"] == max(abstract_ladder())].set_index("id")
    return float((finer.loc[loosest.index, "se_low"] / loosest["se_low"] - 1).max())


@dataclass(frozen=True)
class Family:
    """Percentages about one group whose printed values admit one common denominator."""

    claims: tuple[str, ...]
    population: str
    population_size: int
    lo: int
    hi: int


def _question_ranges(rule: str) -> dict[str, tuple[tuple[str, ...], str, int, int, int]]:
    """Per question (variable) of the whole sample, no country: its claims, the group its
    percentages refer to, that group's size, and the denominators that print every one of
    its percentages while holding all the people they count; questions with none (the
    audit's conflict) are left out."""
    by_variable: dict[str, list[Finding]] = {}
    for f in findings():
        c = claims()[f.id]
        if c.kind == "percent" and c.in_sample and not c.country and f.denominator_lo:
            by_variable.setdefault(c.variable, []).append(f)
    out = {}
    for variable, group in by_variable.items():
        ranges = [
            denominator_range(claims()[f.id].n or 0, claims()[f.id].percent_text, rule)
            for f in group
        ]
        if any(r is None for r in ranges):
            continue
        counted = sum(claims()[f.id].n or 0 for f in group)
        lo = max([counted] + [r[0] for r in ranges if r])
        hi = min(r[1] for r in ranges if r)
        if lo <= hi:
            ids = tuple(f.id for f in group)
            out[variable] = (ids, group[0].population, int(group[0].population_size), lo, hi)
    return out


def denominator_families(rule: str | None = None) -> list[Family]:
    """Every largest set of questions about one published group (whole-sample percentages,
    no country) whose denominator ranges share at least one value: questions that could
    have been answered by the same respondents. The answers to one question count as one
    item; a question whose own answers admit no common denominator is left out. Sets of a
    single question are left out too."""
    questions = _question_ranges(rule or assumed("rounding_rule"))
    by_population: dict[str, list[str]] = {}
    for variable, (_, population, _, _, _) in questions.items():
        by_population.setdefault(population, []).append(variable)
    families = []
    for population, group in by_population.items():
        sets: list[frozenset[str]] = []
        for point in sorted({questions[v][3] for v in group}):
            active = frozenset(v for v in group if questions[v][3] <= point <= questions[v][4])
            if len(active) > 1 and active not in sets:
                sets.append(active)
        for members in (a for a in sets if not any(a < b for b in sets)):
            chosen = [v for v in group if v in members]
            families.append(
                Family(
                    claims=tuple(i for v in chosen for i in questions[v][0]),
                    population=population,
                    population_size=questions[chosen[0]][2],
                    lo=max(questions[v][3] for v in chosen),
                    hi=min(questions[v][4] for v in chosen),
                )
            )
    return sorted(families, key=lambda fam: (-len(fam.claims), fam.population))


def family_of(claim_id: str) -> Family:
    """The largest denominator family (:func:`denominator_families`) that holds a claim."""
    for family in denominator_families():
        if claim_id in family.claims:
            return family
    raise KeyError(f"claim '{claim_id}' is in no denominator family")


def common_range(claim_ids: tuple[str, ...], rule: str) -> tuple[int, int] | None:
    """The denominators that print every one of these percentages under a rounding rule."""
    ranges = [
        denominator_range(claims()[i].n or 0, claims()[i].percent_text, rule) for i in claim_ids
    ]
    if any(r is None for r in ranges):
        return None
    lo, hi = max(r[0] for r in ranges if r), min(r[1] for r in ranges if r)
    return (lo, hi) if lo <= hi else None


def family_table() -> pd.DataFrame:
    """The denominator families as a table, with their common range under the other
    rounding rules too."""
    rows = []
    for fam in denominator_families():
        row = {
            "claims": ", ".join(fam.claims),
            "measures": measures(fam.claims),
            "items": len(fam.claims),
            "group": f"{fam.population} ({fam.population_size:,})",
            "common_lo": fam.lo,
            "common_hi": fam.hi,
        }
        for rule in ROUNDING_RULES:
            if rule != assumed("rounding_rule"):
                found = common_range(fam.claims, rule)
                row[rule] = f"{found[0]:,} to {found[1]:,}" if found else "none"
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Explanation:
    """One account of a conflict between claims, with the numbers it needs."""

    name: str
    needs: str


def conflict_explanations(first: str, second: str) -> list[Explanation]:
    """Accounts that fit two answers to one question whose counts cannot share a
    denominator: each with the numbers it needs."""
    rule = assumed("rounding_rule")
    a, b = claims()[first], claims()[second]
    na, nb = a.n or 0, b.n or 0
    total = na + nb
    ra = denominator_range(na, a.percent_text, rule)
    rb = denominator_range(nb, b.percent_text, rule)
    assert ra is not None and rb is not None
    lo, hi = max(ra[0], rb[0]), min(ra[1], rb[1])
    out = []
    twice = [_double_rounding(c.n or 0, total, c.percent_text) for c in (a, b)]
    if any(twice):
        out.append(
            Explanation(
                "rounded twice",
                f"one base of {total:,} (the two counts together), with each percent first "
                "rounded to one decimal and then to a whole percent: "
                + "; ".join(t for t in twice if t),
            )
        )
    if lo <= hi:
        overlap_lo, overlap_hi = total - hi, total - lo
        population = next(f.population for f in findings() if f.id == first)
        shared = next(
            (
                f
                for f in denominator_families()
                if f.population == population and f.lo == f.hi and lo <= f.lo <= hi
            ),
            None,
        )
        at_shared = (
            f"; at the one base the other questions asked of the {population} share "
            f"({shared.lo:,}), {total - shared.lo:,} people"
            if shared
            else ""
        )
        out.append(
            Explanation(
                "answers not mutually exclusive",
                f"a common base of {lo:,} to {hi:,}, which both printed percents fit, with "
                f"{overlap_lo:,} to {overlap_hi:,} respondents counted in both answers"
                f"{at_shared}",
            )
        )
    out.append(
        Explanation(
            "different bases",
            f"{na:,} as {a.percent_text}% needs a base of {ra[0]:,} to {ra[1]:,}; {nb:,} as "
            f"{b.percent_text}% needs {rb[0]:,} to {rb[1]:,}: the two answers taken of two "
            "groups of different sizes (for example a second question, or a filter), "
            "although they read as answers to one question",
        )
    )
    for c, other in ((a, b), (b, a)):
        exact = Fraction(100 * (c.n or 0), total)
        printed = ROUNDING_RULES[rule](exact)
        if str(printed) != c.percent_text:
            out.append(
                Explanation(
                    "a misprint",
                    f"one base of {total:,}, where {c.n:,} is {float(exact):.2f}%: "
                    f"{c.percent_text}% would be a slip for {printed}% (the other answer, "
                    f"{other.percent_text}%, fits as printed)",
                )
            )
    return out


def item_denominators() -> dict[tuple[str, str], int]:
    """The number who answered each item, by (variable, country), for the generator.

    Follows the assumed denominator rule:

    * ``largest``: the largest denominator a published percent allows, capped at its
      population;
    * ``shared``: as ``largest``, except that the items of a denominator family (items
      about one group whose percents admit one common denominator) share the largest
      common denominator of their family (capped at the group); families are taken largest
      first, and one that shares an item with a larger family is not used.

    Either way a single-choice question is raised to the number of people its published
    answers count, so every published count fits.
    """
    rule = assumed("denominator_rule")
    if rule not in ("largest", "shared"):
        raise ValueError(f"denominator rule {rule!r}: expected 'largest' or 'shared'")
    shared: dict[str, int] = {}
    if rule == "shared":
        # largest families first; a family one of whose items already shares a base with a
        # larger family is not used (its other items keep their own largest denominator)
        for fam in denominator_families():
            if not shared.keys() & set(fam.claims):
                shared.update(dict.fromkeys(fam.claims, min(fam.hi, fam.population_size)))
    out: dict[tuple[str, str], int] = {}
    counted: dict[tuple[str, str], int] = {}
    for f in findings():
        c = claims()[f.id]
        if c.kind != "percent" or not c.in_sample or f.denominator_hi is None:
            continue
        key = (c.variable, c.country)
        d = shared.get(c.id, min(f.denominator_hi, f.population_size or f.denominator_hi))
        out[key] = max(out.get(key, 0), d)
        counted[key] = counted.get(key, 0) + (c.n or 0)
    return {key: max(d, counted[key]) for key, d in out.items()}


def summary() -> dict[str, int]:
    """How many claims have each status."""
    table = audit_table()
    return {s: int((table["status"] == s).sum()) for s in STATUSES}
