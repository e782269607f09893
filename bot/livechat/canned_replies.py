"""Canned replies: the short list of ready answers admins keep and agents insert in one click.

Admins add, edit and delete them on ``/agent/canned-replies`` (forms with the session's CSRF
token, like the Users page). The inbox reads ``GET /api/agent/canned-replies`` every time it is
opened, so an edit reaches agents at their next page load without restarting anything. Stored in
the CX database beside the other review tables (``review_canned_replies``, migration
``review0003``); the inbox inserts the text into the reply box, so an agent can still adapt it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.validation import clean_text
from bot.livechat.protocol import MAX_MESSAGE_CHARS
from bot.review.auth.security import requires, signed_in_agent
from bot.review.common.forms import Form, form_text
from bot.review.common.models import CannedReply
from bot.review.common.pages import render
from bot.review.common.roles import Role
from bot.review.common.state import db, signed_in

MAX_TITLE_CHARS = 80
MAX_CANNED_REPLIES = 100  # a short list people scan, not a knowledge base

routes = web.RouteTableDef()


def _fields(form: Form) -> tuple[str, str]:
    """``(title, body)`` of a posted form, or a 400 that says what is wrong."""
    title = " ".join(form_text(form, "title").split())
    body = clean_text(form_text(form, "body"))
    if not 1 <= len(title) <= MAX_TITLE_CHARS:
        raise web.HTTPBadRequest(text=f"a title has 1 to {MAX_TITLE_CHARS} characters")
    if not 1 <= len(body) <= MAX_MESSAGE_CHARS:
        raise web.HTTPBadRequest(text=f"a reply has 1 to {MAX_MESSAGE_CHARS} characters")
    return title, body


async def _all(session: AsyncSession) -> list[CannedReply]:
    query = select(CannedReply).order_by(CannedReply.title, CannedReply.id)
    return list(await session.scalars(query))


@routes.get("/api/agent/canned-replies")
async def canned_replies_api(request: web.Request) -> web.Response:
    await signed_in_agent(request)
    async with db(request) as session:
        replies = await _all(session)
    return web.json_response(
        {"canned_replies": [{"id": r.id, "title": r.title, "body": r.body} for r in replies]}
    )


@routes.get("/agent/canned-replies")
@requires(Role.ADMIN)
async def canned_replies_page(request: web.Request) -> web.Response:
    async with db(request) as session:
        replies = await _all(session)
    context = {"replies": replies, "max_title": MAX_TITLE_CHARS, "max_body": MAX_MESSAGE_CHARS}
    return render(request, "canned_replies.html", context)


@routes.post("/agent/canned-replies")
@requires(Role.ADMIN)
async def canned_reply_add(request: web.Request) -> web.Response:
    title, body = _fields(await request.post())
    async with db(request) as session, session.begin():
        if len(await _all(session)) >= MAX_CANNED_REPLIES:
            raise web.HTTPBadRequest(text=f"keep it to {MAX_CANNED_REPLIES} canned replies")
        session.add(
            CannedReply(
                title=title,
                body=body,
                updated_by=signed_in(request).username,
                updated_at=datetime.now(UTC),
            )
        )
    raise web.HTTPSeeOther("/agent/canned-replies")


@routes.post(r"/agent/canned-replies/{reply_id:\d{1,18}}")
@requires(Role.ADMIN)
async def canned_reply_change(request: web.Request) -> web.Response:
    """Save the edited reply, or delete it when the form's ``action`` is ``delete``."""
    form = await request.post()
    async with db(request) as session, session.begin():
        reply = await session.get(CannedReply, int(request.match_info["reply_id"]))
        if reply is None:
            raise web.HTTPNotFound(text="no such canned reply")
        if form_text(form, "action") == "delete":
            await session.delete(reply)
        else:
            reply.title, reply.body = _fields(form)
            reply.updated_by = signed_in(request).username
            reply.updated_at = datetime.now(UTC)
    raise web.HTTPSeeOther("/agent/canned-replies")
