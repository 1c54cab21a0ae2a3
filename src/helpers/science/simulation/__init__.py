"""The simulation study, in the order it runs: the published design and its calibration
(:mod:`.population`, :mod:`.precision`), the scenarios the published numbers leave open
(:mod:`.scenarios`), the engines that fit each simulated survey (:mod:`.engines`, the
batched one's Newton–Raphson in :mod:`.newton`), the study itself (:mod:`.study`) and what
it measures (:mod:`.metrics`).

The study's public functions are available from this package directly
(``simulation.study``, ``simulation.summarise``...).
"""

from .engines import ENGINES, Fits, batch_frame, fit_batched, fit_statsmodels
from .metrics import (
    Leaning,
    all_claims_reproduce,
    histograms,
    leaning,
    paired_difference,
    paired_differences,
    proportion_text,
    summarise,
)
from .study import (
    CHUNK,
    predictive_all_below,
    scenario_replications,
    scenario_study,
    simulate,
    study,
    truth_known_all_below,
)

__all__ = [
    "CHUNK",
    "ENGINES",
    "Fits",
    "Leaning",
    "all_claims_reproduce",
    "predictive_all_below",
    "batch_frame",
    "fit_batched",
    "fit_statsmodels",
    "histograms",
    "leaning",
    "paired_difference",
    "proportion_text",
    "paired_differences",
    "scenario_replications",
    "scenario_study",
    "simulate",
    "study",
    "truth_known_all_below",
    "summarise",
]
