"""The widget suite's review app: a real process beside the shared Rasa stack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.processes import ServerProcess
from tests.widget.stack import Review, start_review


@pytest.fixture(scope="module")
def review(
    rasa_stack: ServerProcess, server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Review]:
    rasa_url = rasa_stack.health_url.removesuffix("/status")
    app = start_review(rasa_url, tmp_path_factory.mktemp("widget-review"), server_logs)
    yield app
    app.server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
