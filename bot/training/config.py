"""Variants of config.yml for quick trainings (CI, benchmarks): same components, fewer epochs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

EPOCH_COMPONENTS = {"DIETClassifier", "ResponseSelector", "TEDPolicy"}


def load_config(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def with_epochs(config: dict[str, Any], epochs: int | None) -> dict[str, Any]:
    """A copy of ``config`` where every epoch-trained component runs ``epochs`` epochs."""
    variant = copy.deepcopy(config)
    if epochs is None:
        return variant
    for section in ("pipeline", "policies"):
        for component in variant.get(section) or []:
            if component["name"] in EPOCH_COMPONENTS:
                component["epochs"] = epochs
    return variant


def write_config(config: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
