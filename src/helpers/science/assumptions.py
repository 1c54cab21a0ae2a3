"""The modelling assumptions: every unpublished value, each with a one-line justification."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from ..paths import data_dir


@dataclass(frozen=True)
class Assumption:
    """One assumed value and why it was chosen."""

    name: str
    value: Any
    why: str


@cache
def assumptions() -> dict[str, Assumption]:
    """Read ``data/assumptions.yaml`` (cached)."""
    path = data_dir() / "assumptions.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict) or set(entry) != {"value", "why"}:
            raise ValueError(f"{path}: assumption {name!r} needs exactly 'value' and 'why'")
        out[name] = Assumption(name, entry["value"], entry["why"])
    return out


def value(name: str) -> Any:
    """The value of one assumption."""
    return assumptions()[name].value
