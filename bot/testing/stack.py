"""The review app (with the widget gateway and the agent inbox) as a real process beside Rasa.

Shared by the widget, handoff and browser suites (``start_backend`` and ``BACKEND_TOKEN`` come
from :mod:`bot.testing.processes`): they start it with ``python -m bot review
serve`` exactly as ``make run`` does, create accounts with ``python -m bot users add``, and talk
to it over HTTP and websockets like browsers do.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.testing.processes import (
    BACKEND_TOKEN,
    RASA_AUTH_TOKEN,
    VENV_BIN,
    ServerProcess,
    bot_cli,
    free_port,
)
from bot.testing.project import sqlite_url

REVIEW_SECRET = "widget-tests-review-secret-0123456789"
TOKEN_SECRET = "widget-tests-customer-token-secret"
PASSWORD = "a long agent password 42"
AGENT = "ada"
SECOND_AGENT = "ben"
SECOND_AGENT_NAME = "Ben from Support"  # his display name; ada has none, so customers read "ada"
VIEWER = "vic"
ADMIN = "ann"
SHOP_ORIGIN = "http://shop.test"


@dataclass
class Review:
    server: ServerProcess
    url: str
    rasa_url: str

    @property
    def socket_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/widget/ws"


def start_review(
    rasa_url: str,
    directory: Path,
    log_dir: Path,
    name: str = "review",
    shop_origins: tuple[str, ...] | None = (SHOP_ORIGIN,),
    **env: str,
) -> Review:
    """Migrate a fresh CX database, create an agent, a second agent (with a display name), a
    viewer and an admin, then serve.

    The widget may be embedded by the app's own pages and by ``shop_origins`` (``None``: leave
    WIDGET_ALLOWED_ORIGINS unset, i.e. the shipped default).
    """
    port = free_port()
    origins = (f"http://127.0.0.1:{port}", *shop_origins) if shop_origins is not None else None
    settings = {
        "REVIEW_PORT": str(port),
        "RASA_PORT": rasa_url.rsplit(":", 1)[1],
        "CX_DATABASE_URL": sqlite_url(directory / "cx.db"),
        "REVIEW_SECRET_KEY": REVIEW_SECRET,
        "WIDGET_TOKEN_SECRET": TOKEN_SECRET,
        **({"WIDGET_ALLOWED_ORIGINS": ",".join(origins)} if origins else {}),
        "HANDOFF_HOURS": "always",
        # Every test connects from 127.0.0.1; one test checks the limit itself.
        "WIDGET_CONNECTS_PER_MINUTE": "100000",
        "BACKEND_TOKEN": BACKEND_TOKEN,
        "RASA_AUTH_TOKEN": RASA_AUTH_TOKEN,
        **env,
    }
    server = ServerProcess(
        name,
        [str(VENV_BIN / "python"), "-m", "bot", "review", "serve"],
        f"http://127.0.0.1:{port}/healthz",
        log_dir,
        settings,
    )
    accounts = (
        (AGENT, "agent", []),
        (SECOND_AGENT, "agent", ["--display-name", SECOND_AGENT_NAME]),
        (VIEWER, "viewer", []),
        (ADMIN, "admin", []),
    )
    for user, role, extra in accounts:
        add = ["users", "add", user, "--role", role, *extra, "--password-stdin"]
        bot_cli(server.env, *add, stdin=PASSWORD)
    return Review(server.start(), f"http://127.0.0.1:{port}", rasa_url)


def widget_tag(review: Review, customer_token: str | None = None) -> str:
    """The one script tag a shop puts on its pages to embed the widget (``customer_token``: a
    customer signed in to the shop)."""
    token = f' data-customer-token="{customer_token}"' if customer_token else ""
    return (
        f'<script src="{review.url}/widget/widget.js" data-server="{review.url}" '
        f'data-title="Trailhead help"{token}></script>'
    )


def shop_site(name: str, directory: Path, port: int, log_dir: Path, html: str) -> ServerProcess:
    """Another site (a plain static server on ``port``) whose index page is ``html``; started."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text(html)
    command = [
        str(VENV_BIN / "python"), "-m", "http.server", str(port), "--bind", "127.0.0.1",
        "--directory", str(directory),
    ]  # fmt: skip
    return ServerProcess(name, command, f"http://127.0.0.1:{port}/", log_dir).start()


def hand_over(rasa_url: str, sender_id: str, reason: str) -> None:
    """What the bot's ``action_handoff_to_human`` leaves behind: the reason, a pause, a listen."""
    events = [
        {"event": "slot", "name": "handoff_reason", "value": reason},
        {"event": "pause"},
        {"event": "action", "name": "action_listen"},
    ]
    request = urllib.request.Request(
        f"{rasa_url}/conversations/{sender_id}/tracker/events?token={RASA_AUTH_TOKEN}",
        json.dumps(events).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def tracker_events(rasa_url: str, sender_id: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(
        f"{rasa_url}/conversations/{sender_id}/tracker?token={RASA_AUTH_TOKEN}", timeout=10
    ) as response:
        return json.load(response)["events"]


LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]*)"')


async def signed_in(url: str, username: str, password: str = PASSWORD) -> aiohttp.ClientSession:
    """A client session holding the review app's login cookie (close it when done)."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(f"{url}/login") as page:
        token = LOGIN_TOKEN.search(await page.text())
    assert token, "the login page has no login token"
    form = {"login_token": token[1], "username": username, "password": password}
    async with session.post(f"{url}/login", data=form, allow_redirects=False) as reply:
        assert reply.status == 302, f"login of {username} failed: {reply.status}"
    return session


class Socket:
    """One websocket (a widget tab or an agent's inbox) and the frames it has received."""

    def __init__(
        self,
        socket: aiohttp.ClientWebSocketResponse,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.socket = socket
        self.session = session  # the client session it was opened in
        self.received: list[dict[str, Any]] = []

    async def send(self, **frame: Any) -> None:
        await self.socket.send_json(frame)

    async def expect(self, wanted: Callable[[dict[str, Any]], bool], within_s: float = 60) -> dict:
        """The next frame ``wanted`` accepts (frames before it are kept in ``received``)."""
        async with asyncio.timeout(within_s):
            while True:
                frame = await self.socket.receive_json()
                self.received.append(frame)
                if wanted(frame):
                    return frame

    async def close(self) -> None:
        await self.socket.close()


def of_type(kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda frame: frame["type"] == kind and all(frame.get(k) == v for k, v in fields.items())


def message_from(who: str) -> Callable[[dict[str, Any]], bool]:
    return lambda frame: frame["type"] == "message" and frame["message"]["from"] == who


async def open_widget(
    session: aiohttp.ClientSession,
    review: Review,
    session_id: str | None = None,
    customer_token: str | None = None,
) -> tuple[Socket, str, dict[str, Any]]:
    """Connect and say hello like widget.js; returns the socket, session id and history frame."""
    socket = Socket(await session.ws_connect(review.socket_url, origin=review.url))
    await socket.send(type="hello", session_id=session_id, customer_token=customer_token)
    started = await socket.expect(of_type("session"))
    history = await socket.expect(of_type("history"))
    return socket, started["session_id"], history


async def open_inbox(session: aiohttp.ClientSession, review: Review) -> Socket:
    """An agent's inbox socket (``session`` signed in); waits for the first queue frame."""
    inbox_url = review.url.replace("http://", "ws://") + "/agent/ws"
    inbox = Socket(await session.ws_connect(inbox_url, origin=review.url), session)
    await inbox.expect(of_type("queue"))
    return inbox


@asynccontextmanager
async def agent_inbox(review: Review, username: str = AGENT) -> AsyncIterator[Socket]:
    """``username`` signed in with the inbox open; the session (``inbox.session``) is closed
    afterwards."""
    session = await signed_in(review.url, username)
    try:
        yield await open_inbox(session, review)
    finally:
        await session.close()
