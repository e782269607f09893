"""Canned replies through the real review app: admins keep the list (CSRF-protected forms), agents
read it from the API the inbox loads on every page open; the migrations create the table."""

from __future__ import annotations

import asyncio
import re
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

import bot.review.common.models  # noqa: F401 (registers the review tables in the metadata)
from bot.cxlog.database import create_engine
from bot.cxlog.migrate import upgrade
from bot.cxlog.models import metadata
from bot.testing.project import sqlite_url
from bot.testing.stack import ADMIN, AGENT, VIEWER, Review, signed_in, start_review

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE = "/agent/canned-replies"
API = "/api/agent/canned-replies"


@pytest.fixture(scope="module")
def review(server_logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """Canned replies need no Rasa: the app is pointed at a port nobody listens on."""
    directory = tmp_path_factory.mktemp("canned-review")
    app = start_review("http://127.0.0.1:9", directory, server_logs, name="review-canned")
    yield app
    app.server.stop()


@pytest.fixture
async def admin(review: Review) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """A signed-in admin and the CSRF token of their session."""
    session = await signed_in(review.url, ADMIN)
    async with session.get(f"{review.url}{PAGE}") as page:
        assert page.status == 200
        token = CSRF.search(await page.text())[1]
    yield session, token
    await session.close()


async def listed(session: aiohttp.ClientSession, review: Review) -> list[dict]:
    async with session.get(f"{review.url}{API}") as reply:
        assert reply.status == 200
        return (await reply.json())["canned_replies"]


async def post(session: aiohttp.ClientSession, url: str, form: dict) -> tuple[int, str]:
    async with session.post(url, data=form, allow_redirects=False) as reply:
        return reply.status, await reply.text()


async def test_an_admin_adds_edits_and_deletes_and_agents_see_it_at_once(
    review: Review, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    session, token = admin
    agent = await signed_in(review.url, AGENT)
    try:
        form = {"csrf_token": token, "title": "Refund  times", "body": "Refunds take 5-7 days."}
        assert (await post(session, f"{review.url}{PAGE}", form))[0] == 303
        [added] = await listed(agent, review)
        assert (added["title"], added["body"]) == ("Refund times", "Refunds take 5-7 days.")

        url = f"{review.url}{PAGE}/{added['id']}"
        edit = {"csrf_token": token, "title": "Refunds", "body": "Usually <b>5</b> days."}
        assert (await post(session, url, {**edit, "action": "save"}))[0] == 303
        assert [(r["title"], r["body"]) for r in await listed(agent, review)] == [
            ("Refunds", "Usually <b>5</b> days.")
        ]
        async with session.get(f"{review.url}{PAGE}") as page:
            assert "Usually &lt;b&gt;5&lt;/b&gt; days." in await page.text()

        assert (await post(session, url, {"csrf_token": token, "action": "delete"}))[0] == 303
        assert await listed(agent, review) == []
        assert (await post(session, url, {"csrf_token": token, "action": "delete"}))[0] == 404
    finally:
        await agent.close()


@pytest.mark.parametrize(
    ("title", "body", "problem"),
    [
        (" ", "text", "a title has 1 to 80"),
        ("x" * 81, "text", "a title has 1 to 80"),
        ("Empty", "  ", "a reply has 1 to 2000"),
        ("Long", "x" * 2001, "a reply has 1 to 2000"),
    ],
)
async def test_bad_canned_replies_are_refused(
    review: Review, admin: tuple[aiohttp.ClientSession, str], title: str, body: str, problem: str
) -> None:
    session, token = admin
    form = {"csrf_token": token, "title": title, "body": body}
    status, text = await post(session, f"{review.url}{PAGE}", form)
    assert status == 400 and problem in text


async def test_only_admins_edit_and_only_agents_read(
    review: Review, admin: tuple[aiohttp.ClientSession, str]
) -> None:
    session, _ = admin
    form = {"title": "No token", "body": "Forged"}
    assert (await post(session, f"{review.url}{PAGE}", form))[0] == 403
    agent = await signed_in(review.url, AGENT)
    viewer = await signed_in(review.url, VIEWER)
    try:
        async with agent.get(f"{review.url}{PAGE}") as page:
            assert page.status == 403
        async with viewer.get(f"{review.url}{API}") as below:
            assert below.status == 403
        async with aiohttp.ClientSession() as stranger, stranger.get(f"{review.url}{API}") as reply:
            assert reply.status == 401
        assert await listed(agent, review) == []
    finally:
        await agent.close()
        await viewer.close()


def _review_schema_differences(connection: Connection) -> list:
    def ours(obj: object, name: str | None, kind: str, reflected: bool, _other: object) -> bool:
        table = obj if kind == "table" else getattr(obj, "table", None)
        return str(getattr(table, "name", name)).startswith("review_")

    context = MigrationContext.configure(connection, opts={"include_object": ours})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        return compare_metadata(context, metadata)


async def test_the_migrations_create_the_review_tables_as_modelled(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "cx.db")
    await asyncio.to_thread(upgrade, url)  # alembic's env.py runs its own event loop
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_review_schema_differences) == []
    finally:
        await engine.dispose()
