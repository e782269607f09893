"""``setup_livechat(app, settings)``: live chat inside the review app's process.

Customers' side, without login: the widget's files, its websocket and the demo shop page. Agents'
side (role agent or above): the agent inbox page, its script, its websocket, the customer panel's
API and the canned replies (which admins edit). Both sides share the objects opened and closed with
the app here: one HTTP session (to Rasa and to the commerce backend), the open customer and agent
sockets, and the handoff service that moves messages between them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.livechat import canned_replies
from bot.livechat.agent_inbox import AgentInbox
from bot.livechat.connections import SocketGroups
from bot.livechat.customer_panel import CustomerPanel, ShopBackend
from bot.livechat.demo import demo_page
from bot.livechat.gateway import WidgetGateway
from bot.livechat.handoff import Agent, HandoffService
from bot.livechat.hours import WorkingHours, parse_hours
from bot.livechat.rasa_client import RasaClient
from bot.review.auth.security import mark_public, signed_in_agent
from bot.review.common.pages import add_nav_link, add_template_dir, render
from bot.review.common.roles import Role
from bot.settings import Settings

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


class LiveChat:
    """What the widget gateway and the agent inbox share inside one review-app process."""

    gateway: WidgetGateway
    handoff: HandoffService
    panel: CustomerPanel

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
        backend = ShopBackend(self._session, self.settings.backend_url, self.settings.backend_token)
        self.panel = CustomerPanel(self.handoff, rasa, backend)
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


async def _inbox_page(request: web.Request) -> web.Response:
    await signed_in_agent(request)
    return render(request, "agent_inbox.html", {})


async def _inbox_socket(request: web.Request) -> web.WebSocketResponse:
    who = await signed_in_agent(request)
    agent = Agent(who.username, who.display_name)
    return await AgentInbox(request.app[LIVE_CHAT].handoff).handle(request, agent)


async def _customer_panel(request: web.Request) -> web.Response:
    await signed_in_agent(request)
    return await request.app[LIVE_CHAT].panel.handle(request.match_info["conversation"])


def setup_livechat(app: web.Application, settings: Settings) -> None:
    """Register ``/widget/*`` (script, styles, websocket) and ``/demo`` without login, and the
    agent inbox under ``/agent/`` in the review app's layout and navigation."""
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
    app.router.add_static("/widget/", HERE / "static" / "widget", append_version=False)
    app.router.add_get("/demo", demo_page)
    mark_public(app, "/widget/", "/demo")

    add_template_dir(app, HERE / "templates")
    add_nav_link(app, "/agent/inbox", "Agent inbox", Role.AGENT)
    app.router.add_get("/agent/inbox", _inbox_page)
    app.router.add_get("/agent/ws", _inbox_socket)
    app.router.add_get("/api/agent/conversations/{conversation}/customer", _customer_panel)
    app.router.add_static("/agent/static/", HERE / "static" / "agent", append_version=False)
    add_nav_link(app, "/agent/canned-replies", "Canned replies", Role.ADMIN)
    app.add_routes(canned_replies.routes)
