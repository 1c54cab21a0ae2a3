"""One results store: what one chapter computes, another reads instead of computing again.

A result is kept under ``_build/store/`` by name, keyed by its parameters and by a
fingerprint of everything it is computed from (the helpers' code, publishing tools aside,
and the data files), so a change to either computes it afresh. Run alone (in JupyterLab or
Binder), a chapter computes what is missing and stores it. Writes are atomic.
``SWICT_STORE=off`` keeps results in the running process only (the perturbed-environment
test does, so that every number is recomputed there, once per kernel). Either way each
caller gets its own copy. Processes that ask for the same result at once compute it once:
the others wait for it (a lock per result).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from .paths import build_dir, project_root

T = TypeVar("T")

_IN_PROCESS: dict[str, bytes] = {}  # results of this process while the store is off


@cache
def code_fingerprint() -> str:
    """A hash of the helpers' source and the data files (names and contents). The
    publishing tools (``helpers/tools``) are left out: no chapter imports them, so a change
    to the build or the benchmarks changes no stored result."""
    root = project_root()
    digest = hashlib.sha256()
    helpers = root / "src" / "helpers"
    files = sorted(p for p in helpers.rglob("*.py") if "tools" not in p.relative_to(helpers).parts)
    files += sorted(p for p in (root / "data").rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def path_for(name: str, params: dict[str, Any]) -> Path:
    """Where a result with these parameters is kept."""
    key = json.dumps({"params": params, "code": code_fingerprint()}, sort_keys=True, default=str)
    return build_dir() / "store" / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pkl"


def cached(name: str, params: dict[str, Any], compute: Callable[[], T]) -> T:
    """The stored result for ``name`` and ``params``, computed and stored if missing."""
    if os.environ.get("SWICT_STORE") == "off":
        key = json.dumps({"name": name, "params": params}, sort_keys=True, default=str)
        if key not in _IN_PROCESS:
            _IN_PROCESS[key] = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
        return pickle.loads(_IN_PROCESS[key])
    path = path_for(name, params)
    if path.is_file():
        return _load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # chapters built side by side ask for the same result (the calibrated designs, say):
    # the first computes it, the others wait for it instead of computing it again
    with _locked(path.with_suffix(".lock")):
        if path.is_file():
            return _load(path)
        value = compute()
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        Path(out.name).replace(path)
        return value


def _load(path: Path) -> Any:
    with path.open("rb") as handle:
        return pickle.load(handle)


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (released if the process dies). Where the
    system has no POSIX file locks (Windows), nothing is locked: a result asked for by two
    processes at once is then computed by both, which costs time, not correctness."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
