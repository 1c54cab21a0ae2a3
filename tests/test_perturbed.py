"""The committed notebook outputs hold on another machine.

Another CPU, BLAS kernel or thread count changes the last digits of fitted results. This test
re-executes every chapter under nbval, with the same rules as ``make test``, in a numeric
environment that provably differs from the one that made the committed outputs:

* every result of numpy's ``linalg.solve``, ``linalg.inv`` and ``linalg.pinv``, every
  coefficient statsmodels' ``Logit.fit`` estimates, and every coefficient and standard
  error of the batched simulation engine is multiplied by ``1 + e`` with ``e`` drawn
  uniformly from ±:data:`RELATIVE` (``tests/perturb_kernel.py``, loaded into each kernel);
* OpenBLAS runs on one thread (the default uses every core);
* the results store is off, so every chapter recomputes what it would otherwise read.

The outputs must not change: every real number is rounded to a precision a reader can use
before it enters an output. A changed *result* still fails nbval, which compares everything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT

RELATIVE = 1e-12
PERTURBED = {
    "numpy.linalg.solve",
    "numpy.linalg.inv",
    "statsmodels Logit.fit params",
    "batched engine estimates",
    "batched engine standard errors",
}


@pytest.mark.slow
def test_committed_outputs_survive_last_digit_noise(tmp_path: Path) -> None:
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    shutil.copy2(ROOT / "tests" / "perturb_kernel.py", startup / "00-perturb.py")
    log = tmp_path / "perturbed.log"
    env = {
        **os.environ,
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "SWICT_PERTURB": repr(RELATIVE),
        "SWICT_PERTURB_LOG": str(log),
        "OPENBLAS_NUM_THREADS": "1",
        "SWICT_STORE": "off",
        "OMP_NUM_THREADS": "1",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "notebooks",
            "--nbval",
            "--nbval-sanitize-with",
            "tests/nbval_sanitize.cfg",
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-header",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    acted = set(log.read_text(encoding="utf-8").split("\n")) if log.exists() else set()
    assert PERTURBED <= acted, f"the perturbation did not act on: {sorted(PERTURBED - acted)}"
    assert result.returncode == 0, (
        "committed outputs changed under last-digit noise (round real numbers before they "
        "enter an output):\n" + result.stdout[-8000:]
    )
