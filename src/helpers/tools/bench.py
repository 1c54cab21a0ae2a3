"""Benchmarks (``make bench``): build times, notebook times, engine speed, memory, site size.

Prints a table and writes ``_build/bench.json``. Nothing here is asserted by the tests:
speed is measured, and the targets are shown beside the figures.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..paths import build_dir, project_root
from ..science.dataio import write_atomic

ONE_CORE = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Targets for single chapters, in seconds of the canonical build.
NOTEBOOK_TARGETS = {"04_robustness.ipynb": 10.0}
BATCHED_REPS = 1000
STATSMODELS_REPS = 50

_ENGINE_SCRIPT = """
import json, resource, sys, time
from helpers.science import simulation
engine, reps = sys.argv[1], int(sys.argv[2])
from helpers.science.simulation import precision
precision.canonical_design()
start = time.perf_counter()
simulation.simulate(reps, 1, engine)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak}))
"""


def _engine(engine: str, reps: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _ENGINE_SCRIPT, engine, str(reps)],
        env={**os.environ, **ONE_CORE},
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["per_second"] = reps / result["seconds"]
    result["replications"] = reps
    return result


def _build(force_cold: bool) -> tuple[float, dict[str, float], float]:
    if force_cold:
        for path in (build_dir() / "html", build_dir() / ".fingerprints"):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(
                missing_ok=True
            )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "helpers.tools.build"],
        cwd=project_root(),
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - start
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    notebooks = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"executed (\S+) in ([\d.]+) s", out.stdout)
    }
    return seconds, notebooks, peak


def _site() -> dict[str, object]:
    site = build_dir() / "html"
    files = [p for p in site.rglob("*") if p.is_file()]
    pages = sorted((p for p in files if p.suffix == ".html"), key=lambda p: p.stat().st_size)
    largest = pages[-1]
    return {
        "total_mib": sum(p.stat().st_size for p in files) / 2**20,
        "largest_page": str(largest.relative_to(site)),
        "largest_page_mib": largest.stat().st_size / 2**20,
    }


def run() -> dict[str, object]:
    """Measure everything; return the figures."""
    cold, notebooks, build_peak = _build(force_cold=True)
    warm, _, _ = _build(force_cold=False)
    batched = _engine("batched", BATCHED_REPS)
    plain = _engine("statsmodels", STATSMODELS_REPS)
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "build_cold_s": cold,
        "build_warm_s": warm,
        "build_peak_mib": build_peak,
        "notebooks_s": notebooks,
        "batched": batched,
        "statsmodels": plain,
        "speed_ratio": batched["per_second"] / plain["per_second"],
        "site": _site(),
    }


def table(r: dict) -> str:
    """The figures as a text table, with the targets beside them."""

    def row(what: str, value: str, target: str = "", ok: bool | None = None) -> str:
        mark = "" if ok is None else ("  ok" if ok else "  MISSED")
        return f"{what:<48} {value:>16}   {target}{mark}"

    lines = [f"benchmarks on {r['machine']}", ""]
    lines.append(
        row(
            "make book, cold (environment installed)",
            f"{r['build_cold_s']:.1f} s",
            "target < 90 s",
            r["build_cold_s"] < 90,
        )
    )
    lines.append(
        row(
            "make book, warm (nothing changed)",
            f"{r['build_warm_s']:.1f} s",
            "target < 15 s",
            r["build_warm_s"] < 15,
        )
    )
    for name, sec in r["notebooks_s"].items():
        target = NOTEBOOK_TARGETS.get(name)
        if target is None:
            lines.append(row(f"  execute {name}", f"{sec:.1f} s"))
        else:
            lines.append(
                row(f"  execute {name}", f"{sec:.1f} s", f"target ≤ {target:g} s", sec <= target)
            )
    b, s = r["batched"], r["statsmodels"]
    lines.append(
        row(
            f"batched engine, {b['replications']:,} replications (1 core)",
            f"{b['seconds']:.2f} s",
            "target < 5 s",
            b["seconds"] < 5,
        )
    )
    lines.append(row("  replications per second", f"{b['per_second']:,.0f}"))
    lines.append(
        row(
            f"statsmodels engine, {s['replications']:,} replications (1 core)",
            f"{s['seconds']:.2f} s",
        )
    )
    lines.append(row("  replications per second", f"{s['per_second']:,.1f}"))
    lines.append(
        row(
            "speed ratio, batched / statsmodels",
            f"{r['speed_ratio']:.1f}x",
            "target >= 10x",
            r["speed_ratio"] >= 10,
        )
    )
    lines.append(row("peak memory, batched simulation", f"{b['peak_mib']:.0f} MiB"))
    lines.append(row("peak memory, statsmodels simulation", f"{s['peak_mib']:.0f} MiB"))
    lines.append(row("peak memory, book build (largest process)", f"{r['build_peak_mib']:.0f} MiB"))
    site = r["site"]
    lines.append(row("built site, total size", f"{site['total_mib']:.1f} MiB"))
    lines.append(
        row(
            f"largest page ({site['largest_page']})",
            f"{site['largest_page_mib']:.2f} MiB",
            "target < 2 MiB",
            site["largest_page_mib"] < 2,
        )
    )
    return "\n".join(lines)


def main() -> int:
    results = run()
    write_atomic(build_dir() / "bench.json", json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nwritten to {Path(build_dir() / 'bench.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
