"""A migrated CX database with logged turns, and a scratch copy of the Rasa project."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cxlog.database import create_engine, session_factory
from bot.cxlog.migrate import upgrade
from bot.cxlog.models import Conversation, Turn
from bot.testing.project import copy_project, sqlite_url


@pytest.fixture
async def cx_session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    url = sqlite_url(tmp_path / "cx.db")
    await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()


LogTurn = Callable[..., Turn]


@pytest.fixture
def log_turn(cx_session: AsyncSession) -> LogTurn:
    """Add one logged customer message (as the CX log would store it) in its own conversation."""
    counter = {"n": 0}

    def add(
        text: str,
        intent: str,
        confidence: float,
        fallback: bool = False,
        second: float = 0.0,
        to_agent: bool = False,
    ) -> Turn:
        counter["n"] += 1
        now = datetime.now(UTC) - timedelta(minutes=100 - counter["n"])
        conversation = Conversation(sender_id=f"s{counter['n']}", started_at=now, last_event_at=now)
        ranking = [{"name": intent, "confidence": confidence}]
        if second:
            ranking.append({"name": "other", "confidence": second})
        turn = Turn(
            conversation=conversation, seq=1, user_text=text, intent=intent,
            confidence=confidence, intent_ranking=ranking, is_fallback=fallback, created_at=now,
            to_agent=to_agent,
        )  # fmt: skip
        cx_session.add_all([conversation, turn])
        return turn

    return add


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")
