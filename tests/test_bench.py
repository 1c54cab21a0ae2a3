"""The benchmark table: the fresh install, when timed, and each engine's generation and
fitting beside the whole study (figures made up here; nothing is timed)."""

from __future__ import annotations

from helpers.tools import bench


def figures(fresh: dict[str, float] | None) -> dict[str, object]:
    def engine(reps: int, seconds: float, generation: float, fitting: float) -> dict:
        return {
            "replications": reps,
            "seconds": seconds,
            "per_second": reps / seconds,
            "generation_s": generation,
            "fitting_s": fitting,
            "peak_mib": 200.0,
        }

    batched, plain = engine(1000, 0.5, 0.2, 0.25), engine(50, 5.0, 0.2, 4.5)
    return {
        "machine": "test machine",
        "fresh_install": fresh,
        "build_cold_s": 60.0,
        "build_warm_s": 5.0,
        "build_rerun_s": 30.0,
        "rerun_notebooks_s": {"05_simulation.ipynb": 8.0, "06_ledger.ipynb": 6.0},
        "build_peak_mib": 500.0,
        "notebooks_s": {"05_simulation.ipynb": 8.0, "06_ledger.ipynb": 20.0},
        "batched": batched,
        "statsmodels": plain,
        "speed_ratio": batched["per_second"] / plain["per_second"],
        "site": {"total_mib": 10.0, "largest_page": "index.html", "largest_page_mib": 1.0},
    }


def test_table_shows_the_fresh_install_or_that_it_was_skipped() -> None:
    timed = bench.table(
        figures({"venv_s": 3.0, "requirements_s": 100.0, "project_s": 2.0, "total_s": 105.0})
    )
    assert "fresh install (make env)" in timed and "105.0 s" in timed
    assert "pip install -r requirements.lock" in timed
    skipped = bench.table(figures(None))
    assert "skipped" in skipped and "requirements.lock" not in skipped


def test_table_shows_generation_and_fitting_and_the_ratios() -> None:
    text = bench.table(figures(None))
    assert "generating the surveys alone, per second" in text
    assert "5,000.0" in text  # 1,000 replications generated in 0.2 s
    assert "200.0x   target >= 50x  ok" in text  # 2,000/s against 10/s
    assert "360.0x" in text  # fitting alone: 4,000/s against 50/4.5 s
    assert "target >= 2,000  ok" in text


def test_a_warm_build_is_held_to_one_second() -> None:
    text = bench.table(figures(None))
    assert "make book, warm (nothing changed)" in text
    assert "5.0 s   target ≤ 1 s  MISSED" in text


def test_the_cold_build_and_the_ledger_are_held_to_issue_11s_targets() -> None:
    """Issue 11's chapter 5 is the ledger (now 06) and its chapter 4 the simulation (05)."""
    text = bench.table(figures(None))
    assert "make book, cold (2 chapters, nothing stored)" in text
    assert "60.0 s   target ≤ 18.4 s (half of 36.8 s, with 5 chapters)  MISSED" in text
    assert "ledger's time / the simulation's" in text
    assert "2.50   target < 1 (issue 11: its ch. 5 / ch. 4)  MISSED" in text  # 20 s, 8 s
    assert "make book, chapters rerun, results stored" in text and "30.0 s" in text
    assert "0.75   target < 1 (issue 11: its ch. 5 / ch. 4)  ok" in text  # 6 s against 8 s
