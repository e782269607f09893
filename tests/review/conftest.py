"""Each test gets its own copy of a migrated CX database (with one user per role) and the real
review app serving it on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.testing.project import copy_database, in_worker_thread
from bot.testing.review_app import Browser, build_template, review_settings, running_review_app


@pytest.fixture(scope="session")
def cx_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("review-template") / "cx.db"
    return in_worker_thread(build_template, path)


@pytest.fixture
def database_url(cx_template: Path, tmp_path: Path) -> str:
    return copy_database(cx_template, tmp_path / "cx.db")


@pytest.fixture
async def browsers(database_url: str) -> AsyncIterator[Callable[[], Browser]]:
    async with running_review_app(review_settings(database_url)) as new_browser:
        yield new_browser


@pytest.fixture
async def browser(browsers: Callable[[], Browser]) -> Browser:
    return browsers()
