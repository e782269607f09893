"""The NLU inbox page and its JSON API: list, label (one or many), ignore, create intents, and
send a transcript's message to the inbox."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.review.auth.security import requires
from bot.review.common.forms import form_text
from bot.review.common.pages import render
from bot.review.common.roles import Role
from bot.review.common.state import db, signed_in, state
from bot.review.nlu.catalogue import load_catalogue
from bot.review.nlu.errors import http_error
from bot.review.nlu.labelling import (
    Refused,
    create_intent,
    ignore_messages,
    label_messages,
    mark_message,
)
from bot.review.nlu.payloads import read_json, string_field, text_list
from bot.review.nlu.state import nlu_state
from bot.training.inbox import InboxItem, inbox_items
from bot.training.surfacing import REASONS

routes = web.RouteTableDef()

PAGE_SIZE = 25
MAX_LIMIT = 200
STATUSES = ("open", "done")


def _whole_number(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name, str(default))
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not low <= int(raw) <= high:
        raise web.HTTPBadRequest(text=f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _status(request: web.Request) -> str:
    status = request.query.get("status", "open")
    if status not in STATUSES:
        raise web.HTTPBadRequest(text="status must be open or done")
    return status


async def _items(request: web.Request, status: str) -> list[InboxItem]:
    """Open items, or the decided ones (labelled, ignored, exported) for the "done" tab."""
    surfacing = await nlu_state(request).surfacing.get()
    async with db(request) as session:
        items = await inbox_items(session, include_done=status == "done", surfacing=surfacing)
    return items if status == "open" else [item for item in items if item.status != "open"]


def item_json(item: InboxItem) -> dict[str, Any]:
    return {
        "key": item.key,
        "text": item.text,
        "count": item.count,
        "reasons": dict(item.reasons.most_common()),
        "why": [REASONS[reason] for reason in REASONS if reason in item.reasons],
        "customers": len(item.customers),
        "suggested_intent": item.suggested_intent,
        "last_seen": item.last_seen.isoformat() if item.last_seen else None,
        "status": item.status,
        "intent": item.intent,
    }


@routes.get("/nlu")
@requires(Role.ANNOTATOR)
async def inbox_page(request: web.Request) -> web.Response:
    status = _status(request)
    page = _whole_number(request, "page", 1, 1, 100_000)
    items = await _items(request, status)
    async with db(request) as session:
        catalogue = await load_catalogue(session, state(request).settings.project_dir)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    context = {
        "status": status,
        "items": items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "total": len(items),
        "page": page,
        "pages": pages,
        "intents": catalogue.intents,
        "entities": catalogue.entities,
        "reason_words": REASONS,
    }
    return render(request, "nlu/inbox.html", context)


@routes.get("/api/nlu/inbox")
@requires(Role.ANNOTATOR)
async def inbox_api(request: web.Request) -> web.Response:
    status = _status(request)
    offset = _whole_number(request, "offset", 0, 0, 10_000_000)
    limit = _whole_number(request, "limit", PAGE_SIZE, 1, MAX_LIMIT)
    items = await _items(request, status)
    shown = items[offset : offset + limit]
    following = offset + limit if offset + limit < len(items) else None
    return web.json_response(
        {"items": [item_json(item) for item in shown], "total": len(items), "next": following}
    )


@routes.get("/api/nlu/catalogue")
@requires(Role.ANNOTATOR)
async def catalogue_api(request: web.Request) -> web.Response:
    async with db(request) as session:
        catalogue = await load_catalogue(session, state(request).settings.project_dir)
    return web.json_response(
        {
            "intents": catalogue.intents,
            "new_intents": catalogue.new_intents,
            "entities": list(catalogue.entities),
        }
    )


@routes.post("/api/nlu/labels")
@requires(Role.ANNOTATOR)
async def label_api(request: web.Request) -> web.Response:
    """``{"texts": [...], "intent": "...", "entities": {text: [{start, end, entity}]}}``"""
    body = await read_json(request, frozenset({"texts", "intent"}), frozenset({"entities"}))
    texts, intent = text_list(body), string_field(body, "intent")
    surfacing = await nlu_state(request).surfacing.get()
    async with db(request) as session:
        catalogue = await load_catalogue(session, state(request).settings.project_dir)
        try:
            count = await label_messages(
                session, catalogue, texts, intent, signed_in(request).username,
                body.get("entities"), surfacing,
            )  # fmt: skip
        except Refused as refusal:
            raise http_error(refusal) from None
    return web.json_response({"labelled": count, "intent": intent})


@routes.post("/api/nlu/ignored")
@requires(Role.ANNOTATOR)
async def ignore_api(request: web.Request) -> web.Response:
    """``{"texts": [...]}``: not worth training on (noise, abuse, another language)."""
    texts = text_list(await read_json(request, frozenset({"texts"})))
    surfacing = await nlu_state(request).surfacing.get()
    async with db(request) as session:
        try:
            count = await ignore_messages(session, texts, signed_in(request).username, surfacing)
        except Refused as refusal:
            raise http_error(refusal) from None
    return web.json_response({"ignored": count})


@routes.post("/api/nlu/intents")
@requires(Role.ANNOTATOR)
async def intent_api(request: web.Request) -> web.Response:
    """``{"name", "answer", "texts"?, "entities"?}``: a new intent, labelling ``texts`` with it
    (the inbox's "new intent" and discovery's "create from cluster" both send this)."""
    body = await read_json(request, frozenset({"name", "answer"}), frozenset({"texts", "entities"}))
    texts = text_list(body) if "texts" in body else []
    name, answer = string_field(body, "name"), string_field(body, "answer")
    surfacing = await nlu_state(request).surfacing.get()
    async with db(request) as session:
        catalogue = await load_catalogue(session, state(request).settings.project_dir)
        try:
            count = await create_intent(
                session, catalogue, name, answer, signed_in(request).username, texts,
                body.get("entities"), surfacing,
            )  # fmt: skip
        except Refused as refusal:
            raise http_error(refusal) from None
    return web.json_response({"intent": name, "labelled": count}, status=201)


def _turn_id(raw: Any) -> int:
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise web.HTTPBadRequest(text="turn_id must be a message id")
    return int(text)


async def _mark(request: web.Request, raw_turn_id: Any) -> tuple[int, int]:
    turn_id = _turn_id(raw_turn_id)
    async with db(request) as session:
        try:
            return turn_id, await mark_message(session, turn_id, signed_in(request).username)
        except Refused as refusal:
            raise http_error(refusal) from None


@routes.post("/api/nlu/marks")
@requires(Role.ANNOTATOR)
async def mark_api(request: web.Request) -> web.Response:
    """``{"turn_id": n}``: send a logged customer message to the inbox, however confident."""
    body = await read_json(request, frozenset({"turn_id"}))
    turn_id, conversation_id = await _mark(request, body["turn_id"])
    return web.json_response({"turn_id": turn_id, "conversation_id": conversation_id}, status=201)


@routes.post("/nlu/marks")
@requires(Role.ANNOTATOR)
async def mark_form(request: web.Request) -> web.Response:
    """The transcript page's "send to NLU inbox" button."""
    turn_id, conversation_id = await _mark(request, form_text(await request.post(), "turn_id"))
    raise web.HTTPSeeOther(f"/conversations/{conversation_id}#turn-{turn_id}")
