"""Keep ``environment.yml`` (Binder) pinned to exactly the versions of ``requirements.lock``."""

from __future__ import annotations

import sys
from pathlib import Path

HEADER = """\
# Binder / conda environment. Generated from requirements.lock by 'make lock'; do not edit.
# The pins are exactly those of requirements.lock, and the project itself is installed too.
name: socialwork-ict-replication
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
"""


def pins(lock_text: str) -> list[str]:
    """The ``name==version`` lines of a lock file, in order."""
    return [
        line.strip()
        for line in lock_text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def environment_yaml(lock_text: str) -> str:
    """The environment.yml that installs exactly the lock's pins and then the project."""
    lines = [f"      - {pin}" for pin in pins(lock_text)] + ["      - -e ."]
    return HEADER + "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    lock, env = Path(argv[0]), Path(argv[1])
    env.write_text(environment_yaml(lock.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {env} from {lock}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
