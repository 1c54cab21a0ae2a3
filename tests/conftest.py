"""Shared fixtures: the project root, a canonical synthetic data set, the built book."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from helpers import synth
from helpers.assumptions import value as assumed

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def canonical_frame() -> pd.DataFrame:
    """The synthetic respondents of the canonical seed."""
    return synth.generate(int(assumed("canonical_seed")))


def committed_outputs() -> Iterator[tuple[str, dict]]:
    """Every output stored in the committed chapter notebooks, with its notebook's name."""
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                yield path.stem, output


def tree_hash(folder: Path) -> str:
    """A hash of every file under a folder, names and contents."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``python -m helpers ...`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args], cwd=cwd, capture_output=True, text=True
    )


@contextlib.contextmanager
def jupyter(app: str, root: Path, home: Path, token: str, *options: str) -> Iterator[str]:
    """A Jupyter ``app`` (``lab`` or ``server``) from the project's environment on localhost,
    serving ``root``, with its configuration kept under ``home``; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }
    env.pop("SWICT_ROOT", None)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("jupyter")),
            app,
            "--no-browser",
            "--allow-root",
            f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            *options,
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter {app} did not start")
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
