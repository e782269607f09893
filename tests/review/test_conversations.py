"""The conversation list (filters, keyset paging, search), transcripts and exports, over
conversations written through the real CX log pipeline."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.testing.review_app import (
    MARCH,
    Browser,
    Chat,
    conversation_id,
    sample_chats,
    senders,
    write_chats,
)
from tests.review.cases import FILTER_CASES


@pytest.fixture
async def viewer(browser: Browser, database_url: str) -> Browser:
    await write_chats(database_url, sample_chats())
    await browser.login("viewer")
    return browser


async def test_newest_first_with_the_summary_columns(viewer: Browser) -> None:
    assert await senders(viewer) == ["c-email", "c-confused", "c-refund", "c-track"]
    track = (await viewer.get("/api/conversations?outcome=resolved")).json()["conversations"]
    assert len(track) == 1
    assert track[0] | {"id": 0} == {
        "id": 0,
        "sender_id": "c-track",
        "channel": "rest",
        "host_page": None,
        "customer_id": None,
        "started_at": "2026-03-01T09:00:00+00:00",
        # Silent since March: the sweep ended it at its last event.
        "ended_at": "2026-03-01T09:00:03+00:00",
        "end_reason": "silence",
        "outcome": "resolved",
        "had_fallback": False,
        "had_handoff": False,
        "customer_messages": 1,
        "fallback_messages": 0,
        "messages_to_agent": 0,
        "csat": 5,
        "nps": 10,
        "first_intent": "track_order",
        "top_intent": "track_order",
        "tags": [],
    }
    page = await viewer.get("/conversations")
    for sender in ("c-email", "c-confused", "c-refund", "c-track"):
        assert sender in page.text


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
async def test_filters(viewer: Browser, query: str, expected: list[str]) -> None:
    assert await senders(viewer, query) == expected


async def test_the_html_list_keeps_the_filters_in_the_form_and_links(viewer: Browser) -> None:
    page = await viewer.get("/conversations?intent=request_refund&limit=1")
    assert page.status == 200
    assert 'name="intent" list="known-intents" value="request_refund"' in page.text
    assert '<option value="track_order">' in page.text  # the intent suggestions
    assert "c-email" in page.text and "c-refund" not in page.text
    older = page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    older = older.replace("&amp;", "&")
    assert "intent=request_refund" in older and "after=" in older
    assert "export.csv?intent=request_refund" in page.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "from must be a date"),
        ("from=2026-03-05&to=2026-03-01", "from must not be after to"),
        ("outcome=great", "outcome must be one of"),
        ("csat=6", "csat must be a score from 1 to 5"),
        ("fallback=maybe", "fallback must be yes or no"),
        ("intent=<script>", "intent must be an intent name"),
        ("tag=Not A Tag", "tag must be a tag"),
        ("q=" + "x" * 201, "at most 200 characters"),
        ("limit=0", "limit must be a number"),
        ("after=garbage", "after must be a cursor"),
    ],
)
async def test_bad_filters_are_a_clear_400(viewer: Browser, query: str, message: str) -> None:
    api = await viewer.get("/api/conversations?" + query)
    assert api.status == 400 and message in api.json()["error"]
    page = await viewer.get("/conversations?" + query)
    assert page.status == 400 and message in page.text
    if not query.startswith(("limit=", "after=")):  # exports take every matching conversation
        export = await viewer.get("/api/conversations/export.csv?" + query)
        assert export.status == 400


async def test_keyset_paging_visits_every_conversation_once(
    browser: Browser, database_url: str
) -> None:
    # 45 conversations, started in groups of three at the same second: ties need the id.
    chats = [
        Chat(f"p-{n:03}", MARCH + timedelta(minutes=n // 3)).say("hello there", "greet")
        for n in range(45)
    ]
    await write_chats(database_url, chats)
    await browser.login("viewer")
    seen: list[str] = []
    query = "limit=7"
    while True:
        reply = (await browser.get("/api/conversations?" + query)).json()
        seen += [item["sender_id"] for item in reply["conversations"]]
        if reply["next"] is None:
            break
        query = "limit=7&after=" + reply["next"]
    assert len(seen) == len(set(seen)) == 45
    everything = (await browser.get("/api/conversations?limit=200")).json()["conversations"]
    assert seen == [item["sender_id"] for item in everything]
    starts = [item["started_at"] for item in everything]
    assert starts == sorted(starts, reverse=True)


async def test_the_transcript_shows_what_the_assistant_understood_and_did(
    viewer: Browser,
) -> None:
    track = await conversation_id(viewer, "c-track")
    page = (await viewer.get(f"/conversations/{track}")).text
    for expected in (
        "where is order 12345",
        '<strong class="intent">track_order</strong>',
        '<strong class="confidence">97%</strong>',
        '<span class="entity-name">order_number</span> = <span class="entity-value">12345</span>',
        '<span class="action">action_track_order</span>',
        '<span class="action">utter_answer</span>',
        '<p class="bot-text">Order 12345 ships tomorrow.</p>',
        '<span class="outcome outcome-resolved" id="outcome" title="The task the customer came',
        ">Resolved</span>",
        '<dd id="csat">5</dd>',
        '<dd id="nps">10</dd>',
    ):
        assert expected in page, expected

    confused = await conversation_id(viewer, "c-confused")
    page = (await viewer.get(f"/conversations/{confused}")).text
    assert 'class="turn fallback"' in page and '<span class="badge">not understood</span>' in page

    detail = (await viewer.get(f"/api/conversations/{track}")).json()
    assert detail["turns"][0]["intent"] == "track_order"
    assert detail["turns"][0]["bot_actions"] == ["action_track_order", "utter_answer"]
    assert detail["feedback"] == {"csat": 5, "nps": 10, "comment": None}

    email = await conversation_id(viewer, "c-email")
    page = (await viewer.get(f"/conversations/{email}")).text
    assert "jane.doe@example.com" not in page and "[EMAIL]" in page


async def test_unknown_conversations_are_404(viewer: Browser) -> None:
    assert (await viewer.get("/conversations/999999")).status == 404
    assert (await viewer.get("/api/conversations/999999")).json() == {
        "error": "no such conversation"
    }


async def test_csv_export_of_the_filtered_conversations(viewer: Browser) -> None:
    reply = await viewer.get("/api/conversations/export.csv?intent=request_refund")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/csv")
    assert reply.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert [row["sender_id"] for row in rows] == ["c-email", "c-refund"]
    refund = rows[1]
    assert refund["outcome"] == "handed_off" and refund["csat"] == "2"
    # A spreadsheet must not run the customer id as a formula.
    assert refund["customer_id"] == "'=cmd|' /C calc'!A0"

    empty = await viewer.get("/api/conversations/export.csv?outcome=unresolved")
    assert empty.text.strip() == ",".join(csv.DictReader(io.StringIO(reply.text)).fieldnames)


async def test_json_export_has_transcripts_and_the_filter(viewer: Browser) -> None:
    reply = await viewer.get("/api/conversations/export.json?q=refund")
    assert reply.status == 200
    body = json.loads(reply.text)
    assert body["filter"] == {"q": "refund"}
    assert [c["sender_id"] for c in body["conversations"]] == ["c-email", "c-refund"]
    email = body["conversations"][0]
    assert email["turns"][0]["user_text"] == "my email is [EMAIL], I need help with a refund"
    assert email["turns"][0]["bot_texts"] == ["I can help with refunds."]


async def test_exports_stream_more_than_one_batch(
    browsers: Callable[[], Browser], database_url: str
) -> None:
    chats = [
        Chat(f"e-{n:04}", MARCH + timedelta(seconds=n)).say("hi", "greet") for n in range(1203)
    ]
    await write_chats(database_url, chats)
    browser = browsers()
    await browser.login("viewer")
    rows = list(
        csv.DictReader(io.StringIO((await browser.get("/api/conversations/export.csv")).text))
    )
    assert len(rows) == len({row["id"] for row in rows}) == 1203
    body = json.loads((await browser.get("/api/conversations/export.json")).text)
    assert len(body["conversations"]) == 1203
