"""The published model under every analysis a careful analyst could defend (a multiverse).

Five choices, the published one first in each:

- **role coding**: psychotherapy and community organization each against all other roles,
  or psychotherapy alone against all other roles (community organization among them);
- **age and graduation year**: both per year, age alone, graduation year alone, or both
  with a B-spline of age (patsy ``bs(age, df=4)``);
- **setting reference**: the four named settings against social service agencies (other
  settings keep their own category), or against all other settings together;
- **missing covariates**: complete cases, or multiple imputation by chained equations
  (statsmodels ``MICEData``), the same imputed data sets for every specification;
- **country**: fixed effects, or fixed effects plus a country × setting interaction for
  the settings large enough in every country (country indicators centred, so the setting
  odds ratio stays an average over the country mix).

Every combination the data support is a specification. A choice the data cannot support
(a covariate absent from the file, a level with too few respondents, no missing values to
impute, one country) has one level only, and :attr:`Data.choice_notes` says why, choice by
choice (the last column of :func:`choices_table`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cached_property

import numpy as np
import pandas as pd
import patsy
from scipy import optimize, special, stats
from statsmodels.discrete.discrete_model import MNLogit
from statsmodels.imputation.mice import MICEData

from .codebook import field as codebook_field
from .codebook import survey_year
from .models import Z95, formula_for, term_name
from .registry import claims
from .spec import CATEGORICAL, CONTINUOUS, OUTCOME, Term, references, term_label, terms

# Fewest respondents a category needs to be estimated; smaller ones are set aside.
MIN_LEVEL = 10
# A setting gets country-specific contrasts only with this many respondents with and
# without the outcome in every country (and as many in the reference setting): the usual
# ten events per estimated parameter.
MIN_CELL_OUTCOMES = 10
# A covariate observed for less than this share of the model rows is treated as absent.
MIN_OBSERVED_SHARE = 0.5
IMPUTATIONS = 10
BURN_IN = 10
BETWEEN_DRAWS = 2
SPLINE_DF = 4
POOLED = "other_settings"
ABSENT = "absent"
# Newton stops when the log-likelihood can rise by less than this (the Newton decrement,
# free of the covariates' scales).
TOLERANCE = 1e-12
# A log odds ratio beyond this (an odds ratio beyond about 3 million) means separation.
MAX_LOG_ODDS = 15.0


@dataclass(frozen=True)
class Dimension:
    """One analytic choice: its levels (key, reader's label), the published one first."""

    key: str
    label: str
    levels: tuple[tuple[str, str], ...]
    absent: str

    def level_label(self, key: str) -> str:
        return dict(self.levels).get(key, self.absent)


DIMENSIONS = (
    Dimension(
        "role",
        "Role coding",
        (
            ("two", "psychotherapy and community organization"),
            ("psychotherapy", "psychotherapy only"),
        ),
        "role not in these data",
    ),
    Dimension(
        "age",
        "Age and graduation year",
        (
            ("both", "both, per year"),
            ("age", "age only"),
            ("graduation", "graduation year only"),
            ("spline", "both, spline for age"),
        ),
        "neither in these data",
    ),
    Dimension(
        "setting",
        "Setting reference",
        (
            ("agency", "social service agency"),
            ("pooled", "all other settings"),
        ),
        "setting not in these data",
    ),
    Dimension(
        "missing",
        "Missing covariates",
        (("complete", "complete cases"), ("imputed", "multiple imputation")),
        "",
    ),
    Dimension(
        "country",
        "Country",
        (
            ("fixed", "fixed effects"),
            ("interaction", "with country × large settings"),
        ),
        "one country: no country terms",
    ),
)
DIMENSION = {d.key: d for d in DIMENSIONS}


@dataclass(frozen=True)
class Spec:
    """One specification: a level of every choice (the defaults are the published ones)."""

    role: str = "two"
    age: str = "both"
    setting: str = "agency"
    missing: str = "complete"
    country: str = "fixed"

    @property
    def key(self) -> str:
        return "-".join(getattr(self, f.name) for f in fields(self))

    @property
    def published(self) -> bool:
        return self == Spec()

    def choices(self) -> dict[str, str]:
        """Each dimension's label and this specification's level, as a reader says them."""
        return {d.label: d.level_label(getattr(self, d.key)) for d in DIMENSIONS}

    @property
    def label(self) -> str:
        return "; ".join(f"{k.lower()}: {v}" for k, v in self.choices().items())


def published_terms() -> list[Term]:
    """The model terms with a published odds ratio."""
    return [t for t in terms() if t.provenance == "published"]


def analysis_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Respondents who answered the outcome: ``y`` = 1 for yes, covariates typed as
    :func:`helpers.science.models.model_frame` types them, missing covariates kept (as NaN)."""
    data = frame[frame[OUTCOME].notna()]
    out = pd.DataFrame({"y": (data[OUTCOME] == "yes").astype(int)}, index=data.index)
    for var in CATEGORICAL:
        out[var] = data[var].astype(object).where(data[var].notna(), np.nan)
    for var in CONTINUOUS:
        out[var] = pd.to_numeric(data[var], errors="coerce").astype(float)
    return out.reset_index(drop=True)


@dataclass
class Data:
    """The rows every specification is fitted to, what the data support, and why: a note
    for each choice that runs fewer levels than it has, or loses respondents, keyed by the
    choice (``answered``: every respondent who answered the outcome, before any was set
    aside)."""

    rows: pd.DataFrame
    available: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]
    large_settings: tuple[str, ...]
    choice_notes: dict[str, list[str]]
    answered: pd.DataFrame
    imputed: list[pd.DataFrame] = field(default_factory=list)
    _coded: dict[tuple[int, str, str], tuple[pd.DataFrame, dict[str, str]]] = field(
        default_factory=dict, repr=False
    )

    @property
    def notes(self) -> list[str]:
        """Every note, choice by choice in the order of :data:`DIMENSIONS`."""
        return [note for d in DIMENSIONS for note in self.choice_notes.get(d.key, [])]

    @cached_property
    def complete(self) -> pd.DataFrame:
        """Complete cases over the available covariates."""
        return self.rows.dropna(subset=list(self.available)).reset_index(drop=True)

    def frames(self, spec: Spec) -> list[pd.DataFrame]:
        """The data sets a specification is fitted to: complete cases, or every imputed
        copy."""
        return self.imputed if spec.missing == "imputed" else [self.complete]

    @cached_property
    def published(self) -> tuple[Fit, pd.DataFrame, pd.DataFrame, list[str]]:
        """The published specification (the published choices where the data allow them,
        complete cases): its fit, design matrix, rows as it codes them, and formula terms
        (fitted once, shared by the intervals, the reading aid and the diagnostics)."""
        rows, _ = self.coded(self.baseline)
        parts = formula_terms(self.baseline, self)
        fit, X = fit_terms(parts, rows)
        return fit, X, rows, parts

    def coded(self, spec: Spec, index: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
        """Data set ``index`` of the specification, recoded as it codes role and setting,
        and its reference categories (kept once per coding)."""
        key = (index if spec.missing == "imputed" else -1, spec.role, spec.setting)
        if key not in self._coded:
            self._coded[key] = recode(self.frames(spec)[index], spec)
        return self._coded[key]

    @property
    def missing_rows(self) -> int:
        return len(self.rows) - len(self.complete)

    def specifications(self) -> list[Spec]:
        """Every combination of the levels these data support."""
        keys = [d.key for d in DIMENSIONS]
        return [
            Spec(**dict(zip(keys, combo, strict=True)))
            for combo in itertools.product(*(self.levels[k] for k in keys))
        ]

    @property
    def baseline(self) -> Spec:
        """The published choices, where the data allow them (the first level of each)."""
        return Spec(**{d.key: self.levels[d.key][0] for d in DIMENSIONS})


def _label(variable: str, level: str) -> str:
    return codebook_field(variable).label(level)


Notes = dict[str, list[str]]
"""Notes on what the data do not support, keyed by the choice (:attr:`Dimension.key`)."""


def _choice_of(variable: str) -> str:
    """The choice a covariate belongs to: age and graduation year are one choice."""
    return "age" if variable in CONTINUOUS else variable


def _set_aside(rows: pd.DataFrame, available: Sequence[str], notes: Notes) -> pd.DataFrame:
    """Leave out the respondents of a category too small, or too uniform, to estimate."""
    keep = pd.Series(True, index=rows.index)
    for var in CATEGORICAL:
        if var not in available:
            continue
        for level, group in rows.dropna(subset=[var]).groupby(var)["y"]:
            n, yes = len(group), int(group.sum())
            if n >= MIN_LEVEL and 0 < yes < n:
                continue
            why = (
                f"only {n} respondent{'s' if n != 1 else ''} (fewer than {MIN_LEVEL})"
                if n < MIN_LEVEL
                else f"all {n} gave the same answer (perfect separation)"
            )
            notes.setdefault(_choice_of(var), []).append(
                f"{codebook_field(var).title} '{_label(var, str(level))}': {why}; these "
                "respondents are set aside in every specification."
            )
            keep &= rows[var] != level
    return rows[keep].reset_index(drop=True)


def _large_settings(rows: pd.DataFrame) -> tuple[str, ...]:
    """Named settings with enough respondents with and without the outcome in every
    country, the reference setting too."""
    observed = rows.dropna(subset=["country", "setting"])
    countries = sorted(set(observed["country"]))
    counts = observed.groupby(["setting", "country"])["y"].agg(["size", "sum"])

    def enough(setting: str) -> bool:
        for country in countries:
            if (setting, country) not in counts.index:
                return False
            n, yes = counts.loc[(setting, country)]
            if min(yes, n - yes) < MIN_CELL_OUTCOMES:
                return False
        return True

    named = [t.level for t in published_terms() if t.variable == "setting"]
    if not enough(references()["setting"]):
        return ()
    return tuple(s for s in named if enough(s))


def _supported_levels(
    rows: pd.DataFrame, available: Sequence[str], large: Sequence[str], notes: Notes
) -> dict[str, tuple[str, ...]]:
    """The levels of each choice these rows support, with a note for each one they do not."""
    levels: dict[str, tuple[str, ...]] = {}
    roles = set(rows["role"].dropna())
    if "role" not in available:
        levels["role"] = (ABSENT,)
    elif "community_organization" not in roles:
        levels["role"] = ("psychotherapy",)
        notes.setdefault("role", []).append(
            "No community organization respondents to estimate: the two role codings "
            "coincide, and the community organization odds ratio is not estimable."
        )
    elif "psychotherapy" not in roles:
        levels["role"] = ("two",)
        notes.setdefault("role", []).append(
            "No psychotherapy respondents to estimate: one role coding only."
        )
    else:
        levels["role"] = ("two", "psychotherapy")

    age, grad = "age" in available, "graduation_year" in available
    levels["age"] = (
        ("both", "age", "graduation", "spline")
        if age and grad
        else ("age",)
        if age
        else ("graduation",)
        if grad
        else (ABSENT,)
    )

    settings = set(rows["setting"].dropna())
    reference = references()["setting"]
    if "setting" not in available:
        levels["setting"] = (ABSENT,)
    elif reference not in settings:
        levels["setting"] = ("pooled",)
        notes.setdefault("setting", []).append(
            f"No {_label('setting', reference).lower()} respondents: the named settings "
            "are compared with all other settings together only."
        )
    elif not settings - {reference} - {t.level for t in published_terms()}:
        levels["setting"] = ("agency",)
        notes.setdefault("setting", []).append(
            "No respondents in settings other than the five named: the two setting "
            "references coincide."
        )
    else:
        levels["setting"] = ("agency", "pooled")

    missing = int(rows[list(available)].isna().any(axis=1).sum())
    levels["missing"] = ("complete", "imputed") if missing else ("complete",)
    if not missing:
        notes.setdefault("missing", []).append(
            "No respondent in the model lacks a covariate, so complete cases are all cases "
            "and multiple imputation has nothing to impute: one level of that choice."
        )

    countries = sorted(set(rows["country"].dropna()))
    if len(countries) < 2:
        levels["country"] = (ABSENT,)
        notes.setdefault("country", []).append(
            f"Only one country ({', '.join(countries) or 'none'}) in these data: no country "
            "terms, and no country × setting interaction."
        )
    elif not large:
        levels["country"] = ("fixed",)
        notes.setdefault("country", []).append(
            f"No named setting has {MIN_CELL_OUTCOMES} respondents with and "
            f"{MIN_CELL_OUTCOMES} without contact outside work hours in every country (nor, "
            "for the interaction to be estimable, the reference setting): no country × "
            "setting interaction."
        )
    else:
        levels["country"] = ("fixed", "interaction")
    return levels


def prepare(frame: pd.DataFrame, seed: int, imputations: int = IMPUTATIONS) -> Data:
    """The analysis rows of a respondent frame, the choices they support (with a note
    for each they do not), and, when covariates are missing, the imputed data sets every
    specification shares."""
    notes: Notes = {}
    rows = analysis_rows(frame)
    available = []
    for var in (*CATEGORICAL, *CONTINUOUS):
        share = float(rows[var].notna().mean()) if len(rows) else 0.0
        if share >= MIN_OBSERVED_SHARE:
            available.append(var)
        else:
            what = "absent from these data" if share == 0 else f"observed for only {share:.0%}"
            notes.setdefault(_choice_of(var), []).append(
                f"{codebook_field(var).title} is {what} (at least {MIN_OBSERVED_SHARE:.0%} of "
                "the model's respondents needed): it is left out of every specification."
            )
            rows[var] = np.nan
    kept = _set_aside(rows, available, notes)
    large = _large_settings(kept) if "setting" in available else ()
    levels = _supported_levels(kept, available, large, notes)
    data = Data(kept, tuple(available), levels, large, notes, answered=rows)
    if "imputed" in levels["missing"]:
        data.imputed = impute(kept, data.available, seed, imputations)
    return data


PRIOR_SD = 2.5
"""Standard deviation of the normal prior on the slopes of a categorical covariate's
imputation model (log-odds scale, contrasts against its first category; intercepts flat).
Weak enough to leave a well-identified fit almost as it is; strong enough that a category
never seen with some answer (an empty cell, such as a setting nobody in one country
reported: perfect prediction) gets a finite coefficient, where the maximum-likelihood fit
drifts to infinity and its imputations become arbitrary (White, Daniel and Royston 2010,
whose remedy is augmenting the data instead). 2.5 is the scale Gelman et al. (2008) propose
for a Cauchy prior on standardised inputs; the inputs here are not rescaled, which is
comparable for 0/1 indicators and far weaker per year of age or graduation year. Because
the prior is on contrasts, the imputations depend slightly on which category is first."""


def _posterior(
    model: MNLogit, name: str, max_iter: int = 100, tol: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mode of a multinomial logistic model's coefficients under the prior of
    :data:`PRIOR_SD` (flattened equation by equation, as ``MNLogit`` orders them), and the
    inverse of the penalised information there: the normal approximation to the posterior
    that the imputations draw from. Newton's method with step halving (the penalised
    log-likelihood is strictly concave); a model that does not converge is refused, naming
    the covariate ``name``, rather than drawn from."""
    exog = np.asarray(model.exog)
    flat = np.all(exog == 1.0, axis=0)  # the intercept's column gets no prior
    penalty = np.tile(np.where(flat, 0.0, 1.0 / PRIOR_SD**2), model.J - 1)

    def objective(beta: np.ndarray) -> float:
        return float(model.loglike(beta) - 0.5 * penalty @ beta**2)

    def refuse(why: str) -> ValueError:
        return ValueError(
            f"the imputation model of {codebook_field(name).title} {why}: these data cannot "
            "support imputing it"
        )

    beta = np.zeros(model.K * (model.J - 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_iter):
            info = -model.hessian(beta) + np.diag(penalty)
            step = np.linalg.solve(info, model.score(beta) - penalty * beta)
            if np.abs(step).max() < tol:
                break
            current, size = objective(beta), 1.0
            # a trial step whose exponentials overflow (NaN) counts as worse
            while not objective(beta + size * step) >= current - 1e-9 * (1 + abs(current)):
                size /= 2
                if size < 1e-6:
                    raise refuse("found no better step")
            beta = beta + size * step
        else:
            raise refuse(f"did not converge in {max_iter} Newton steps")
    cov = np.linalg.inv(info)
    return beta, (cov + cov.T) / 2


class _ChainedEquations(MICEData):
    """statsmodels' MICEData, with each categorical covariate drawn from a multinomial
    logistic model (parameters drawn from their approximate posterior under a weak prior,
    :func:`_posterior`, then a category per row) instead of predictive mean matching on
    category codes."""

    def __init__(self, data: pd.DataFrame, categorical: Sequence[str], rng: np.random.Generator):
        self.categorical = tuple(categorical)
        super().__init__(data, rng=rng)

    def perturb_params(self, vname: str) -> None:
        if vname not in self.categorical:
            super().perturb_params(vname)
            return
        endog, exog, _, _ = self.get_fitting_data(vname)
        model = MNLogit(endog, exog)
        mode, cov = _posterior(model, vname)
        draw = self.rng.multivariate_normal(mode, cov, method="eigh")
        self.params[vname] = draw.reshape((model.K, model.J - 1), order="F")

    def impute(self, vname: str) -> None:
        if vname not in self.categorical:
            super().impute(vname)
            return
        endog_obs, _, exog_miss, _, _ = self.get_split_data(vname)
        # the multinomial logistic probabilities (the first category the reference, as in
        # MNLogit.predict), by a softmax that cannot overflow
        eta = np.asarray(exog_miss) @ self.params[vname]
        prob = special.softmax(np.column_stack([np.zeros(len(eta)), eta]), axis=1)
        chosen = (self.rng.random(len(prob))[:, None] > np.cumsum(prob, axis=1)[:, :-1]).sum(1)
        self._store_changes(vname, np.unique(endog_obs)[chosen])


def impute(
    rows: pd.DataFrame, available: Sequence[str], seed: int, imputations: int = IMPUTATIONS
) -> list[pd.DataFrame]:
    """``imputations`` completed copies of ``rows`` by chained equations: every partly
    missing covariate imputed from the outcome and the other covariates (main effects),
    after a burn-in, with cycles between the copies kept."""
    cats = [v for v in CATEGORICAL if v in available]
    codes = {v: sorted(rows[v].dropna().unique()) for v in cats}
    numeric = rows[["y", *available]].copy()
    for v in cats:
        numeric[v] = rows[v].map({level: float(i) for i, level in enumerate(codes[v])})
    varying = [v for v in available if numeric[v].nunique() > 1]
    missing = [v for v in available if numeric[v].isna().any()]
    mice = _ChainedEquations(
        numeric[["y", *varying]], [v for v in cats if v in missing], np.random.default_rng(seed)
    )
    for v in missing:
        others = ["y", *[w for w in varying if w != v]]
        mice.set_imputer(v, " + ".join(f"C({w})" if w in cats else w for w in others))
    mice.update_all(BURN_IN)
    out = []
    for _ in range(imputations):
        mice.update_all(BETWEEN_DRAWS)
        done = rows.copy()
        for v in missing:
            values = mice.data[v].to_numpy()
            done[v] = [codes[v][int(c)] for c in values] if v in cats else values
        out.append(done)
    return out


def recode(rows: pd.DataFrame, spec: Spec) -> tuple[pd.DataFrame, dict[str, str]]:
    """The rows as a specification codes them, and its reference categories."""
    out, refs = rows.copy(), {}
    if spec.role == "psychotherapy":
        out["role"] = out["role"].replace({"community_organization": "other"})
    if spec.setting == "pooled":
        named = {t.level for t in published_terms() if t.variable == "setting"}
        out["setting"] = out["setting"].where(out["setting"].isin(named), POOLED)
        refs["setting"] = POOLED
    return out, refs


def _interaction(setting: str, country: str) -> str:
    return f"I((setting == '{setting}') * 1.0):center(I((country == '{country}') * 1.0))"


def formula(spec: Spec, data: Data) -> str:
    """The specification's model formula (on the rows :func:`recode` returns)."""
    return "y ~ " + " + ".join(formula_terms(spec, data) or ["1"])


def formula_terms(spec: Spec, data: Data) -> list[str]:
    """The right-hand side of the specification's formula, term by term."""
    coded, refs = data.coded(replace(spec, missing="complete"))
    base, _ = formula_for(coded, refs)
    left_out = {"age": {"graduation_year"}, "graduation": {"age"}}.get(spec.age, set())
    parts = [p for p in base.removeprefix("y ~ ").split(" + ") if p not in left_out | {"1"}]
    if spec.age == "spline":
        parts[parts.index("age")] = f"bs(age, df={SPLINE_DF})"
    if spec.country == "interaction":
        reference = references()["country"]
        others = sorted(set(coded["country"]) - {reference})
        parts += [_interaction(s, c) for s in data.large_settings for c in others]
    return parts


class _Designs:
    """Design matrices of every specification, built once per formula term and data set
    (patsy, column names as a formula fit names them)."""

    def __init__(self, data: Data) -> None:
        self.data = data
        self._blocks: dict[tuple[int, str, str], pd.DataFrame] = {}

    def matrix(
        self, spec: Spec, parts: list[str], index: int = 0
    ) -> tuple[np.ndarray, pd.DataFrame]:
        coded, _ = self.data.coded(spec, index)
        blocks = [pd.DataFrame({"Intercept": np.ones(len(coded))})]
        for part in parts:
            coding = spec.role if "C(role" in part else spec.setting if "C(setting" in part else ""
            key = (index if spec.missing == "imputed" else -1, part, coding)
            if key not in self._blocks:
                block = patsy.dmatrix(part, coded, return_type="dataframe", NA_action="raise")
                self._blocks[key] = block.drop(columns="Intercept").reset_index(drop=True)
            blocks.append(self._blocks[key])
        return coded["y"].to_numpy(float), pd.concat(blocks, axis=1)


@dataclass
class Fit:
    """A logistic regression fitted by :func:`newton`."""

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    llf: float
    converged: bool

    @property
    def separated(self) -> bool:
        """Signs of (quasi-)separation: no convergence, or a coefficient running away."""
        slopes = self.params.drop("Intercept", errors="ignore")
        return not self.converged or bool(np.any(np.abs(slopes) > MAX_LOG_ODDS))


def newton(
    y: np.ndarray,
    X: pd.DataFrame,
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 50,
) -> Fit:
    """Maximum-likelihood logistic regression by Newton–Raphson: the estimates and
    standard errors of statsmodels' ``Logit`` (a test checks). Sums run in numpy's own
    loops (``einsum``), not in multi-threaded BLAS, which on a busy machine with few cores
    makes the many small fits of a multiverse many times slower."""
    xt = np.ascontiguousarray(X.to_numpy(dtype=float).T)
    off = np.zeros(len(y)) if offset is None else offset
    beta = np.zeros(len(xt)) if start is None else start.astype(float).copy()
    converged = False
    for _ in range(max_iter):
        mu = special.expit(np.einsum("in,i->n", xt, beta) + off)
        info = np.einsum("in,jn->ij", xt * (mu * (1 - mu)), xt)
        score = np.einsum("in,n->i", xt, y - mu)
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:  # the information vanished: separation
            break
        beta = beta + step
        if float(score @ step) < TOLERANCE:
            converged = True
            break
    eta = np.einsum("in,i->n", xt, beta) + off
    mu = special.expit(eta)
    info = np.einsum("in,jn->ij", xt * (mu * (1 - mu)), xt)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov, converged = np.linalg.pinv(info), False
    names = list(X.columns)
    return Fit(
        params=pd.Series(beta, index=names),
        bse=pd.Series(np.sqrt(np.diag(cov)), index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        llf=float(np.sum(y * eta - np.logaddexp(0.0, eta))),
        converged=converged,
    )


def _published_rows(params: pd.Series, bse: pd.Series, df: float | None) -> list[dict]:
    named = {term_name(k): k for k in params.index}
    rows = []
    for t in published_terms():
        if t.name not in named:
            continue
        b, se = float(params[named[t.name]]), float(bse[named[t.name]])
        crit = Z95 if df is None else float(stats.t.ppf(0.975, df))
        p = 2 * (stats.norm.sf(abs(b / se)) if df is None else stats.t.sf(abs(b / se), df))
        rows.append(
            {
                "term": t.name,
                "log_or": b,
                "se": se,
                "odds_ratio": float(np.exp(b)),
                "ci_low": float(np.exp(b - crit * se)),
                "ci_high": float(np.exp(b + crit * se)),
                "p_value": float(p),
            }
        )
    return rows


def _rubin(fits: list[Fit]) -> tuple[pd.Series, pd.Series, float]:
    """Rubin's rules over the fits to the imputed data sets: pooled estimates, standard
    errors, and the smallest of the degrees of freedom of the pooled terms."""
    params = pd.DataFrame([f.params for f in fits])
    var = pd.DataFrame([f.bse**2 for f in fits])
    m = len(fits)
    within, between = var.mean(), params.var(ddof=1)
    total = within + (1 + 1 / m) * between
    ratio = ((1 + 1 / m) * between / within).replace(0, 1e-12)
    df = float(((m - 1) * (1 + 1 / ratio) ** 2).min())
    return params.mean(), np.sqrt(total), df


def fit_all(data: Data) -> pd.DataFrame:
    """Fit every specification; one row per specification and published term it estimates
    (odds ratio, 95% CI, p), with the specification's choices and whether it reproduces the
    published significance claim (p below the published bound, published direction)."""
    designs = _Designs(data)
    out: list[dict] = []
    for spec in data.specifications():
        frames, parts = data.frames(spec), formula_terms(spec, data)
        fits, ok = [], True
        for i in range(len(frames)):
            y, X = designs.matrix(spec, parts, i)
            result = newton(y, X)
            fits.append(result)
            ok &= not result.separated
        if len(fits) == 1:
            params, bse, df = fits[0].params, fits[0].bse, None
        else:
            params, bse, df = _rubin(fits)
        for row in _published_rows(params, bse, df):
            row.update(spec=spec.key, n=len(frames[0]), converged=ok)
            row.update(formula="y ~ " + " + ".join(parts or ["1"]))
            row.update({d.key: getattr(spec, d.key) for d in DIMENSIONS})
            out.append(row)
    table = pd.DataFrame(out)
    if table.empty:
        return table
    bounds = {
        t.name: (claims()[t.claim_id].p_bound, np.sign(t.log_odds)) for t in published_terms()
    }
    table["reproduces"] = [
        bool(r.p_value < bounds[r.term][0] and np.sign(r.log_or) == bounds[r.term][1])
        for r in table.itertuples()
    ]
    table["label"] = [term_label(t) for t in table["term"]]
    return table


def term_summary(estimates: pd.DataFrame) -> pd.DataFrame:
    """Per published term: how many specifications estimate it, the spread of its odds
    ratio, the share reproducing the published significance claim, and the choice that
    moves it most (the largest difference between the average log odds ratios of two
    levels of one choice)."""
    rows = []
    for t in published_terms():
        est = estimates[estimates["term"] == t.name] if len(estimates) else estimates
        row: dict[str, object] = {
            "term": t.name,
            "label": t.label,
            "published_or": t.odds_ratio,
            "published_p": claims()[t.claim_id].p_bound,
            "specifications": len(est),
        }
        if len(est):
            best, shift = "", -1.0
            for d in DIMENSIONS:
                means = est.groupby(d.key)["log_or"].mean()
                if len(means) < 2:
                    continue
                span = round(float(means.max() - means.min()), 9)
                if span > shift:
                    lo, hi = means.idxmin(), means.idxmax()
                    best, shift = (
                        (
                            f"{d.label.lower()}: {d.level_label(lo)} {np.exp(means[lo]):.2f} vs "
                            f"{d.level_label(hi)} {np.exp(means[hi]):.2f}"
                        ),
                        span,
                    )
            row.update(
                or_min=float(est["odds_ratio"].min()),
                or_max=float(est["odds_ratio"].max()),
                reproduce_share=float(est["reproduces"].mean()),
                moves_most=best or "–",
            )
        rows.append(row)
    return pd.DataFrame(rows)


def estimated_terms(summary: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`term_summary` for the terms some specification estimates, with
    ``ratio``, the largest odds ratio over the smallest (rounded to 9 digits, so that terms
    sort alike on any machine)."""
    return summary.dropna(subset=["or_min"]).assign(
        ratio=lambda s: (s["or_max"] / s["or_min"]).round(9)
    )


def default_term(summary: pd.DataFrame) -> str:
    """The term the specification curve opens on: of the terms whose published claim holds
    in the fewest specifications, the one whose odds ratio moves most (the first published
    term when no specification estimates any)."""
    spread = estimated_terms(summary)
    if spread.empty:
        return str(summary["label"].iloc[0])
    ranked = spread.sort_values(
        ["reproduce_share", "ratio"], ascending=[True, False], kind="stable"
    )
    return str(ranked["label"].iloc[0])


@dataclass(frozen=True)
class Holding:
    """The estimated terms (rows of :func:`estimated_terms`) by how often the published
    significance claim holds across the specifications that estimate them."""

    estimated: pd.DataFrame
    always: pd.DataFrame
    sometimes: pd.DataFrame
    never: pd.DataFrame


def holding(summary: pd.DataFrame) -> Holding:
    """Split the estimated terms of :func:`term_summary` into those whose published claim
    holds in every specification, in some only, and in none."""
    spread = estimated_terms(summary)
    share = spread["reproduce_share"]
    return Holding(
        estimated=spread,
        always=spread[share == 1],
        sometimes=spread[share.between(0, 1, inclusive="neither")],
        never=spread[share == 0],
    )


def choices_table(data: Data) -> pd.DataFrame:
    """The choices: the published level, the alternatives, the levels these data run, and
    why a choice runs fewer levels than it has, or loses respondents, on these data."""
    return pd.DataFrame(
        [
            {
                "choice": d.label,
                "published": d.levels[0][1],
                "alternatives": "; ".join(label for _, label in d.levels[1:]),
                "run here": "; ".join(d.level_label(k) for k in data.levels[d.key]),
                "levels": len(data.levels[d.key]),
                "on these data": " ".join(data.choice_notes.get(d.key, [])) or "–",
            }
            for d in DIMENSIONS
        ]
    )


def limited_choices(data: Data) -> int:
    """How many choices the data restrict: fewer levels than the choice has, or
    respondents set aside (each has a note)."""
    return sum(bool(data.choice_notes.get(d.key)) for d in DIMENSIONS)


def count_text(data: Data) -> str:
    """How the number of specifications arises: ``2 × 4 × 2 × 1 × 2 = 32``."""
    sizes = [len(data.levels[d.key]) for d in DIMENSIONS]
    return " × ".join(map(str, sizes)) + f" = {int(np.prod(sizes))}"


def design(spec: Spec, data: Data) -> tuple[np.ndarray, pd.DataFrame]:
    """Outcome and design matrix of a complete-case specification."""
    spec = replace(spec, missing="complete")
    return _Designs(data).matrix(spec, formula_terms(spec, data))


def profile_interval(
    y: np.ndarray, X: pd.DataFrame, column: str, level: float = 0.95
) -> tuple[float, float]:
    """Profile-likelihood confidence interval for one coefficient of a logistic
    regression (``X`` with an ``Intercept`` column): the values at which the deviance,
    minimised over the other coefficients, rises by the chi-squared(1) quantile above its
    minimum. Each point is a refit with the coefficient fixed through an offset
    (statsmodels has no profile likelihood for Logit). An end the likelihood never reaches
    is infinite; when the data separate (no finite estimate), both ends are NaN."""
    # centred covariates change only the intercept, and keep every refit's start close
    X = X.astype(float)
    X = X - X.mean().where(X.columns != "Intercept", 0.0)
    full = newton(y, X)
    if full.separated:
        return np.nan, np.nan
    b_hat, se = float(full.params[column]), float(full.bse[column])
    others, x = X.drop(columns=column), X[column].to_numpy()
    last = {"start": full.params.drop(column).to_numpy()}
    target = float(np.sqrt(stats.chi2.ppf(level, 1)))

    def signed_root(b: float) -> float:
        """sign(b - b̂) × √(deviance rise): close to linear in b, so roots come fast."""
        fit = newton(y, others, offset=b * x, start=last["start"])
        last["start"] = fit.params.to_numpy()
        return float(np.sign(b - b_hat) * np.sqrt(max(2 * (full.llf - fit.llf), 0.0)))

    def end(direction: int) -> float:
        # secant steps from the Wald end, where the profile end usually lies close
        wald = b_hat + direction * target * se
        guess = b_hat + (wald - b_hat) * target / abs(signed_root(wald))
        found = optimize.root_scalar(
            lambda b: signed_root(b) - direction * target, x0=wald, x1=guess, xtol=1e-10
        )
        if found.converged and direction * (found.root - b_hat) > 0:
            return float(found.root)
        inner, edge = b_hat, wald
        for _ in range(12):
            if direction * signed_root(edge) >= target:
                return float(
                    optimize.brentq(
                        lambda b: signed_root(b) - direction * target,
                        *sorted((inner, edge)),
                        xtol=1e-10,
                    )
                )
            inner, edge = edge, edge + direction * target * se
        return direction * np.inf

    return end(-1), end(+1)


def wald_and_profile(data: Data) -> pd.DataFrame:
    """For the published specification (the published choices where the data allow them,
    complete cases): each published term's odds ratio with its Wald and its
    profile-likelihood 95% interval."""
    result, X, coded, _ = data.published
    y = coded["y"].to_numpy(float)
    columns = {term_name(c): c for c in X.columns}
    rows = []
    for row in _published_rows(result.params, result.bse, None):
        lo, hi = profile_interval(y, X, columns[row["term"]])
        rows.append(
            {
                **row,
                "label": term_label(row["term"]),
                "profile_low": float(np.exp(lo)),
                "profile_high": float(np.exp(hi)),
            }
        )
    return pd.DataFrame(rows)


def largest_interval_gap(profile: pd.DataFrame) -> pd.Series | None:
    """The row of :func:`wald_and_profile` whose Wald and profile-likelihood intervals differ
    most, with ``gap``: the larger relative difference between their lower ends and between
    their upper ends. None when no term has both intervals."""
    gap = np.maximum(
        (profile["profile_low"] / profile["ci_low"] - 1).abs(),
        (profile["profile_high"] / profile["ci_high"] - 1).abs(),
    )
    ranked = profile.assign(gap=gap).dropna(subset=["gap"])
    if ranked.empty:
        return None
    return ranked.sort_values("gap", ascending=False, kind="stable").iloc[0]


def fit_terms(parts: Sequence[str], rows: pd.DataFrame) -> tuple[Fit, pd.DataFrame]:
    """Fit ``y ~ parts`` to the rows (patsy design, :func:`newton`); the fit and design."""
    X = patsy.dmatrix(" + ".join(parts or ["1"]), rows, return_type="dataframe")
    return newton(rows["y"].to_numpy(float), X), X


@dataclass
class Reexpressed:
    """The published fit with age and graduation year re-expressed as age at graduation
    and years since graduation (the same model, the same likelihood)."""

    published: Fit
    reexpressed: Fit

    @property
    def same_fit(self) -> bool:
        return bool(abs(self.published.llf - self.reexpressed.llf) < 1e-6)

    def odds_ratios(self) -> dict[str, float]:
        p = self.reexpressed.params
        return {
            "age_at_graduation": float(np.exp(p["age_at_graduation"])),
            "years_since_graduation": float(np.exp(p["years_since_graduation"])),
        }


def reexpress(data: Data) -> Reexpressed | None:
    """Refit the published specification with age at graduation and years since graduation
    in place of age and graduation year; None when the data lack either covariate."""
    spec = data.baseline
    if spec.age != "both":
        return None
    published, _, rows, parts = data.published
    since = survey_year() - rows["graduation_year"]
    rows = rows.assign(years_since_graduation=since, age_at_graduation=rows["age"] - since)
    swapped = {"graduation_year": "years_since_graduation", "age": "age_at_graduation"}
    return Reexpressed(
        published=published,
        reexpressed=fit_terms([swapped.get(p, p) for p in parts], rows)[0],
    )


def curve_data(estimates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The specification curve's data: per term, the specifications ranked by odds ratio
    (ties by specification), with their labels and whether they reproduce the published
    claim; and, for the panel below, one row per choice each ranked specification made."""
    published = {t.name: t.odds_ratio for t in published_terms()}
    curve = estimates.assign(
        sort_key=[float(f"{v:.6g}") for v in estimates["odds_ratio"]],
        published_or=[published[t] for t in estimates["term"]],
        claim=np.where(estimates["reproduces"], "reproduced", "not reproduced"),
        specification=[
            Spec(**{d.key: getattr(r, d.key) for d in DIMENSIONS}).label
            for r in estimates.itertuples()
        ],
    ).sort_values(["term", "sort_key", "spec"], kind="stable")
    curve["rank"] = curve.groupby("term").cumcount() + 1
    order = {t.name: i for i, t in enumerate(published_terms())}
    curve = curve.sort_values(
        ["term", "rank"], key=lambda c: c.map(order) if c.name == "term" else c
    )
    panel = pd.DataFrame(
        [
            {
                "label": r.label,
                "rank": r.rank,
                "choice": f"{d.label}: {d.level_label(getattr(r, d.key))}",
                "order": (
                    k,
                    [key for key, _ in d.levels].index(getattr(r, d.key))
                    if getattr(r, d.key) in dict(d.levels)
                    else 0,
                ),
            }
            for r in curve.itertuples()
            for k, d in enumerate(DIMENSIONS)
        ]
    ).sort_values(["order", "rank"], kind="stable")
    columns = ["label", "rank", "odds_ratio", "ci_low", "ci_high", "p_value", "claim"]
    return curve[[*columns, "published_or", "specification"]], panel.drop(columns="order")
