"""The live-chat suite's servers: the shared Rasa stack, the backend its action server calls (for
orders and tickets) and a review app with the widget gateway and the agent inbox, all real
processes on loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.testing.processes import ServerProcess
from bot.testing.stack import Review, start_review


@pytest.fixture(scope="module")
def backend(backend_api: tuple[ServerProcess, str]) -> tuple[ServerProcess, str]:
    """The backend the shared action server calls, so tickets the bot opens can be read back."""
    return backend_api


@pytest.fixture(scope="module")
def rasa_url(rasa_stack: ServerProcess) -> str:
    return rasa_stack.health_url.removesuffix("/status")


@pytest.fixture(scope="module")
def review(
    rasa_url: str,
    backend: tuple[ServerProcess, str],
    server_logs: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Review]:
    directory = tmp_path_factory.mktemp("livechat-review")
    app = start_review(rasa_url, directory, server_logs, BACKEND_URL=backend[1])
    yield app
    app.server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
