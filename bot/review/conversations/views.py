"""Conversation list, transcript, exports and the JSON API over them; tags and notes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cxlog.models import OUTCOMES, Conversation
from bot.review.auth.security import requires
from bot.review.common.forms import Form, form_text
from bot.review.common.pages import render
from bot.review.common.roles import Role
from bot.review.common.state import SignedIn, db, signed_in
from bot.review.conversations.annotations import (
    AnnotationError,
    NotAllowed,
    add_note,
    add_tag,
    delete_note,
    remove_tag,
)
from bot.review.conversations.export import export_csv, export_json
from bot.review.conversations.filters import (
    ConversationFilter,
    FilterError,
    parse_cursor,
    parse_filter,
    parse_limit,
)
from bot.review.conversations.queries import (
    Page,
    Transcript,
    known_intents,
    known_tags,
    list_page,
    load_transcript,
)
from bot.review.conversations.serialize import conversation_detail, conversation_summary

routes = web.RouteTableDef()


def _filter(request: web.Request) -> ConversationFilter:
    try:
        return parse_filter(request.query)
    except FilterError as error:
        raise web.HTTPBadRequest(text=str(error)) from None


async def _page(request: web.Request, flt: ConversationFilter) -> Page:
    try:
        after, limit = parse_cursor(request.query), parse_limit(request.query)
    except FilterError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    async with db(request) as session:
        return await list_page(session, flt, after, limit)


@routes.get("/conversations")
async def conversation_list(request: web.Request) -> web.Response:
    flt = _filter(request)
    page = await _page(request, flt)
    async with db(request) as session:
        intents, tags = await known_intents(session), await known_tags(session)
    query = flt.as_query()
    next_link = None
    if page.next_cursor is not None:
        next_link = "?" + urlencode({**query, "after": page.next_cursor.encode()})
    context = {
        "page": page,
        "filter": query,
        "outcomes": OUTCOMES,
        "intents": intents,
        "tags": tags,
        "next_link": next_link,
        "first_link": "?" + urlencode(query) if "after" in request.query else None,
        "export_query": urlencode(query),
    }
    return render(request, "conversations.html", context)


@routes.get("/api/conversations")
async def conversation_list_api(request: web.Request) -> web.Response:
    page = await _page(request, _filter(request))
    items = [conversation_summary(c, page.tags.get(c.id, [])) for c in page.conversations]
    cursor = page.next_cursor.encode() if page.next_cursor else None
    return web.json_response({"conversations": items, "next": cursor})


@routes.get("/api/conversations/export.csv")
async def conversation_export_csv(request: web.Request) -> web.StreamResponse:
    return await export_csv(request, _filter(request))


@routes.get("/api/conversations/export.json")
async def conversation_export_json(request: web.Request) -> web.StreamResponse:
    return await export_json(request, _filter(request))


def _conversation_id(request: web.Request) -> int:
    return int(request.match_info["conversation_id"])


def _may_annotate(request: web.Request) -> bool:
    return signed_in(request).may(Role.ANNOTATOR)


async def _transcript(request: web.Request) -> Transcript:
    """The transcript the path names, or a 404."""
    async with db(request) as session:
        transcript = await load_transcript(session, _conversation_id(request))
    if transcript is None:
        raise web.HTTPNotFound(text="no such conversation")
    return transcript


@routes.get(r"/conversations/{conversation_id:\d{1,18}}")
async def transcript_page(request: web.Request) -> web.Response:
    transcript = await _transcript(request)
    context = {
        "t": transcript,
        "c": transcript.conversation,
        "may_annotate": _may_annotate(request),
    }
    return render(request, "transcript.html", context)


@routes.get(r"/api/conversations/{conversation_id:\d{1,18}}")
async def transcript_api(request: web.Request) -> web.Response:
    transcript = await _transcript(request)
    return web.json_response(
        conversation_detail(transcript.conversation, transcript.tags, with_handoffs=True)
    )


Change = Callable[[AsyncSession, int, Form, SignedIn, datetime], Awaitable[object]]


async def _annotate(request: web.Request, change: Change) -> web.Response:
    """Apply one tag/note change in a transaction: bad input is a 400 and stores nothing."""
    conversation_id = _conversation_id(request)
    form = await request.post()
    async with db(request) as session, session.begin():
        if await session.get(Conversation, conversation_id) is None:
            raise web.HTTPNotFound(text="no such conversation")
        try:
            await change(session, conversation_id, form, signed_in(request), datetime.now(UTC))
        except AnnotationError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        except NotAllowed as error:
            raise web.HTTPForbidden(text=str(error)) from None
    raise web.HTTPSeeOther(f"/conversations/{conversation_id}")


@routes.post(r"/conversations/{conversation_id:\d{1,18}}/tags")
@requires(Role.ANNOTATOR)
async def tag_add(request: web.Request) -> web.Response:
    async def change(db: AsyncSession, cid: int, form: Form, who: SignedIn, now: datetime) -> None:
        await add_tag(db, cid, form_text(form, "tag"), who, now)

    return await _annotate(request, change)


@routes.post(r"/conversations/{conversation_id:\d{1,18}}/tags/remove")
@requires(Role.ANNOTATOR)
async def tag_remove(request: web.Request) -> web.Response:
    async def change(
        db: AsyncSession, cid: int, form: Form, _who: SignedIn, _now: datetime
    ) -> None:
        await remove_tag(db, cid, form_text(form, "tag"))

    return await _annotate(request, change)


@routes.post(r"/conversations/{conversation_id:\d{1,18}}/notes")
@requires(Role.ANNOTATOR)
async def note_add(request: web.Request) -> web.Response:
    async def change(db: AsyncSession, cid: int, form: Form, who: SignedIn, now: datetime) -> None:
        turn = form_text(form, "turn_id").strip()
        if turn and not turn.isdigit():
            raise AnnotationError("turn_id must be a message id")
        await add_note(db, cid, int(turn) if turn else None, form_text(form, "body"), who, now)

    return await _annotate(request, change)


@routes.post(r"/conversations/{conversation_id:\d{1,18}}/notes/{note_id:\d{1,18}}/delete")
@requires(Role.ANNOTATOR)
async def note_delete(request: web.Request) -> web.Response:
    note_id = int(request.match_info["note_id"])

    async def change(
        db: AsyncSession, cid: int, _form: Form, who: SignedIn, _now: datetime
    ) -> None:
        await delete_note(db, cid, note_id, who)

    return await _annotate(request, change)
