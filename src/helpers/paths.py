"""Where the project's files live, wherever a notebook or command is run from."""

from __future__ import annotations

import os
from pathlib import Path

_MARKER = Path("data") / "claims.csv"


def project_root() -> Path:
    """Return the project's top folder (the one holding ``data/claims.csv``).

    Looks at ``$SWICT_ROOT`` first, then the source checkout this package was installed
    from, then the current folder and its parents, so notebooks run from any folder.
    """
    candidates: list[Path] = []
    if env := os.environ.get("SWICT_ROOT"):
        candidates.append(Path(env))
    candidates.append(Path(__file__).resolve().parents[2])
    cwd = Path.cwd().resolve()
    candidates.extend([cwd, *cwd.parents])
    for candidate in candidates:
        if (candidate / _MARKER).is_file():
            return candidate
    raise FileNotFoundError(
        "cannot find the project folder (one holding data/claims.csv); "
        "set SWICT_ROOT to the folder of the replication book"
    )


def data_dir() -> Path:
    """The folder of published claims, assumptions and the codebook."""
    return project_root() / "data"


def output_dir() -> Path:
    """Where notebooks write files for the site (the ledger CSV): ``$SWICT_OUTPUT_DIR``
    during a book build, else ``_build/outputs``."""
    if env := os.environ.get("SWICT_OUTPUT_DIR"):
        return Path(env)
    return build_dir() / "outputs"


def build_dir() -> Path:
    """The folder every build output goes to (never tracked by git)."""
    return project_root() / "_build"
