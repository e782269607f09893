"""The project's files and databases for harnesses: a copy of the Rasa project's training inputs
(for tests that export into it or train on it without touching the real ``data/`` and
``domain.yml``), SQLite URLs and template copies, and a worker thread for code that starts its
own event loop."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

PROJECT_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def copy_project(target: Path) -> Path:
    """Copy config.yml, domain.yml, data/ and evaluation/ into ``target`` (created); return it."""
    target.mkdir(parents=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, target / name)
    for name in ("data", "evaluation"):
        shutil.copytree(PROJECT_ROOT / name, target / name)
    return target


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def copy_database(template: Path, target: Path) -> str:
    """Copy a (migrated) SQLite template to ``target``; return the copy's URL."""
    shutil.copyfile(template, target)
    return sqlite_url(target)


def in_worker_thread(function: Callable[..., T], *args: Any) -> T:
    """Run code that starts its own event loop (alembic's env.py) away from the caller's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()
