"""The published logistic regression, fitted with statsmodels (formula API, Treatment coding).

Outcome: contact with clients through ICT outside work hours (asked of ICT users). Covariates:
country (reference Canada), role (reference: other roles), practice setting (reference:
social service agency; settings other than the five named enter as their own category,
``setting[other]``), graduation year and age (per year).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from .codebook import field as codebook_field
from .registry import claims
from .spec import CATEGORICAL, CONTINUOUS, OUTCOME, Term, references, term_label, terms

Z95 = float(stats.norm.ppf(0.975))
"""The 95% normal quantile as statsmodels' confidence intervals compute it (one unit in the
last place from :data:`helpers.science.sensitivity.Z95`, which follows the p brackets)."""


@dataclass
class ModelFit:
    """A fitted published model, with what was dropped and why."""

    result: object
    data: pd.DataFrame
    formula: str
    dropped: dict[str, str]
    singular: bool = field(default=False)

    @property
    def n(self) -> int:
        return int(self.result.nobs)

    @property
    def events(self) -> int:
        return int(self.data["y"].sum())


def model_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that answered the outcome and have every covariate, with ``y`` = 1 for yes."""
    cols = [OUTCOME, *CATEGORICAL, *CONTINUOUS]
    data = frame[cols].dropna()
    out = pd.DataFrame({"y": (data[OUTCOME] == "yes").astype(int)}, index=data.index)
    for var in CATEGORICAL:
        out[var] = data[var].astype(str)
    for var in CONTINUOUS:
        out[var] = data[var].astype(float)
    return out


def formula_for(
    data: pd.DataFrame, refs: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """The model formula for these rows, dropping covariates the rows make constant.

    ``refs`` overrides reference categories (``{"setting": "other_settings"}``); the others
    stay the published ones.
    """
    refs = {**references(), **(refs or {})}
    parts, dropped = [], {}
    for var in CATEGORICAL:
        levels = set(data[var])
        if len(levels) < 2:
            dropped[var] = f"only one {var} ({next(iter(levels))}) in these data"
        elif refs[var] not in levels:
            dropped[var] = f"the reference {var} ({refs[var]}) is absent from these data"
        else:
            parts.append(f"C({var}, Treatment('{refs[var]}'))")
    for var in CONTINUOUS:
        if data[var].nunique() < 2:
            dropped[var] = f"{var} is constant in these data"
        else:
            parts.append(var)
    return "y ~ " + " + ".join(parts or ["1"]), dropped


_PATSY = re.compile(r"C\((\w+), Treatment\('[^']*'\)\)\[T\.(.+)\]")


def term_name(patsy_name: str) -> str:
    """Our term name (``setting[hospital]``) for a statsmodels/patsy coefficient name."""
    m = _PATSY.fullmatch(patsy_name)
    return f"{m.group(1)}[{m.group(2)}]" if m else patsy_name


def fit(frame: pd.DataFrame) -> ModelFit:
    """Fit the published model to respondent-level data.

    Data too thin for the model (separation, a singular design) do not stop the fit:
    statsmodels' warnings are silenced, a singular Newton step falls back to BFGS (which
    leaves the standard errors missing), and :func:`estimability` judges the result."""
    data = model_frame(frame)
    formula, dropped = formula_for(data)
    model = smf.logit(formula, data)
    singular = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = model.fit(disp=0, maxiter=100)
        except np.linalg.LinAlgError:
            singular = True
            result = model.fit(disp=0, maxiter=1000, method="bfgs")
    return ModelFit(result=result, data=data, formula=formula, dropped=dropped, singular=singular)


EVENTS_PER_PARAMETER = 10
"""The fewest events per estimated coefficient for trustworthy logistic regression estimates
(Peduzzi et al., 1996), counting events in the less common outcome."""
LARGEST_LOG_ODDS = 10.0
"""A fitted log odds ratio beyond ±10 (an odds ratio above 22,000 or below 1/22,000), or a
standard error above 10, is the mark of separation: the estimate runs off to infinity."""
TOO_FEW_EVENTS = "too few events"
SEPARATION = "separation"


@dataclass(frozen=True)
class Estimability:
    """Whether these data can estimate the model and each of its terms."""

    events: int
    parameters: int
    separated: dict[str, str]
    converged: bool

    @property
    def per_parameter(self) -> float:
        """Events (in the less common outcome) per estimated coefficient."""
        return self.events / self.parameters if self.parameters else float("inf")

    @property
    def too_few_events(self) -> bool:
        return self.per_parameter < EVENTS_PER_PARAMETER

    @property
    def events_text(self) -> str:
        """ "1,186 events for 11 coefficients (108 per coefficient)"."""
        return (
            f"{self.events:,} events in the less common outcome for {self.parameters} "
            f"coefficients ({self.per_parameter:.1f} per coefficient)"
        )

    def problem(self, term: str) -> str:
        """Why these data cannot estimate ``term``, starting with the verdict
        (:data:`TOO_FEW_EVENTS` or :data:`SEPARATION`); '' when they can."""
        if self.too_few_events:
            return (
                f"{TOO_FEW_EVENTS}: {self.events_text}, fewer than the "
                f"{EVENTS_PER_PARAMETER} per coefficient the rule of thumb asks for"
            )
        if term in self.separated:
            return f"{SEPARATION}: {self.separated[term]}"
        return ""

    @property
    def model_status(self) -> str:
        """The model's verdict in a few words: "estimable", or "not estimable" with the
        reason's name (:data:`TOO_FEW_EVENTS`, :data:`SEPARATION`)."""
        problem = self.model_problem
        return f"not estimable ({problem.split(':')[0]})" if problem else "estimable"

    @property
    def model_problem(self) -> str:
        """Why the model as a whole cannot be estimated; '' when it can."""
        if self.too_few_events:
            return self.problem("")
        if not self.converged and not self.separated:
            return f"{SEPARATION}: the fit did not converge"
        return ""


def estimability(model: ModelFit) -> Estimability:
    """Judge whether the data can estimate the model: enough events per coefficient
    (:data:`EVENTS_PER_PARAMETER`), and, term by term, no separation: a category whose
    respondents all had the outcome, or none did, or an estimate or standard error that
    runs off (:data:`LARGEST_LOG_ODDS`)."""
    res = model.result
    y = model.data["y"]
    events = int(min(y.sum(), len(y) - y.sum()))
    parameters = len(res.params) - 1
    separated: dict[str, str] = {}
    for t in terms():
        if t.level and t.variable not in model.dropped:
            group = y[model.data[t.variable] == t.level]
            if len(group) and group.nunique() == 1:
                who = (
                    "the one respondent in this group"
                    if len(group) == 1
                    else f"all {len(group):,} respondents in this group"
                )
                had = "had" if group.iloc[0] == 1 else "had no"
                separated[t.name] = f"{who} {had} contact outside work hours"
    for name, b in res.params.items():
        term = term_name(str(name))
        se = res.bse[name]
        if term in separated or term == "Intercept":
            continue
        if not np.isfinite(se) or abs(b) > LARGEST_LOG_ODDS or se > LARGEST_LOG_ODDS:
            separated[term] = (
                "the estimate runs off towards infinity (log odds ratio "
                f"{b:.1f}, standard error {se:.1f})"
                if np.isfinite(se)
                else "no standard error (the design cannot tell this term apart)"
            )
    converged = bool(res.mle_retvals.get("converged", False)) and not model.singular
    return Estimability(
        events=events, parameters=parameters, separated=separated, converged=converged
    )


def p_bracket(p_bound: float) -> str:
    """The published p-value bound as text: ``p < .05``."""
    return "p < " + f"{p_bound:.3f}".rstrip("0").lstrip("0")


def coefficient_table(model: ModelFit) -> pd.DataFrame:
    """One row per published (or assumed) term: replicated OR, 95% Wald CI and p beside the
    published OR and p bound, and whether these data can estimate the term
    (``estimable``; ``not_estimable_because`` says why not, see :func:`estimability`)."""
    res = model.result
    judged = estimability(model)
    params = {term_name(k): v for k, v in res.params.items()}
    bse = {term_name(k): v for k, v in res.bse.items()}
    pvalues = {term_name(k): v for k, v in res.pvalues.items()}
    rows = []
    for t in terms():
        c = claims().get(t.claim_id)
        row: dict[str, object] = {
            "term": t.name,
            "claim": t.claim_id or "–",
            "provenance": t.provenance,
            "published_or": t.odds_ratio if c else None,
            "published_p": p_bracket(c.p_bound) if c and c.p_bound else "–",
        }
        if t.name in params:
            b, se = params[t.name], bse[t.name]
            with np.errstate(over="ignore", invalid="ignore"):
                estimate, lo, hi = np.exp([b, b - Z95 * se, b + Z95 * se])
            row.update(
                odds_ratio=float(estimate),
                ci_low=float(lo),
                ci_high=float(hi),
                p_value=float(pvalues[t.name]),
                covers_published=bool(lo <= t.odds_ratio <= hi) if c else None,
                in_published_bracket=bool(pvalues[t.name] < c.p_bound and _same_side(b, t))
                if c and c.p_bound
                else None,
            )
            row["not_estimable_because"] = judged.problem(t.name)
        else:
            row.update(
                odds_ratio=None,
                ci_low=None,
                ci_high=None,
                p_value=None,
                covers_published=None,
                in_published_bracket=None,
                not_estimable_because="not in these data",
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    out["estimable"] = out["not_estimable_because"] == ""
    return out


def _same_side(log_or: float, t: Term) -> bool:
    return np.sign(log_or) == np.sign(t.log_odds)


def fit_statistics(model: ModelFit) -> dict[str, float]:
    """Model n, events, McFadden pseudo R², and the likelihood-ratio test against the null."""
    res = model.result
    return {
        "n": model.n,
        "events": model.events,
        "pseudo_r2": float(res.prsquared),
        "lr_stat": float(res.llr),
        "lr_df": float(res.df_model),
        "lr_p": float(res.llr_pvalue),
    }


def average_predictions(model: ModelFit, variable: str) -> pd.DataFrame:
    """Average predicted probability of the outcome if everyone were in each level of
    ``variable`` (other covariates as observed): probabilities instead of odds ratios."""
    data = model.data
    rows = []
    for level in sorted(data[variable].unique()):
        counterfactual = data.assign(**{variable: level})
        prob = float(np.mean(model.result.predict(counterfactual)))
        rows.append(
            {
                variable: level,
                "probability": prob,
                "observed_n": int((data[variable] == level).sum()),
            }
        )
    out = pd.DataFrame(rows)
    ref = references()[variable]
    reference = out.loc[out[variable] == ref, "probability"]
    base = float(reference.iloc[0]) if len(reference) and variable not in model.dropped else np.nan
    out["difference_vs_reference"] = out["probability"] - base
    out["risk_ratio_vs_reference"] = out["probability"] / base
    return out


@dataclass(frozen=True)
class ManyTests:
    """The published significance claims read against a Bonferroni correction, and the
    replicated p-values against Holm's."""

    tests: int
    threshold: float
    survive: list[str]
    unknown: list[str]
    holm_significant: int
    holm_tested: int


def many_tests(table: pd.DataFrame, alpha: float = 0.05) -> ManyTests:
    """For a :func:`coefficient_table`: the Bonferroni threshold for the published terms;
    the published terms whose printed bound is at or below it (they ``survive`` on the
    published information alone) and the others, reported only under a looser bound, whose
    fate after correction is ``unknown`` (reader's names); and how many of the published
    terms these data estimate stay significant at ``alpha`` after Holm's correction."""
    from statsmodels.stats.multitest import multipletests

    published = table[table["provenance"] == "published"]
    fitted = published[published["estimable"]]
    threshold = alpha / len(published)
    bounds = {c.id: c.p_bound for c in claims().values() if c.kind == "odds_ratio"}
    survivors = {t.claim_id for t in terms() if t.claim_id and bounds[t.claim_id] <= threshold}
    holm = multipletests(fitted["p_value"], alpha=alpha, method="holm")[0] if len(fitted) else []
    return ManyTests(
        tests=len(published),
        threshold=threshold,
        survive=[t.label for t in terms() if t.claim_id in survivors],
        unknown=[t.label for t in terms() if t.claim_id and t.claim_id not in survivors],
        holm_significant=int(np.sum(holm)),
        holm_tested=len(fitted),
    )


def level_predictions(model: ModelFit, variable: str) -> pd.DataFrame:
    """:func:`average_predictions` for a chart: each level by its reader's name (``label``)
    with its odds ratio against the reference (1 for the reference itself; NaN for a level
    the model has no coefficient for)."""
    out = average_predictions(model, variable)
    out["label"] = [codebook_field(variable).label(v) for v in out[variable]]
    odds = {term_name(k): float(np.exp(v)) for k, v in model.result.params.items()}
    out["odds_ratio"] = [
        1.0 if v == references()[variable] else odds.get(f"{variable}[{v}]", np.nan)
        for v in out[variable]
    ]
    return out


def probability_contrast(model: ModelFit, variable: str, level: str) -> dict[str, float] | None:
    """Average predicted probabilities for the reference and one level, with their risk
    ratio and odds ratio; None when these data cannot estimate the contrast."""
    if variable in model.dropped or level not in set(model.data[variable]):
        return None
    pred = average_predictions(model, variable).set_index(variable)
    ref = references()[variable]
    p0, p1 = float(pred.loc[ref, "probability"]), float(pred.loc[level, "probability"])
    odds = {term_name(k): float(np.exp(v)) for k, v in model.result.params.items()}
    return {
        "reference": p0,
        "level": p1,
        "risk_ratio": p1 / p0,
        "odds_ratio": odds.get(f"{variable}[{level}]", np.nan),
    }


def for_readers(table: pd.DataFrame) -> pd.DataFrame:
    """A :func:`coefficient_table` for readers: each term by its reader's name (``label``),
    no numbers for a term these data cannot estimate, and the verdicts in words
    (``ci_covers``, ``significant``; ``estimability``: "estimable" or why not)."""
    out = table.copy()
    out["label"] = [term_label(t) for t in out["term"]]
    blank = ~out["estimable"]
    for col in ("odds_ratio", "ci_low", "ci_high", "p_value"):
        out[col] = out[col].astype(float).where(~blank)
    published = out["provenance"] == "published"
    out["ci_covers"] = [
        ("yes" if c else "no") if ok and pub else "–"
        for c, ok, pub in zip(out["covers_published"], ~blank, published, strict=True)
    ]
    out["significant"] = [
        ("yes" if s else "no") if ok and pub else "–"
        for s, ok, pub in zip(out["in_published_bracket"], ~blank, published, strict=True)
    ]
    out["estimability"] = out["not_estimable_because"].replace("", "estimable")
    return out
