"""CSV and JSON downloads of every conversation matching the list's filters.

Streamed in keyset batches, so exporting 100k conversations holds one batch in memory. The CSV
has one row per conversation; the JSON adds feedback and every turn. Cells that a spreadsheet
would run as a formula (starting with = + - @) are prefixed with a quote: customer ids and tags
are text someone else chose.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.review.common.state import db
from bot.review.conversations.filters import ConversationFilter
from bot.review.conversations.queries import batches
from bot.review.conversations.serialize import conversation_detail, conversation_summary

BATCH_SIZE = 500
CSV_COLUMNS = (
    "id",
    "sender_id",
    "channel",
    "customer_id",
    "started_at",
    "ended_at",
    "outcome",
    "had_fallback",
    "had_handoff",
    "customer_messages",
    "fallback_messages",
    "csat",
    "nps",
    "first_intent",
    "top_intent",
    "tags",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[dict[str, Any]], header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


async def _start(request: web.Request, content_type: str, extension: str) -> web.StreamResponse:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="conversations-{stamp}.{extension}"',
        }
    )
    await response.prepare(request)
    return response


async def export_csv(request: web.Request, flt: ConversationFilter) -> web.StreamResponse:
    response = await _start(request, "text/csv; charset=utf-8", "csv")
    header = True
    async with db(request) as session:
        async for page in batches(session, flt, BATCH_SIZE, with_turns=False):
            rows = (conversation_summary(c, page.tags.get(c.id, [])) for c in page.conversations)
            await response.write(csv_lines(rows, header).encode("utf-8"))
            header = False
    if header:
        await response.write(csv_lines([], header=True).encode("utf-8"))
    await response.write_eof()
    return response


async def export_json(request: web.Request, flt: ConversationFilter) -> web.StreamResponse:
    response = await _start(request, "application/json; charset=utf-8", "json")
    opening = {"exported_at": datetime.now(UTC).isoformat(), "filter": flt.as_query()}
    await response.write(json.dumps(opening)[:-1].encode() + b', "conversations": [')
    separator = b""
    async with db(request) as session:
        async for page in batches(session, flt, BATCH_SIZE, with_turns=True):
            for conversation in page.conversations:
                item = conversation_detail(conversation, page.tags.get(conversation.id, []))
                await response.write(separator + json.dumps(item, ensure_ascii=False).encode())
                separator = b", "
    await response.write(b"]}")
    await response.write_eof()
    return response
