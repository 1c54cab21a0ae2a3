"""Command line: ``python -m helpers audit|synth|validate|import|crosswalk|examples|simulate``.

Errors in input files or arguments print one line to standard error and exit with 1,
without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import params
from .science import audit, crosswalk, dataio, examples, exports, simulation, synth
from .science.codebook import load_survey, survey_path


def _audit(_: argparse.Namespace) -> None:
    with pd.option_context("display.max_colwidth", 200, "display.width", 200):
        table = audit.audit_table()[["id", "reported", "status", "explanation"]]
        print(table.to_string(index=False))
        print()
        print(audit.joint_table().to_string(index=False))
    print()
    print(", ".join(f"{k}: {v}" for k, v in audit.summary().items()))


def _synth(args: argparse.Namespace) -> None:
    frame = synth.generate(args.seed)
    if args.sample:
        frame = synth.subsample(frame, args.sample, args.seed)
    path = dataio.write_atomic(args.out, dataio.to_csv_text(frame))
    print(f"wrote {len(frame):,} synthetic respondents (seed {args.seed}) to {path}")


def _validate(args: argparse.Namespace) -> None:
    survey = load_survey(args.survey) if args.survey else None
    frame = dataio.read_respondents(args.file, survey)
    print(f"{args.file}: {len(frame):,} respondents, {frame.shape[1]} columns: valid")


def _import(args: argparse.Namespace) -> None:
    imported = crosswalk.import_export(args.export, args.map)
    inputs = [args.export, *([args.map] if args.map else [])]
    out = crosswalk.write(imported, args.out, *inputs)
    survey = imported.survey
    print(
        f"wrote {len(imported.frame):,} respondents from {args.export} to {out} "
        f"(survey of {survey.year}: {', '.join(survey.countries)}); "
        f"its survey file: {survey_path(out)}"
    )


def _crosswalk(args: argparse.Namespace) -> None:
    text = crosswalk.draft(exports.read_export(args.export))
    if args.out:
        if Path(args.out).resolve() == Path(args.export).resolve():
            raise dataio.DataFileError(args.out, "is the export", expected="another file")
        dataio.write_atomic(args.out, text)
        todo = text.count(f": {crosswalk.TODO}")
        left = f"fill in its {todo} TODOs" if todo else "every variable is matched"
        print(f"wrote a draft crosswalk for {args.export} to {args.out}: {left}")
    else:
        sys.stdout.write(text)


def _examples(args: argparse.Namespace) -> None:
    for path in examples.write_examples(args.out):
        print(f"wrote {path}")


def _simulate(args: argparse.Namespace) -> None:
    frame = simulation.simulate(args.replications, args.seed, args.engine)
    path = dataio.write_atomic(args.out, frame.to_csv(index=False, lineterminator="\n"))
    print(
        f"wrote {args.replications:,} replications ({args.engine} engine, seed {args.seed}) "
        f"to {path}"
    )


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("audit", help="print the consistency audit of the published claims")
    s = sub.add_parser("synth", help="write a synthetic respondent file (CSV)")
    s.add_argument("--seed", type=params.from_text("seed", 0), default=params.canonical_seed())
    s.add_argument("--out", required=True, help="CSV file to write")
    s.add_argument(
        "--sample",
        type=params.from_text("sample", 1),
        help="keep a simple random sample of N respondents",
    )
    v = sub.add_parser("validate", help="check a respondent file against the codebook")
    v.add_argument("file")
    v.add_argument(
        "--survey",
        help="survey override (YAML: year, countries); default: FILE's .survey.yaml if any",
    )
    i = sub.add_parser(
        "import", help="map a survey export (.sav, .dta, Qualtrics or plain .csv) onto the codebook"
    )
    i.add_argument("export", help="the export: SPSS .sav, Stata .dta, or CSV")
    i.add_argument("--map", help="the crosswalk (YAML); not needed for a codebook-named .sav/.dta")
    i.add_argument("--out", required=True, help="respondent CSV file to write")
    c = sub.add_parser("crosswalk", help="write a draft crosswalk for a survey export")
    c.add_argument("export")
    c.add_argument("--out", help="YAML file to write (default: print it)")
    e = sub.add_parser("examples", help="write the example exports of data/examples")
    e.add_argument("--out", type=Path, help="folder (default: data/examples)")
    m = sub.add_parser(
        "simulate", help="run the simulation study; one row per replication and coefficient (CSV)"
    )
    m.add_argument(
        "--replications",
        type=params.from_text("replications", 1),
        default=params.REPLICATIONS,
    )
    m.add_argument("--seed", type=params.from_text("seed", 0), default=params.canonical_seed())
    m.add_argument("--engine", choices=simulation.ENGINES, default="batched")
    m.add_argument("--out", required=True, help="CSV file to write")
    return p


COMMANDS = {
    "audit": _audit,
    "synth": _synth,
    "validate": _validate,
    "import": _import,
    "crosswalk": _crosswalk,
    "examples": _examples,
    "simulate": _simulate,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
