"""What the findings mean for practice: derived shares, the reporting audit, the instrument.

* **Derived shares.** The abstract gives most percentages of the people who answered a
  question, and some questions were asked only of ICT users or of those who searched. A
  practitioner reading "64%" needs to know what share of *all* respondents that is. Each
  share here is a published count over the published total (a floor: whoever skipped the
  question is counted as not doing it) and, where the audit allows non-response, a ceiling
  (every non-respondent the audit allows counted as doing it). Nothing is typed: counts come
  from :mod:`helpers.science.registry`, non-response ranges from :mod:`helpers.science.audit`.
* **Reporting audit.** ``data/cherries.csv``: each item of the Checklist for Reporting
  Results of Internet E-Surveys (CHERRIES) against each publication.
* **Literature.** ``data/literature.csv``: figures of other publications (other surveys, and
  the same survey's figures that are not claims of the replicated sample).
* **Instrument.** ``data/instrument/``: a questionnaire template as its own Frictionless
  Data Package, separate from the study's codebook.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..paths import data_dir
from . import audit
from .registry import claim, claims, country_sizes, total_size

STATUSES = ("reported", "partly reported", "not reported", "not checked")
# The publications the reporting audit reads, as columns of data/cherries.csv, with the
# bibliography key of each.
PUBLICATIONS = {
    "abstract_2019": "sswr2019",
    "cswj_2021": "mishna2021socialwork",
    "bjsw_2022": "mishna2022bjsw",
}
CHERRIES_COLUMNS = ("item", "section", "item_name", "asks", "item_seen", *PUBLICATIONS, "where")
LITERATURE_COLUMNS = (
    "id",
    "bibkey",
    "relation",
    "who",
    "country",
    "design",
    "n",
    "finding",
    "compare_to",
)
INSTRUMENT_DIR = "instrument"
# The instrument's downloads, written beside the executed chapter and copied to the site root.
INSTRUMENT_ZIP = "instrument-datapackage.zip"
INSTRUMENT_PAGE = "instrument.html"
# Follow-up items the template must carry (what a follow-up study would add).
FOLLOW_UP_ITEMS = (
    "modality",
    "frequency",
    "device",
    "search_consent",
    "consent_discussed",
    "documentation",
    "training",
)


class DataFileError(ValueError):
    """A data file of this chapter does not hold what is expected; the message says where."""


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise DataFileError(f"{path}: file not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame


def _check_values(path: Path, frame: pd.DataFrame, column: str, allowed: tuple[str, ...]) -> None:
    bad = frame.index[~frame[column].isin(allowed)]
    if len(bad):
        rows = ", ".join(str(i + 2) for i in bad)
        found = ", ".join(sorted({repr(v) for v in frame.loc[bad, column]}))
        raise DataFileError(
            f"{path}: column '{column}', row(s) {rows} (counting the header as row 1): found "
            f"{found}; expected one of {', '.join(repr(a) for a in allowed)}"
        )


# ---------------------------------------------------------------------------- derived shares


@dataclass(frozen=True)
class ShareOfAll:
    """A published count as a share of every respondent (derived)."""

    id: str
    measure: str
    reported: str
    asked_of: str
    count: int
    total: int
    nonresponse_hi: int

    @property
    def floor(self) -> float:
        """The count over all respondents: whoever skipped the question counted as 'no'."""
        return self.count / self.total

    @property
    def ceiling(self) -> float:
        """Every non-respondent the audit allows counted as 'yes'."""
        return (self.count + self.nonresponse_hi) / self.total

    def text(self) -> str:
        """'48.9%' or '48.9% to 51.1%'."""
        if self.nonresponse_hi == 0:
            return f"{self.floor:.1%}"
        return f"{self.floor:.1%} to {self.ceiling:.1%}"


def _finding(claim_id: str) -> audit.Finding:
    for f in audit.findings():
        if f.id == claim_id:
            return f
    raise KeyError(f"no audit finding for claim {claim_id!r}")


def share_of_all(claim_id: str) -> ShareOfAll:
    """A whole-sample percent claim as a share of every respondent, with the ceiling the
    audit's non-response range allows for the claim's own question."""
    c = claim(claim_id)
    if c.kind != "percent" or c.n is None or c.country:
        raise ValueError(f"claim {claim_id!r}: expected a whole-sample percent with a count")
    f = _finding(claim_id)
    return ShareOfAll(
        id=c.id,
        measure=c.measure,
        reported=c.reported(),
        asked_of=f.population or "(no published group fits)",
        count=c.n,
        total=total_size(),
        nonresponse_hi=int(f.nonresponse_hi or 0),
    )


def shares_table(ids: list[str] | None = None) -> pd.DataFrame:
    """Shares of all respondents for the whole-sample percent claims (default: all of them)."""
    if ids is None:
        ids = [
            c.id
            for c in claims().values()
            if c.kind == "percent" and not c.country and c.in_sample and c.variable != "ict_use"
        ]
    rows = []
    for claim_id in ids:
        s = share_of_all(claim_id)
        rows.append(
            {
                "id": s.id,
                "measure": s.measure,
                "reported": s.reported,
                "asked_of": s.asked_of,
                "share_of_all": s.text(),
                "provenance": "derived",
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class SupervisionRange:
    """How many ICT users did not talk with supervisors or colleagues (derived).

    The published count is of everyone who answered, ICT users or not; the published
    figures do not say how it splits. At the fewest, every respondent not counted as an ICT
    user is among those who did not talk; at the most, none is.
    """

    no_talk: int
    users: int
    non_users: int
    asked_of: str
    denominator_lo: int
    denominator_hi: int

    @property
    def lo(self) -> int:
        return max(0, self.no_talk - self.non_users)

    @property
    def hi(self) -> int:
        return min(self.no_talk, self.users)

    @property
    def lo_share(self) -> float:
        return self.lo / self.users

    @property
    def hi_share(self) -> float:
        return self.hi / self.users


def supervision_range() -> SupervisionRange:
    """The range of ICT users who did not talk about their ICT use (derived)."""
    no_talk = claim("no_talk")
    users = claim("ict_use").n
    assert no_talk.n is not None and users is not None
    f = _finding("no_talk")
    return SupervisionRange(
        no_talk=no_talk.n,
        users=users,
        non_users=total_size() - users,
        asked_of=f.population,
        denominator_lo=int(f.denominator_lo or 0),
        denominator_hi=int(f.denominator_hi or 0),
    )


def country_share(country: str) -> float:
    """A country's share of the pooled (replicated) sample (derived)."""
    return country_sizes()[country] / total_size()


# ------------------------------------------------------------------------------- literature


def literature() -> pd.DataFrame:
    """``data/literature.csv``: figures and findings of other publications."""
    path = data_dir() / "literature.csv"
    frame = _read_csv(path, LITERATURE_COLUMNS)
    bad = frame.index[~frame["n"].str.fullmatch(r"\d*")]
    if len(bad):
        raise DataFileError(
            f"{path}: column 'n', row(s) {', '.join(str(i + 2) for i in bad)}: expected a whole "
            "number of people or nothing"
        )
    return frame


def sample_size_differences() -> pd.DataFrame:
    """Sample sizes another publication gives for a group the registry already has."""
    lit = literature()
    rows = []
    for r in lit[lit["compare_to"] != ""].itertuples():
        registered = claim(r.compare_to)
        rows.append(
            {
                "group": registered.measure,
                "registry_id": registered.id,
                "registry_n": registered.n,
                "registry_source": registered.source,
                "other_n": int(r.n),
                "other_source": r.bibkey,
                "difference": int(r.n) - (registered.n or 0),
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- CHERRIES


def cherries() -> pd.DataFrame:
    """``data/cherries.csv``, checked: one row per CHERRIES item, a status per publication."""
    path = data_dir() / "cherries.csv"
    frame = _read_csv(path, CHERRIES_COLUMNS)
    for column in PUBLICATIONS:
        _check_values(path, frame, column, STATUSES)
    _check_values(path, frame, "item_seen", ("yes", "no"))
    if list(frame["item"]) != [str(i) for i in range(1, len(frame) + 1)]:
        raise DataFileError(
            f"{path}: column 'item': expected the items numbered 1, 2, 3 ... in order"
        )
    return frame


def cherries_counts() -> pd.DataFrame:
    """How many items each publication reports, partly reports, does not, or was not checked."""
    frame = cherries()
    return pd.DataFrame(
        {col: [int((frame[col] == s).sum()) for s in STATUSES] for col in PUBLICATIONS},
        index=list(STATUSES),
    )


# ---------------------------------------------------------------------------- instrument


def instrument_dir() -> Path:
    """The folder of the instrument template package."""
    return data_dir() / INSTRUMENT_DIR


def instrument_package() -> dict[str, Any]:
    """The instrument template's Data Package descriptor."""
    path = instrument_dir() / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"{path}: file not found") from None
    except json.JSONDecodeError as err:
        raise DataFileError(f"{path}: not valid JSON ({err})") from None


def instrument_resource(name: str) -> pd.DataFrame:
    """One resource (``items`` or ``options``) of the instrument, as strings."""
    pkg = instrument_package()
    resource = next((r for r in pkg["resources"] if r["name"] == name), None)
    if resource is None:
        raise DataFileError(f"{instrument_dir() / 'datapackage.json'}: no resource {name!r}")
    fields = tuple(f["name"] for f in resource["schema"]["fields"])
    return _read_csv(instrument_dir() / resource["path"], fields)


def instrument_problems() -> list[str]:
    """Everything wrong with the instrument package: each resource's rows against its Table
    Schema (required, enum, unique, pattern, keys), and skip logic that points nowhere."""
    pkg = instrument_package()
    problems: list[str] = []
    frames: dict[str, pd.DataFrame] = {}
    for resource in pkg["resources"]:
        path = instrument_dir() / resource["path"]
        schema = resource["schema"]
        names = [f["name"] for f in schema["fields"]]
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        if header != names:
            problems.append(f"{path.name}: header {header} is not the schema's fields {names}")
            continue
        frame = instrument_resource(resource["name"])
        frames[resource["name"]] = frame
        for f in schema["fields"]:
            cons = f.get("constraints", {})
            col = frame[f["name"]]
            for i in frame.index[col == ""] if cons.get("required") else []:
                problems.append(f"{path.name} row {i + 2}: '{f['name']}' is required")
            if "enum" in cons:
                for i in frame.index[(col != "") & ~col.isin(cons["enum"])]:
                    problems.append(
                        f"{path.name} row {i + 2}: '{f['name']}' is {col[i]!r}, not one of "
                        f"{cons['enum']}"
                    )
            if "pattern" in cons:
                for i in frame.index[(col != "") & ~col.str.fullmatch(cons["pattern"])]:
                    problems.append(
                        f"{path.name} row {i + 2}: '{f['name']}' {col[i]!r} does not match "
                        f"{cons['pattern']}"
                    )
            if cons.get("unique") and col.duplicated().any():
                problems.append(f"{path.name}: '{f['name']}' values are not unique")
        key = schema.get("primaryKey", [])
        if key and frame.duplicated(subset=key).any():
            problems.append(f"{path.name}: primary key {key} is not unique")
    items, options = frames.get("items"), frames.get("options")
    if items is None or options is None:
        return problems
    known = set(items["item_id"])
    for i in options.index[~options["item_id"].isin(known)]:
        problems.append(f"options.csv row {i + 2}: item {options.loc[i, 'item_id']!r} not in items")
    order = list(items["item_id"])
    for i, cond in items["asked_if"].items():
        if not cond:
            continue
        target, value = (p.strip() for p in cond.split("=", 1))
        if target not in known or order.index(target) >= i:
            problems.append(
                f"items.csv row {i + 2}: asked_if refers to {target!r}, not an earlier item"
            )
        elif value not in set(options.loc[options["item_id"] == target, "value"]):
            problems.append(f"items.csv row {i + 2}: {target!r} has no option {value!r}")
    choice = items.loc[items["response_type"].str.endswith("choice"), "item_id"]
    for item in sorted(set(choice) - set(options["item_id"])):
        problems.append(f"items.csv: choice item {item!r} has no options")
    for i in items.index[(items["wording_status"] != "proposed") & (items["wording_source"] == "")]:
        problems.append(
            f"items.csv row {i + 2}: {items.loc[i, 'wording_status']} wording needs a source"
        )
    return problems


def instrument_table() -> pd.DataFrame:
    """The questionnaire for reading: one row per item with its options and skip logic."""
    items = instrument_resource("items")
    options = instrument_resource("options")
    numbers = {item: str(k) for k, item in enumerate(items["item_id"], start=1)}
    labels = {(o.item_id, o.value): o.label for o in options.itertuples()}

    def asked_of(condition: str) -> str:
        if not condition:
            return "everyone"
        item, value = (p.strip() for p in condition.split("=", 1))
        return f"those answering '{labels.get((item, value), value)}' to no. {numbers[item]}"

    rows = []
    for number, r in enumerate(items.itertuples(), start=1):
        opts = options[options["item_id"] == r.item_id]
        shown = "; ".join(
            o.label + ("" if o.label_status == "published" else " (proposed)")
            for o in opts.itertuples()
        )
        rows.append(
            {
                "number": str(number),
                "item": r.item_id,
                "section": r.section,
                "question": r.question,
                "wording": r.wording_status,
                "answers": shown or r.response_type,
                "asked_of": asked_of(r.asked_if),
                "in_2017": r.in_2017_survey,
            }
        )
    return pd.DataFrame(rows)


def instrument_zip() -> bytes:
    """The instrument package (descriptor and both CSV files) as a zip, byte-for-byte the same
    on every run (fixed timestamps)."""
    pkg = instrument_package()
    names = ["datapackage.json", *(r["path"] for r in pkg["resources"])]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(f"instrument/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (instrument_dir() / name).read_bytes())
    return buffer.getvalue()


def instrument_html() -> str:
    """A self-contained, printable page of the questionnaire (no scripts, no remote files)."""
    pkg = instrument_package()
    table = instrument_table()
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(pkg['title'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5;color:#1a1a1a;background:#fff}"
        "table{border-collapse:collapse;width:100%}th,td{border:1px solid #767676;"
        "padding:.4rem;text-align:left;vertical-align:top}th{background:#f0f0f0}</style>",
        "</head><body><main>",
        f"<h1>{esc(pkg['title'])}</h1>",
        f"<p>{esc(pkg['description'])}</p>",
        f"<p>Version {esc(pkg['version'])}. Licence: {esc(pkg['licenses'][0]['title'])}.</p>",
    ]
    for section, group in table.groupby("section", sort=False):
        parts.append(f"<h2>{esc(str(section))}</h2>")
        parts.append(
            "<table><thead><tr>"
            + "".join(
                f'<th scope="col">{esc(h)}</th>'
                for h in ("No.", "Question", "Wording", "Answers", "Asked of", "In 2017")
            )
            + "</tr></thead><tbody>"
        )
        for r in group.itertuples():
            cells = (r.number, r.question, r.wording, r.answers, r.asked_of, r.in_2017)
            parts.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------- standards

STANDARDS_COLUMNS = (
    "country",
    "body",
    "document",
    "date",
    "provision",
    "says",
    "checked",
    "bibkeys",
)


def standards() -> pd.DataFrame:
    """``data/standards.csv``: the codes and standards the chapter reads the findings against,
    with what was checked of each provision."""
    return _read_csv(data_dir() / "standards.csv", STANDARDS_COLUMNS)


def setting_predictions(frame: pd.DataFrame) -> dict[str, float]:
    """Average predicted probability of contact outside work hours if every respondent in
    the model were in each setting, from the published model fitted to ``frame``."""
    from .models import average_predictions, fit

    out = average_predictions(fit(frame), "setting")
    return {str(r.setting): float(r.probability) for r in out.itertuples()}


def write_downloads(folder: Path) -> list[Path]:
    """Write the instrument's downloads (the package as a zip, the questionnaire page) into
    ``folder``, each atomically; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, payload in (
        (INSTRUMENT_ZIP, instrument_zip()),
        (INSTRUMENT_PAGE, instrument_html().encode("utf-8")),
    ):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(folder / name)
    return written


def cherries_table() -> pd.DataFrame:
    """The CHERRIES audit for reading: items whose wording was not seen are marked, and where
    each item is reported is joined with the note on it."""
    frame = cherries()
    unseen = frame["item_seen"] == "no"
    out = frame.copy()
    out.loc[unseen, "item_name"] = out.loc[unseen, "item_name"] + " (wording not seen)"
    out["where_and_note"] = [
        " ".join(part for part in (where.rstrip(".") + "." if where else "", note) if part)
        for where, note in zip(frame["where"], frame["note"], strict=True)
    ]
    return out


# Percentage points from the reference setting beyond which a setting is "far" above or below
# it, and within which it is "close to" it (the words the prose uses for the differences).
FAR_POINTS = 25
CLOSE_POINTS = 5


REFERENCE_SETTING = "social_service_agency"
COMPARED_SETTINGS = ("private_practice", "school", "community_healthcare", "hospital")
"""The named settings the prose compares with social service agencies."""
NOT_COMPARABLE = "not comparable on these data"


def contrast_word(probability: float, reference: float) -> str:
    """How a predicted probability compares with the reference setting's, in words from the
    numbers: within CLOSE_POINTS percentage points "about the same", at least FAR_POINTS
    away "far above" or "far below", otherwise "above" or "below"."""
    points = 100 * (probability - reference)
    if abs(points) < CLOSE_POINTS:
        return "about the same"
    side = "above" if points > 0 else "below"
    return f"far {side}" if abs(points) >= FAR_POINTS else side


def setting_contrasts(predictions: dict[str, float]) -> dict[str, str]:
    """Each of :data:`COMPARED_SETTINGS` against social service agencies, in the words of
    :func:`contrast_word`; :data:`NOT_COMPARABLE` for a setting, or with a reference, these
    data lack."""
    reference = predictions.get(REFERENCE_SETTING)
    return {
        level: NOT_COMPARABLE
        if reference is None or level not in predictions
        else contrast_word(predictions[level], reference)
        for level in COMPARED_SETTINGS
    }
