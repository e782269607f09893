"""Helpers for the review-app tests: conversations written through the real CX log pipeline
(Rasa-shaped events → sanitizer/redaction → store), users, and a signed-in HTTP client."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from ssl import SSLContext
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.cxlog.broker import build_sanitizer
from bot.cxlog.database import create_engine, session_factory
from bot.cxlog.migrate import upgrade
from bot.cxlog.store import CXStore
from bot.review.app import Setup, create_app
from bot.review.auth.users import create_user
from bot.review.common.models import ReviewUser
from bot.review.common.roles import Role
from bot.settings import Settings
from bot.testing.project import sqlite_url

SECRET_KEY = "review-test-secret-key-0123456789"
PASSWORD = "correct horse battery staple"
# One account per role, created once in the template database.
USERS = {role.label: role for role in Role}
WRITE_BATCH = 2000


def review_settings(database_url: str, **overrides: Any) -> Settings:
    values = {"cx_database_url": database_url, "review_secret_key": SECRET_KEY, **overrides}
    return replace(Settings(), **values)


async def create_users(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for name, role in USERS.items():
                await create_user(session, name, PASSWORD, role, datetime.now(UTC))
    finally:
        await engine.dispose()


def build_template(path: Path) -> Path:
    """A migrated CX database with one user per role."""
    url = sqlite_url(path)
    upgrade(url)
    asyncio.run(create_users(url))
    return path


@dataclass
class Chat:
    """A conversation as Rasa's event broker would publish it, one second per event."""

    sender_id: str
    start: datetime
    channel: str = "rest"
    events: list[dict[str, Any]] = field(default_factory=list)

    def _next(self, event: dict[str, Any]) -> Chat:
        moment = self.start + timedelta(seconds=len(self.events))
        self.events.append({"sender_id": self.sender_id, "timestamp": moment.timestamp(), **event})
        return self

    def say(
        self,
        text: str,
        intent: str,
        confidence: float = 0.95,
        entities: Iterable[dict[str, Any]] = (),
        metadata: dict[str, Any] | None = None,
    ) -> Chat:
        parse_data = {
            "intent": {"name": intent, "confidence": confidence},
            "entities": list(entities),
            "intent_ranking": [
                {"name": intent, "confidence": confidence},
                {"name": "nlu_fallback", "confidence": round(1 - confidence, 3)},
            ],
        }
        return self._next(
            {
                "event": "user",
                "text": text,
                "parse_data": parse_data,
                "input_channel": self.channel,
                "message_id": f"m{len(self.events)}",
                "metadata": metadata or {},
            }
        )

    def action(self, name: str) -> Chat:
        return self._next({"event": "action", "name": name, "policy": "RulePolicy"})

    def bot(self, text: str, utter: str = "utter_answer") -> Chat:
        self.action(utter)
        return self._next({"event": "bot", "text": text, "metadata": {"utter_action": utter}})

    def slot(self, name: str, value: Any) -> Chat:
        return self._next({"event": "slot", "name": name, "value": value})


async def write_chats(
    database_url: str, chats: Iterable[Chat], now: datetime | None = None
) -> None:
    """Through the sanitizer (redaction) and the store, as the broker writes them, then the
    writer's periodic sweep at ``now`` (the wall clock unless given)."""
    sanitizer = build_sanitizer(Settings())
    store = CXStore.from_url(database_url, abandon_minutes=30)
    try:
        events = [event for chat in chats for event in sanitizer.sanitize_all(chat.events)]
        for start in range(0, len(events), WRITE_BATCH):
            await store.write(events[start : start + WRITE_BATCH])
        await store.sweep_abandoned(now)
    finally:
        await store.close()


HIDDEN_INPUT = re.compile(r'name="(csrf_token|login_token)" value="([^"]*)"')


def hidden_value(html: str, name: str) -> str:
    for found, value in HIDDEN_INPUT.findall(html):
        if found == name:
            return value
    raise AssertionError(f"no hidden {name} in the page")


@dataclass
class Reply:
    status: int
    text: str
    headers: Any
    url: str

    def json(self) -> Any:
        return json.loads(self.text)


class Browser:
    """An HTTP client with its own cookie jar, talking to the real app on a loopback port."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self.csrf_token = ""

    async def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        kwargs.setdefault("allow_redirects", False)
        async with self.session.request(method, self.base_url + path, **kwargs) as response:
            text = await response.text()
            return Reply(response.status, text, response.headers, str(response.url))

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Reply:
        return await self.request("POST", path, data=data or {}, **kwargs)

    async def login(self, username: str, password: str = PASSWORD) -> Reply:
        page = await self.get("/login")
        token = hidden_value(page.text, "login_token")
        form = {"login_token": token, "username": username, "password": password}
        reply = await self.post("/login", form)
        if reply.status == 302:
            landing = await self.get("/conversations")
            self.csrf_token = hidden_value(landing.text, "csrf_token")
        return reply

    async def submit(self, path: str, data: dict[str, str] | None = None) -> Reply:
        """POST a form the way the page would, with this session's CSRF token."""
        return await self.post(path, {"csrf_token": self.csrf_token, **(data or {})})


@asynccontextmanager
async def running_review_app(
    settings: Settings, extra_setup: Iterable[Setup] = (), ssl: SSLContext | None = None
) -> AsyncIterator[Callable[[], Browser]]:
    """The real app on 127.0.0.1 (free port, https with ``ssl``); yields a factory of
    independent browsers."""
    server = TestServer(create_app(settings, list(extra_setup)), host="127.0.0.1")
    await server.start_server(ssl=ssl)
    base_url = str(server.make_url("")).rstrip("/")
    sessions: list[aiohttp.ClientSession] = []

    def new_browser() -> Browser:
        # unsafe=True: keep cookies for an IP-address host (127.0.0.1).
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(session)
        return Browser(session, base_url)

    try:
        yield new_browser
    finally:
        for session in sessions:
            await session.close()
        await server.close()


MARCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def sample_chats() -> list[Chat]:
    """Four distinct conversations in early March 2026 (newest last)."""
    track = (
        Chat("c-track", MARCH)
        .say(
            "where is order 12345",
            "track_order",
            0.97,
            entities=[{"entity": "order_number", "value": "12345"}],
        )
        .action("action_track_order")
        .bot("Order 12345 ships tomorrow.")
        .slot("task_succeeded", True)
        .slot("csat", 5)
        .slot("nps", 10)
    )
    refund = (
        Chat("c-refund", MARCH + timedelta(days=1), channel="socketio")
        .say(
            "I want a refund for my shoes",
            "request_refund",
            0.55,
        )
        .slot("customer_id", "=cmd|' /C calc'!A0")
        .action("action_handoff_to_human")
        .bot("Let me get a colleague.")
        .slot("csat", 2)
        .slot("nps", 3)
    )
    confused = (
        Chat("c-confused", MARCH + timedelta(days=2))
        .say("blorp fizz wobble", "nlu_fallback", 0.3)
        .action("action_default_fallback")
        .bot("Sorry, I did not get that.")
        .slot("csat", 1)
    )
    email = (
        Chat("c-email", MARCH + timedelta(days=3))
        .say("my email is jane.doe@example.com, I need help with a refund", "request_refund", 0.8)
        .bot("I can help with refunds.")
    )
    return [track, refund, confused, email]


async def count(database_url: str, model: type) -> int:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        await engine.dispose()


async def execute(database_url: str, statement: object) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await session.execute(statement)
    finally:
        await engine.dispose()


async def user_id_of(database_url: str, username: str) -> int:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            query = select(ReviewUser.id).where(ReviewUser.username == username)
            return await session.scalar(query)
    finally:
        await engine.dispose()


async def senders(browser: Browser, query: str = "") -> list[str]:
    reply = await browser.get("/api/conversations?" + query)
    assert reply.status == 200, reply.text
    return [item["sender_id"] for item in reply.json()["conversations"]]


async def conversation_id(browser: Browser, sender_id: str) -> int:
    items = (await browser.get("/api/conversations")).json()["conversations"]
    return next(item["id"] for item in items if item["sender_id"] == sender_id)
