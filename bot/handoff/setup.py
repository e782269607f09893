"""``setup_handoff(app, settings)``: the agent inbox in the review app (role agent or above).

Adds the inbox page (in the review app's layout and navigation), its script and its websocket.
Needs :func:`bot.widget.setup.setup_widget` first, which owns the live-chat objects both sides
share.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.handoff.inbox import AgentInbox
from bot.review.pages import add_nav_link, add_template_dir, render
from bot.review.roles import Role
from bot.review.security import signed_in_agent
from bot.settings import Settings
from bot.widget.setup import LIVE_CHAT

HERE = Path(__file__).resolve().parent


async def inbox_page(request: web.Request) -> web.Response:
    await signed_in_agent(request)
    return render(request, "agent_inbox.html", {})


async def inbox_socket(request: web.Request) -> web.WebSocketResponse:
    agent = await signed_in_agent(request)
    return await AgentInbox(request.app[LIVE_CHAT].handoff).handle(request, agent)


def setup_handoff(app: web.Application, settings: Settings) -> None:
    if LIVE_CHAT not in app:
        raise RuntimeError("install setup_widget before setup_handoff")
    add_template_dir(app, HERE / "templates")
    add_nav_link(app, "/agent/inbox", "Agent inbox", Role.AGENT)
    app.router.add_get("/agent/inbox", inbox_page)
    app.router.add_get("/agent/ws", inbox_socket)
    app.router.add_static("/agent/static/", HERE / "static", append_version=False)
