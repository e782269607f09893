"""The NLU pages and their JSON API, against the real review app on a loopback port.

Each test gets its own CX database (seeded through the real redaction pipeline) and its own copy
of the Rasa project, models and var directories, so exports and promotions never touch the
repository. Rasa itself is stood in for by a small HTTP server that records the models it is
told to load (the real hot swap is tested end to end in tests/training).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.cxlog.database import create_engine, session_factory
from bot.cxlog.models import Turn
from bot.review.nlu.setup import setup_nlu
from bot.settings import Settings
from bot.testing.processes import PROJECT_ROOT
from bot.testing.project import copy_project
from bot.testing.review_app import (
    Browser,
    Chat,
    count,
    review_settings,
    running_review_app,
    write_chats,
)
from bot.training.evaluate import ModelEvaluation
from bot.training.gate import compare
from bot.training.models import NluAnnotation, NluNewIntent
from bot.training.store import Decision, ModelStore

LOYALTY = [
    "how many loyalty points do i have",
    "check my loyalty points balance",
    "loyalty points balance please",
    "what is my loyalty points total",
    "how do i see my loyalty points",
    "are my loyalty points still valid",
]
DAY = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
ANSWER = "You can see your loyalty points under Account > Rewards."


def logged_chats() -> list[Chat]:
    """Loyalty questions the bot cannot handle, a few unsure answers and one confident one."""
    chats = [
        Chat(f"loyal-{n}", DAY + timedelta(minutes=n)).say(text, "nlu_fallback", 0.31)
        for n, text in enumerate(LOYALTY)
    ]
    chats += [
        Chat("iceland-1", DAY + timedelta(hours=1)).say(
            "do you ship to iceland", "delivery_options", 0.45
        ),
        Chat("iceland-2", DAY + timedelta(hours=2)).say(
            "Do you ship to Iceland?", "delivery_options", 0.42
        ),
        Chat("late", DAY + timedelta(hours=3)).say("my parcel is late", "track_order", 0.5),
        Chat("sure", DAY + timedelta(hours=4)).say("where is my order 12345", "track_order", 0.97),
        Chat("pii", DAY + timedelta(hours=5)).say(
            "write to jane.doe@example.com about my points", "nlu_fallback", 0.2
        ),
        Chat("xss", DAY + timedelta(hours=6)).say(
            "<script>alert(1)</script> hello?", "nlu_fallback", 0.1
        ),
    ]
    return chats


@dataclass
class FakeRasa:
    """Rasa's model API as promote.py uses it: ``PUT /model`` then ``GET /status``."""

    loaded: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    refuse: bool = False

    def app(self) -> web.Application:
        async def put_model(request: web.Request) -> web.Response:
            self.tokens.append(request.query.get("token", ""))
            if self.refuse:
                return web.json_response({"message": "cannot load"}, status=500)
            self.loaded.append((await request.json())["model_file"])
            return web.Response(status=204)

        async def status(request: web.Request) -> web.Response:
            return web.json_response({"model_id": f"model-{len(self.loaded)}"})

        app = web.Application()
        app.router.add_put("/model", put_model)
        app.router.add_get("/status", status)
        return app


@dataclass
class Nlu:
    settings: Settings
    new_browser: Callable[[], Browser]
    rasa: FakeRasa

    async def signed_in(self, username: str) -> Browser:
        browser = self.new_browser()
        assert (await browser.login(username)).status == 302
        return browser


@pytest.fixture
async def nlu(database_url: str, tmp_path: Path) -> AsyncIterator[Nlu]:
    await write_chats(database_url, logged_chats())
    rasa = FakeRasa()
    rasa_server = TestServer(rasa.app(), host="127.0.0.1")
    await rasa_server.start_server()
    settings = review_settings(
        database_url,
        project_dir=copy_project(tmp_path / "project"),
        models_dir=tmp_path / "models",
        var_dir=tmp_path / "var",
        rasa_node_urls=(str(rasa_server.make_url("")).rstrip("/"),),
        rasa_auth_token="rasa-secret",
    )
    try:
        async with running_review_app(settings, [setup_nlu]) as new_browser:
            yield Nlu(settings, new_browser, rasa)
    finally:
        await rasa_server.close()


async def send(browser: Browser, path: str, body: Any = None, **kwargs: Any):
    """POST JSON the way the pages' script does (CSRF token in a header)."""
    headers = {"X-CSRF-Token": browser.csrf_token, **kwargs.pop("headers", {})}
    return await browser.request(
        "POST", path, json=body if body is not None else {}, headers=headers, **kwargs
    )


async def learn_loyalty_points(annotator: Browser) -> list[int]:
    """The LOYALTY messages labelled as a new intent and exported, as the pages do it; returns
    the exported labels' ids."""
    await send(
        annotator,
        "/api/nlu/intents",
        {"name": "loyalty_points", "answer": ANSWER, "texts": LOYALTY},
    )
    preview = (await send(annotator, "/api/nlu/export/preview")).json()
    ids = [example["id"] for example in preview["examples"]]
    assert (await send(annotator, "/api/nlu/export", {"ids": ids})).status == 200
    return ids


async def inbox(browser: Browser, status: str = "open") -> dict[str, dict[str, Any]]:
    reply = await browser.get(f"/api/nlu/inbox?status={status}&limit=200")
    assert reply.status == 200, reply.text
    return {item["text"]: item for item in reply.json()["items"]}


async def annotations(database_url: str) -> dict[str, NluAnnotation]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(select(NluAnnotation))
            return {row.example_text: row for row in rows}
    finally:
        await engine.dispose()


# --- access -------------------------------------------------------------------------------


async def test_nlu_pages_need_the_annotator_role(nlu: Nlu) -> None:
    stranger = nlu.new_browser()
    assert (await stranger.get("/api/nlu/inbox")).status == 401
    assert (await stranger.get("/nlu")).status == 302

    viewer = await nlu.signed_in("viewer")
    assert 'href="/nlu"' not in (await viewer.get("/conversations")).text
    for path in ("/nlu", "/nlu/discovery", "/nlu/training", "/api/nlu/inbox", "/api/nlu/training"):
        assert (await viewer.get(path)).status == 403, path
    denied = await send(viewer, "/api/nlu/labels", {"texts": [LOYALTY[0]], "intent": "greet"})
    assert denied.status == 403 and "annotator" in denied.json()["error"]

    annotator = await nlu.signed_in("annotator")
    assert 'href="/nlu"' in (await annotator.get("/conversations")).text
    for path in ("/nlu", "/nlu?status=done", "/nlu/discovery", "/nlu/training"):
        assert (await annotator.get(path)).status == 200, path


async def test_state_changes_need_the_csrf_token(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    body = {"texts": [LOYALTY[0]], "intent": "greet"}
    reply = await annotator.request(
        "POST", "/api/nlu/labels", json=body, headers={"X-CSRF-Token": "forged"}
    )
    assert reply.status == 403
    reply = await annotator.request("POST", "/api/nlu/labels", json=body)
    assert reply.status == 403
    assert await count(nlu.settings.cx_database_url, NluAnnotation) == 0


# --- inbox ----------------------------------------------------------------------------------


async def test_inbox_groups_worth_labelling_messages_most_frequent_first(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    reply = await annotator.get("/api/nlu/inbox?limit=200")
    items = reply.json()["items"]
    assert reply.json()["total"] == len(items) == 10
    assert items[0]["text"] == "Do you ship to Iceland?"  # the newest wording of two
    assert items[0]["count"] == 2
    assert items[0]["reasons"] == {"ambiguous": 2}  # 0.45 against nlu_fallback's 0.55
    assert items[0]["suggested_intent"] == "delivery_options"
    by_text = {item["text"]: item for item in items}
    assert "where is my order 12345" not in by_text  # confident: not worth labelling
    assert by_text[LOYALTY[0]]["reasons"] == {"fallback": 1}
    assert by_text[LOYALTY[0]]["suggested_intent"] is None
    # Only redacted text ever reaches the inbox.
    assert not any("jane.doe@example.com" in text for text in by_text)
    assert any("[EMAIL]" in text for text in by_text)

    first = (await annotator.get("/api/nlu/inbox?limit=3")).json()
    second = (await annotator.get(f"/api/nlu/inbox?limit=3&offset={first['next']}")).json()
    assert [i["text"] for i in first["items"] + second["items"]] == [i["text"] for i in items[:6]]
    for query in ("limit=0", "limit=%C2%B2", "offset=" + "9" * 5000, "offset=-1"):
        assert (await annotator.get(f"/api/nlu/inbox?{query}")).status == 400, query
    assert (await annotator.get("/api/nlu/inbox?status=everything")).status == 400


async def test_inbox_page_escapes_customer_text(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    page = (await annotator.get("/nlu")).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hello?" in page
    assert "Confirm delivery_options" in page
    assert '<option value="loyalty_points">' not in page  # not created yet
    assert '<option value="order_id">order_id</option>' in page  # entity types from domain.yml
    assert "10 messages" in page


async def test_inbox_shows_why_confident_answers_were_surfaced(nlu: Nlu) -> None:
    gift = Chat("gift", DAY + timedelta(hours=11)).say(
        "how do i check the balance on my gift card", "faq", 0.96
    )
    gift.events[-1]["parse_data"]["response_selector"] = {
        "all_retrieval_intents": ["faq"],
        "faq": {"response": {"intent_response_key": "faq/gift_wrap", "confidence": 0.9}},
    }
    wrong = (
        Chat("wrong", DAY + timedelta(hours=9))
        .say("my parcel is stuck in customs", "track_order", 0.97)
        .bot("Your order is on its way.")
        .say("that's not what i asked", "deny", 0.9)
    )
    payload = Chat("payload", DAY + timedelta(hours=10)).say("/affirm", "nlu_fallback", 0.2)
    await write_chats(
        nlu.settings.cx_database_url,
        [gift.bot("Gift wrap is 3.50."), wrong, payload],
        now=DAY + timedelta(hours=11, minutes=10),  # gift still open: no "left after" signal
    )
    annotator = await nlu.signed_in("annotator")
    items = await inbox(annotator)
    assert items["how do i check the balance on my gift card"]["reasons"] == {"novel": 1}
    assert items["how do i check the balance on my gift card"]["why"] == [
        "unlike anything it was taught for that topic"
    ]
    assert items["my parcel is stuck in customs"]["reasons"] == {"said_wrong": 1}
    assert items["my parcel is stuck in customs"]["customers"] == 1
    assert "/affirm" not in items and "that's not what i asked" not in items
    page = (await annotator.get("/nlu")).text
    assert 'data-reason="novel">unlike anything it was taught for that topic<' in page
    assert 'data-reason="said_wrong">the customer said the answer was wrong<' in page
    assert 'data-reason="fallback">the assistant gave up<' in page
    # What the inbox surfaced, however confident the answer, can be labelled and made an intent.
    reply = await send(
        annotator,
        "/api/nlu/intents",
        {
            "name": "gift_card_balance",
            "answer": "Your balance is on the back of the card.",
            "texts": ["how do i check the balance on my gift card"],
        },
    )
    assert reply.status == 201, reply.text
    labelled = await send(
        annotator, "/api/nlu/labels", {"texts": ["my parcel is stuck in customs"], "intent": "faq"}
    )
    assert labelled.status == 200, labelled.text


async def test_inbox_pages_through_many_items(nlu: Nlu) -> None:
    await write_chats(
        nlu.settings.cx_database_url,
        [
            Chat(f"many-{n}", DAY).say(
                f"odd question number {chr(97 + n)} x{n}", "nlu_fallback", 0.2
            )
            for n in range(26)
        ],
    )
    annotator = await nlu.signed_in("annotator")
    first = (await annotator.get("/nlu")).text
    assert first.count('class="nlu-item"') == 25 and 'rel="next"' in first
    second = (await annotator.get("/nlu?page=2")).text
    assert second.count('class="nlu-item"') == 11 and 'rel="prev"' in second
    assert (await annotator.get("/nlu?page=0")).status == 400


async def test_label_one_message_with_an_entity_then_bulk_label_two(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    text = "my parcel is late"
    reply = await send(
        annotator,
        "/api/nlu/labels",
        {
            "texts": [text],
            "intent": "track_order",
            "entities": {text: [{"start": 3, "end": 9, "entity": "item"}]},
        },
    )
    assert reply.status == 200, reply.text
    assert reply.json() == {"labelled": 1, "intent": "track_order"}

    bulk = ["Do you ship to Iceland?", LOYALTY[0]]
    reply = await send(annotator, "/api/nlu/labels", {"texts": bulk, "intent": "delivery_options"})
    assert reply.json()["labelled"] == 2

    open_items = await inbox(annotator)
    assert text not in open_items and not set(bulk) & set(open_items)
    done = await inbox(annotator, "done")
    assert done[text]["status"] == "labelled" and done[text]["intent"] == "track_order"
    assert {done[t]["intent"] for t in bulk} == {"delivery_options"}
    stored = await annotations(nlu.settings.cx_database_url)
    assert stored[text].entities == [{"start": 3, "end": 9, "entity": "item", "value": "parcel"}]
    assert stored[text].annotated_by == "annotator"
    page = (await annotator.get("/nlu?status=done")).text
    assert "track_order" in page and "my parcel is late" in page

    # A decided message can be decided again until it is exported.
    reply = await send(annotator, "/api/nlu/labels", {"texts": [text], "intent": "complaint"})
    assert reply.status == 200
    assert (await inbox(annotator, "done"))[text]["intent"] == "complaint"


async def refused(nlu: Nlu, path: str, body: dict, status: int, problem: str) -> None:
    """An annotator's POST of ``body`` to ``path`` is answered ``status``, naming ``problem``."""
    annotator = await nlu.signed_in("annotator")
    reply = await send(annotator, path, body)
    assert reply.status == status, reply.text
    assert problem in reply.json()["error"]


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"texts": ["my parcel is late"], "intent": "no_such_intent"}, 400, "unknown intent"),
        ({"texts": ["my parcel is late"], "intent": "Bad Name"}, 400, "unknown intent"),
        ({"texts": ["never logged"], "intent": "track_order"}, 400, "no longer) in the NLU inbox"),
        ({"texts": ["my parcel is late", "never logged"], "intent": "track_order"}, 400, "inbox"),
        ({"texts": [], "intent": "track_order"}, 400, "non-empty list"),
        ({"texts": "my parcel is late", "intent": "track_order"}, 400, "non-empty list"),
        ({"texts": ["my parcel is late"]}, 400, "missing field 'intent'"),
        ({"texts": ["my parcel is late"], "intent": "greet", "extra": 1}, 400, "unknown field"),
        (
            {"texts": ["my parcel is late"], "intent": "track_order",
             "entities": {"my parcel is late": [{"start": 3, "end": 9, "entity": "colour"}]}},
            400, "unknown entity type",
        ),
        (
            {"texts": ["my parcel is late"], "intent": "track_order",
             "entities": {"my parcel is late": [{"start": 3, "end": 99, "entity": "item"}]}},
            400, "does not fit",
        ),
        (
            {"texts": ["my parcel is late"], "intent": "track_order",
             "entities": {"my parcel is late": [{"start": 0, "end": 9, "entity": "item"},
                                                {"start": 3, "end": 12, "entity": "item"}]}},
            400, "overlap",
        ),
        (
            {"texts": ["my parcel is late"], "intent": "track_order",
             "entities": {"something else": []}},
            400, "not among the messages",
        ),
        (
            {"texts": ["my parcel is late"], "intent": "track_order",
             "entities": {"my parcel is late": [{"start": "3", "end": 9, "entity": "item"}]}},
            400, "whole numbers",
        ),
        ({"texts": ["my parcel is late"], "intent": "nlu_fallback"}, 400, "unknown intent"),
    ],
)  # fmt: skip
async def test_bad_labels_are_refused_and_store_nothing(
    nlu: Nlu, body: dict, status: int, problem: str
) -> None:
    await refused(nlu, "/api/nlu/labels", body, status, problem)
    assert await count(nlu.settings.cx_database_url, NluAnnotation) == 0


async def test_bodies_must_be_json_objects(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    headers = {"X-CSRF-Token": annotator.csrf_token}
    reply = await annotator.post("/api/nlu/labels", {"texts": "x"}, headers=headers)
    assert reply.status == 415
    reply = await annotator.request(
        "POST", "/api/nlu/labels", data=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )  # fmt: skip
    assert reply.status == 400 and "not valid JSON" in reply.json()["error"]
    assert (await send(annotator, "/api/nlu/labels", ["a list"])).status == 400


async def test_ignore_takes_messages_out_of_the_queue(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    noise = "<script>alert(1)</script> hello?"
    reply = await send(annotator, "/api/nlu/ignored", {"texts": [noise]})
    assert reply.json() == {"ignored": 1}
    assert noise not in await inbox(annotator)
    assert (await inbox(annotator, "done"))[noise]["status"] == "ignored"
    assert (await send(annotator, "/api/nlu/ignored", {"texts": ["never logged"]})).status == 400


async def test_new_intent_labels_its_message_and_joins_the_choices(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    body = {"name": "loyalty_points", "answer": ANSWER, "texts": [LOYALTY[1]]}
    reply = await send(annotator, "/api/nlu/intents", body)
    assert reply.status == 201, reply.text
    assert reply.json() == {"intent": "loyalty_points", "labelled": 1}
    catalogue = (await annotator.get("/api/nlu/catalogue")).json()
    assert "loyalty_points" in catalogue["intents"]
    assert catalogue["new_intents"] == {"loyalty_points": ANSWER}
    assert "track_order" in catalogue["intents"] and "nlu_fallback" not in catalogue["intents"]
    # the second request of a message is read by the clause reader, never marked by hand
    assert "order_id" in catalogue["entities"] and "also_requested" not in catalogue["entities"]
    assert '<option value="loyalty_points">' in (await annotator.get("/nlu")).text
    # Now other messages can be labelled with it.
    reply = await send(
        annotator, "/api/nlu/labels", {"texts": [LOYALTY[2]], "intent": "loyalty_points"}
    )
    assert reply.status == 200
    # Without messages, only the intent (and its answer) is stored; the answer can be reworded.
    reply = await send(
        annotator, "/api/nlu/intents", {"name": "loyalty_points", "answer": "See Rewards."}
    )
    assert reply.json() == {"intent": "loyalty_points", "labelled": 0}
    catalogue = (await annotator.get("/api/nlu/catalogue")).json()
    assert catalogue["new_intents"] == {"loyalty_points": "See Rewards."}


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"name": "track_order", "answer": "x", "texts": [LOYALTY[0]]}, 409, "already exists"),
        ({"name": "Loyalty Points", "answer": "x", "texts": [LOYALTY[0]]}, 400, "not a usable"),
        ({"name": "restart", "answer": "x"}, 400, "reserved"),
        ({"name": "loyalty_points", "answer": "   ", "texts": [LOYALTY[0]]}, 400, "answer"),
        ({"name": "loyalty_points", "answer": "x" * 1001}, 400, "answer"),
        ({"name": "loyalty_points", "answer": "x", "texts": ["never logged"]}, 400, "inbox"),
        ({"name": "loyalty_points", "answer": 5}, 400, "answer must be a string"),
    ],
)  # fmt: skip
async def test_bad_new_intents_are_refused_and_store_nothing(
    nlu: Nlu, body: dict, status: int, problem: str
) -> None:
    await refused(nlu, "/api/nlu/intents", body, status, problem)
    assert await count(nlu.settings.cx_database_url, NluNewIntent) == 0
    assert await count(nlu.settings.cx_database_url, NluAnnotation) == 0


async def turn_id_of(database_url: str, text: str) -> int:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(select(Turn.id).where(Turn.user_text == text))
    finally:
        await engine.dispose()


async def test_transcript_sends_a_confident_message_to_the_inbox(nlu: Nlu) -> None:
    text = "where is my order 12345"
    turn_id = await turn_id_of(nlu.settings.cx_database_url, text)
    annotator = await nlu.signed_in("annotator")
    conversations = (await annotator.get("/api/conversations")).json()["conversations"]
    conversation = next(c["id"] for c in conversations if c["sender_id"] == "sure")
    page = (await annotator.get(f"/conversations/{conversation}")).text
    assert 'action="/nlu/marks"' in page and f'name="turn_id" value="{turn_id}"' in page

    reply = await annotator.submit("/nlu/marks", {"turn_id": str(turn_id)})
    assert reply.status == 303
    assert reply.headers["Location"] == f"/conversations/{conversation}#turn-{turn_id}"
    marked = await inbox(annotator)
    assert marked[text]["reasons"] == {"marked": 1}
    assert marked[text]["suggested_intent"] == "track_order"
    # Twice is harmless; the JSON API does the same.
    reply = await send(annotator, "/api/nlu/marks", {"turn_id": turn_id})
    assert reply.status == 201 and reply.json()["conversation_id"] == conversation
    assert (await inbox(annotator))[text]["count"] == 1

    assert (await send(annotator, "/api/nlu/marks", {"turn_id": 999_999})).status == 404
    for bad in ("x", "\u0661", True, 10**30, None):
        assert (await send(annotator, "/api/nlu/marks", {"turn_id": bad})).status == 400, bad
    viewer = await nlu.signed_in("viewer")
    assert 'action="/nlu/marks"' not in (await viewer.get(f"/conversations/{conversation}")).text
    assert (await viewer.submit("/nlu/marks", {"turn_id": str(turn_id)})).status == 403


# --- discovery -------------------------------------------------------------------------------


async def test_discovery_turns_a_cluster_into_an_intent(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    clusters = (await annotator.get("/api/nlu/clusters")).json()["clusters"]
    loyalty = next(c for c in clusters if LOYALTY[0] in c["texts"])
    assert set(LOYALTY) <= set(loyalty["texts"])
    assert loyalty["size"] >= len(LOYALTY)
    assert "loyalty" in loyalty["suggested_name"] and "points" in loyalty["suggested_name"]
    assert loyalty["representatives"] == loyalty["texts"][:5]
    assert loyalty["customers"] == len(LOYALTY)
    page = (await annotator.get("/nlu/discovery")).text
    assert f'value="{loyalty["suggested_name"]}"' in page and LOYALTY[3] in page
    assert "<script>alert(1)</script>" not in page

    # The reviewer unticks a message that does not belong, then creates the intent.
    chosen = [text for text in loyalty["texts"] if text in LOYALTY]
    body = {"name": "loyalty_points", "answer": ANSWER, "texts": chosen}
    reply = await send(annotator, "/api/nlu/intents", body)
    assert reply.json() == {"intent": "loyalty_points", "labelled": len(LOYALTY)}
    done = await inbox(annotator, "done")
    assert all(done[text]["intent"] == "loyalty_points" for text in LOYALTY)
    clusters = (await annotator.get("/api/nlu/clusters")).json()["clusters"]
    assert not any(set(LOYALTY) & set(c["texts"]) for c in clusters)
    assert (await annotator.get("/api/nlu/clusters?min_size=1")).status == 400


# --- export, training, comparison, promotion ---------------------------------------------------


async def test_export_writes_into_the_project_copy_only(nlu: Nlu) -> None:
    annotator = await nlu.signed_in("annotator")
    status = (await annotator.get("/api/nlu/training")).json()
    assert status["pending_labels"] == 0 and status["candidate"] is None
    await send(
        annotator,
        "/api/nlu/intents",
        {"name": "loyalty_points", "answer": ANSWER, "texts": LOYALTY},
    )
    await send(
        annotator, "/api/nlu/labels", {"texts": ["my parcel is late"], "intent": "track_order"}
    )
    assert (await annotator.get("/api/nlu/training")).json()["pending_labels"] == 7

    # The preview says who labelled what, where it goes, and the exact change to domain.yml.
    other = await nlu.signed_in("admin")
    await send(
        other,
        "/api/nlu/labels",
        {"texts": ["Do you ship to Iceland?"], "intent": "delivery_options"},
    )
    reply = await send(annotator, "/api/nlu/export/preview")
    assert reply.status == 200, reply.text
    preview = reply.json()
    by_text = {example["text"]: example for example in preview["examples"]}
    assert by_text["my parcel is late"]["goes_to"] == "data/nlu/from_logs.yml"
    assert by_text["Do you ship to Iceland?"]["labelled_by"] == "admin"
    assert {by_text[text]["labelled_by"] for text in LOYALTY} == {"annotator"}
    assert [line for line in preview["domain_diff"].splitlines() if line.startswith("+ ")] == [
        "+  - loyalty_points",
        "+  utter_loyalty_points:",
        f"+    - text: {json.dumps(ANSWER)}",
    ]
    assert "data/rules/new_loyalty_points.yml" in preview["new_files"]
    assert not (nlu.settings.project_dir / "data" / "nlu" / "new_loyalty_points.yml").exists()

    assert (await send(annotator, "/api/nlu/export")).status == 400  # a selection is needed
    mine = [e["id"] for e in preview["examples"] if e["labelled_by"] == "annotator"]
    reply = await send(annotator, "/api/nlu/export", {"ids": mine})
    assert reply.status == 200, reply.text
    assert reply.json() == {
        "added": {"loyalty_points": 5, "track_order": 1},
        "held_back": {"loyalty_points": 1},
        "skipped_duplicates": 0,
        "skipped_redacted": 0,
        "new_intents": ["loyalty_points"],
    }
    project = nlu.settings.project_dir
    assert (project / "data" / "nlu" / "new_loyalty_points.yml").exists()
    assert "loyalty_points" in yaml.safe_load((project / "domain.yml").read_text())["intents"]
    assert not (PROJECT_ROOT / "data" / "nlu" / "new_loyalty_points.yml").exists()
    assert "loyalty_points" not in (PROJECT_ROOT / "domain.yml").read_text()

    after = (await annotator.get("/api/nlu/training")).json()
    assert after["pending_labels"] == 1  # the admin's label waits for the admin
    assert (await inbox(annotator, "done"))[LOYALTY[0]]["status"] == "exported"
    # Exported messages are training data now: relabelling them is refused.
    reply = await send(annotator, "/api/nlu/labels", {"texts": [LOYALTY[0]], "intent": "greet"})
    assert reply.status == 409 and "already exported" in reply.json()["error"]
    # The intent is in domain.yml now, so it cannot be created again; labelling with it works.
    catalogue = (await annotator.get("/api/nlu/catalogue")).json()
    assert "loyalty_points" in catalogue["intents"]
    reply = await send(annotator, "/api/nlu/intents", {"name": "loyalty_points", "answer": "x"})
    assert reply.status == 409


def fake_model(path: Path, content: str, fingerprint: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.with_name(path.name.removesuffix(".tar.gz") + ".fingerprint").write_text(fingerprint)
    return path


def write_decision(settings: Settings, candidate: Path, regress: bool) -> None:
    """The decision ``nlu compare`` writes, from scores the gate library computes."""
    gold = ["greet", "greet", "track_order", "track_order"]
    examples = [
        ("hi", "greet"),
        ("hello", "greet"),
        ("where is it", "track_order"),
        ("eta?", "track_order"),
    ]
    known = frozenset({"greet", "track_order"})
    current = ModelEvaluation.of(gold, gold, known)
    worse = ["greet", "track_order", "track_order", "track_order"] if regress else gold
    challenger = ModelEvaluation.of(gold, worse, known)
    decision = compare(current, challenger, settings.nlu_gate_margin, examples)
    ModelStore.of(settings).save_decision(
        Decision.of(candidate, decision, current.report, challenger.report, held_out=4, live=0)
    )


async def test_promotion_needs_admin_a_passed_gate_and_rolls_back(nlu: Nlu) -> None:
    models = nlu.settings.models_dir
    live = fake_model(models / "assistant.tar.gz", "old model", "fp-old")
    annotator, admin = await nlu.signed_in("annotator"), await nlu.signed_in("admin")
    assert (await send(admin, "/api/nlu/promotions")).status == 409  # no candidate yet
    candidate = fake_model(
        models / "candidates" / "candidate-20260504T090000.tar.gz", "new model", "fp-new"
    )

    assert (await send(annotator, "/api/nlu/promotions")).status == 403
    reply = await send(admin, "/api/nlu/promotions")
    assert reply.status == 409 and "has not passed" in reply.json()["error"]

    write_decision(nlu.settings, candidate, regress=True)
    status = (await admin.get("/api/nlu/training")).json()
    assert status["candidate"] == candidate.name and status["can_promote"] is False
    comparison = status["comparison"]
    assert comparison["promote"] is False
    assert comparison["summary"] == (
        "not ready: it picks the greet answer (-50 points) right less often, "
        "more than the allowed 2 points"
    )
    assert comparison["rows"][0] == {
        "intent": "greet", "topic": "the greet answer", "support": 2, "current_right": 1.0,
        "candidate_right": 0.5, "delta": -0.5, "regression": True, "new": False,
        "neighbour": False,
    }  # fmt: skip
    assert [change["words"] for change in comparison["changes"]] == [
        "1 question that got the greet answer now gets the track order answer (wrong now)"
    ]
    assert comparison["changes"][0]["examples"] == ["hello"]
    assert "f1" not in json.dumps(comparison).lower()
    assert (comparison["current_accuracy"], comparison["candidate_accuracy"]) == (1.0, 0.75)
    assert (await send(admin, "/api/nlu/promotions")).status == 409
    assert nlu.rasa.loaded == []

    write_decision(nlu.settings, candidate, regress=False)
    assert (await admin.get("/api/nlu/training")).json()["can_promote"] is True
    assert (await annotator.get("/api/nlu/training")).json()["can_promote"] is False
    reply = await send(admin, "/api/nlu/promotions", {"candidate": candidate.name})
    assert reply.status == 200, reply.text
    assert reply.json() == {"promoted": candidate.name, "model_ids": ["model-1"]}
    assert nlu.rasa.loaded == [str(live.resolve())] and nlu.rasa.tokens == ["rasa-secret"]
    assert live.read_text() == "new model"
    assert (models / "previous.tar.gz").read_text() == "old model"
    status = (await admin.get("/api/nlu/training")).json()
    assert status["candidate_is_live"] is True and status["can_promote"] is False
    assert status["rollback_available"] is True
    # The page says which model is live, since when and by whom, and keeps its comparison.
    assert status["comparison"]["current"] is True
    live_now = status["live"]["current"]
    assert (live_now["model"], live_now["by"], live_now["how"]) == (
        candidate.name,
        "admin",
        "promoted",
    )
    assert status["live"]["previous"]["model"] == "assistant.tar.gz"
    assert datetime.fromisoformat(live_now["since"]) > datetime.now(UTC) - timedelta(minutes=5)
    reply = await send(admin, "/api/nlu/promotions")
    assert reply.status == 409  # already live

    assert (await send(annotator, "/api/nlu/rollbacks")).status == 403
    reply = await send(admin, "/api/nlu/rollbacks")
    assert reply.status == 200 and reply.json()["model_ids"] == ["model-2"]
    assert live.read_text() == "old model"
    live_state = (await admin.get("/api/nlu/training")).json()["live"]
    assert (live_state["current"]["model"], live_state["current"]["how"]) == (
        "assistant.tar.gz",
        "rolled back",
    )
    assert live_state["previous"]["model"] == candidate.name


async def test_after_a_rollback_the_learned_intent_can_be_removed(nlu: Nlu) -> None:
    """Live state says what promote and rollback change; a rollback is offered once, and then
    the rolled-back intent's data can leave the project (back to the exact domain.yml)."""
    project, models = nlu.settings.project_dir, nlu.settings.models_dir
    domain_before = (project / "domain.yml").read_text()
    annotator, admin = await nlu.signed_in("annotator"), await nlu.signed_in("admin")
    await learn_loyalty_points(annotator)
    fake_model(models / "assistant.tar.gz", "old model", "fp-old")
    candidate = fake_model(
        models / "candidates" / "candidate-20260504T090000.tar.gz", "new", "fp-new"
    )
    write_decision(nlu.settings, candidate, regress=False)
    store = ModelStore.of(nlu.settings)
    store.save_decision(replace(store.decision(candidate), new_intents=["loyalty_points"]))

    assert (await send(admin, "/api/nlu/promotions")).status == 200
    status = (await admin.get("/api/nlu/training")).json()
    assert status["comparison"]["current"] is True  # no "compare again" for the model just promoted
    assert status["rollback_forgets"] == ["loyalty_points"] and status["rollback_available"]

    assert (await send(admin, "/api/nlu/rollbacks")).status == 200
    status = (await admin.get("/api/nlu/training")).json()
    assert (
        status["live"]["current"]["how"] == "rolled back"
        and status["live"]["current"]["by"] == "admin"
    )
    assert status["rollback_available"] is False
    assert status["rolled_back_data"] == [{"intent": "loyalty_points", "examples": len(LOYALTY)}]
    reply = await send(admin, "/api/nlu/rollbacks")
    assert reply.status == 409 and "already rolled back" in reply.json()["error"]

    body = {"intent": "loyalty_points", "keep": False}
    assert (await send(annotator, "/api/nlu/rollbacks/data", body)).status == 403
    assert (await send(admin, "/api/nlu/rollbacks/data", {**body, "keep": "no"})).status == 400
    reply = await send(admin, "/api/nlu/rollbacks/data", body)
    assert reply.status == 200, reply.text
    assert reply.json()["reopened"] == len(LOYALTY)
    assert "domain.yml" in reply.json()["changed"]
    assert (project / "domain.yml").read_text() == domain_before
    assert not (project / "data" / "nlu" / "new_loyalty_points.yml").exists()
    status = (await admin.get("/api/nlu/training")).json()
    assert status["rolled_back_data"] == [] and status["pending_labels"] == len(LOYALTY)
    assert (await send(admin, "/api/nlu/rollbacks/data", body)).status == 409  # decided


async def test_a_rasa_that_refuses_the_model_leaves_the_live_model(nlu: Nlu) -> None:
    models = nlu.settings.models_dir
    live = fake_model(models / "assistant.tar.gz", "old model", "fp-old")
    candidate = fake_model(
        models / "candidates" / "candidate-20260504T090000.tar.gz", "new", "fp-new"
    )
    write_decision(nlu.settings, candidate, regress=False)
    admin = await nlu.signed_in("admin")
    nlu.rasa.refuse = True
    reply = await send(admin, "/api/nlu/promotions")
    assert reply.status == 502 and "refused the model" in reply.json()["error"]
    assert live.read_text() == "old model"
    assert nlu.rasa.loaded == []


async def test_unknown_candidates_and_missing_models(nlu: Nlu) -> None:
    admin = await nlu.signed_in("admin")
    reply = await send(admin, "/api/nlu/comparisons")
    assert reply.status == 409 and "no candidate" in reply.json()["error"]
    reply = await send(admin, "/api/nlu/comparisons", {"candidate": "../../domain.yml"})
    assert reply.status == 404
    fake_model(
        nlu.settings.models_dir / "candidates" / "candidate-20260504T090000.tar.gz", "x", "fp"
    )
    reply = await send(admin, "/api/nlu/comparisons")
    assert reply.status == 409 and "no live model" in reply.json()["error"]
    reply = await send(admin, "/api/nlu/rollbacks")
    assert reply.status == 409 and "no previous model" in reply.json()["error"]
    assert (await send(admin, "/api/nlu/candidates", {"epochs": 0})).status == 400
    assert (await send(admin, "/api/nlu/candidates", {"epochs": True})).status == 400


async def wait_for_job(browser: Browser) -> dict[str, Any]:
    """Poll the status like the page does until the background job has ended."""
    while True:
        status = (await browser.get("/api/nlu/training")).json()
        if not status["job"]["running"]:
            return status
        await asyncio.sleep(0.5)


async def test_a_training_that_cannot_start_is_reported_failed(nlu: Nlu) -> None:
    (nlu.settings.project_dir / "config.yml").write_text("pipeline: [unclosed\n")
    annotator = await nlu.signed_in("annotator")
    reply = await send(annotator, "/api/nlu/candidates", {"epochs": 1})
    assert reply.status == 202, reply.text
    assert reply.json()["job"]["running"] is True
    assert (await send(annotator, "/api/nlu/candidates")).status == 409  # one job at a time
    status = await wait_for_job(annotator)
    assert status["job"]["kind"] == "train" and status["job"]["exit_code"] != 0
    assert status["training"]["status"] == "failed"
    assert status["training"]["error"] == status["job"]["error"] != ""
    assert status["candidate"] is None
    assert json.loads(ModelStore.of(nlu.settings).job_file.read_text())["status"] == "failed"


# The review app's orchestration (job, progress, comparison, promotion) is under test here, not
# the model: without the sentence encoder and the CRF, a real training of the whole project takes
# a fraction of the time. config.yml's own pipeline is trained by tests/training and tests/nlu.
QUICK_CONFIG = {
    "recipe": "default.v1",
    "language": "en",
    "assistant_id": "review-tests",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "bot.nlu.intent_classifier.BalancedLogisticRegressionClassifier"},
        {"name": "bot.nlu.faq_selector.FaqAnswerSelector", "retrieval_intent": "faq"},
        {"name": "FallbackClassifier", "threshold": 0.4},
    ],
    "policies": [{"name": "MemoizationPolicy"}, {"name": "RulePolicy"}],
}


@pytest.mark.slow
@pytest.mark.trains
async def test_train_compare_and_promote_a_tiny_candidate(nlu: Nlu) -> None:
    """One real training and comparison, started and followed through the API."""
    config = nlu.settings.project_dir / "config.yml"
    config.write_text(yaml.safe_dump(QUICK_CONFIG, sort_keys=False))
    annotator, admin = await nlu.signed_in("annotator"), await nlu.signed_in("admin")
    ids = await learn_loyalty_points(annotator)

    reply = await send(annotator, "/api/nlu/candidates", {"epochs": 1})
    assert reply.status == 202, reply.text
    assert (await send(annotator, "/api/nlu/export", {"ids": ids})).status == 409  # training
    seen_progress = set()
    while (status := (await annotator.get("/api/nlu/training")).json())["job"]["running"]:
        seen_progress.add(status["training"]["stage"])
        await asyncio.sleep(0.5)
    assert status["job"]["error"] == "" and status["training"]["status"] == "succeeded", status
    assert status["training"]["percent"] == 100
    assert len(seen_progress - {"starting", ""}) >= 1  # stages showed up while running
    # in words a CX person reads, never Rasa's component names or epochs
    assert not any(re.search(r"[A-Z][a-z]+[A-Z]|epoch", stage) for stage in seen_progress)
    candidate = nlu.settings.models_dir / "candidates" / status["candidate"]
    assert candidate.exists() and status["training"]["model"] == candidate.name

    # The candidate also plays the live model, so the gate sees no change and passes.
    live = nlu.settings.models_dir / "assistant.tar.gz"
    shutil.copyfile(candidate, live)
    reply = await send(annotator, "/api/nlu/comparisons", {"candidate": candidate.name})
    assert reply.status == 202, reply.text
    status = await wait_for_job(annotator)
    assert status["job"]["error"] == "", status["job"]
    comparison = status["comparison"]
    assert comparison["promote"] is True and comparison["current"] is True
    intents = {row["intent"]: row for row in comparison["rows"]}
    assert "loyalty_points" in intents and intents["loyalty_points"]["new"] is False
    assert all(row["delta"] == 0 for row in comparison["rows"])

    status = (await admin.get("/api/nlu/training")).json()
    assert status["can_promote"] is True
    reply = await send(admin, "/api/nlu/promotions")
    assert reply.status == 200, reply.text
    assert nlu.rasa.loaded == [str(live.resolve())]
