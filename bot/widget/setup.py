"""``setup_widget(app, settings)``: the widget's files, its websocket and the demo shop page.

Also owns the live-chat objects the agent inbox (:mod:`bot.handoff`) shares with the widget:
one HTTP session to Rasa, the open customer and agent sockets, and the handoff
service, all opened and closed with the app.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.handoff.hours import WorkingHours, parse_hours
from bot.handoff.service import HandoffService
from bot.review.security import mark_public
from bot.settings import Settings
from bot.widget.connections import SocketGroups
from bot.widget.demo import demo_page
from bot.widget.gateway import WidgetGateway
from bot.widget.rasa_client import RasaClient

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"


class LiveChat:
    """What the widget gateway and the agent inbox share inside one review-app process."""

    gateway: WidgetGateway
    handoff: HandoffService

    def __init__(self, settings: Settings, hours: WorkingHours) -> None:
        self.settings = settings
        self.hours = hours
        self.customers = SocketGroups()
        self.agents = SocketGroups()
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        if not self.settings.rasa_auth_token:
            logger.warning(
                "RASA_AUTH_TOKEN is not set: Rasa will see every widget customer at this app's "
                "address, so they share one per-IP and identity-check limit"
            )
        rasa = RasaClient(self._session, self.settings.rasa_api_url, self.settings.rasa_auth_token)
        self.handoff = HandoffService(rasa, self.customers, self.agents, self.hours)
        self.gateway = WidgetGateway(
            rasa,
            self.customers,
            self.handoff,
            self.settings.widget_token_secret,
            self.settings.widget_allowed_origins,
            self.settings.widget_connects_per_minute,
        )

    async def close_sockets(self) -> None:
        await self.customers.close_all()
        await self.agents.close_all()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


LIVE_CHAT = web.AppKey("live_chat", LiveChat)


async def _widget_socket(request: web.Request) -> web.WebSocketResponse:
    return await request.app[LIVE_CHAT].gateway.handle(request)


def setup_widget(app: web.Application, settings: Settings) -> None:
    """Register ``/widget/*`` (script, styles, websocket) and ``/demo``, all without login."""
    if "*" in settings.widget_allowed_origins:
        logger.warning(
            "WIDGET_ALLOWED_ORIGINS is '*': any website may embed the widget and chat as its "
            "visitors; list the shop's origins instead"
        )
    live_chat = LiveChat(settings, parse_hours(settings.handoff_hours, settings.handoff_timezone))
    app[LIVE_CHAT] = live_chat

    async def run_live_chat(_: web.Application) -> AsyncIterator[None]:
        await live_chat.start()
        yield
        await live_chat.close()

    async def close_sockets(_: web.Application) -> None:
        await live_chat.close_sockets()

    app.cleanup_ctx.append(run_live_chat)
    app.on_shutdown.append(close_sockets)
    app.router.add_get("/widget/ws", _widget_socket)
    app.router.add_static("/widget/", STATIC_DIR, append_version=False)
    app.router.add_get("/demo", demo_page)
    mark_public(app, "/widget/", "/demo")
