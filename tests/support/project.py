"""A copy of the Rasa project's training inputs, for tests that export into it or train on it
without touching the real ``data/`` and ``domain.yml``."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.processes import PROJECT_ROOT


def copy_project(target: Path) -> Path:
    """Copy config.yml, domain.yml, data/ and evaluation/ into ``target`` (created); return it."""
    target.mkdir(parents=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, target / name)
    for name in ("data", "evaluation"):
        shutil.copytree(PROJECT_ROOT / name, target / name)
    return target
