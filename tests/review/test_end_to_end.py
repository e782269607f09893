"""Real Rasa + action server + CX event broker + review app: a conversation held over REST
shows up in the review app redacted, with its intents, outcome and CSAT, and on the dashboard."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest

from bot.cxlog.database import create_engine, session_factory
from bot.cxlog.migrate import schema_is_current
from bot.review.auth.users import create_user
from bot.review.common.roles import Role
from bot.testing.processes import ServerProcess, api_url
from bot.testing.review_app import PASSWORD, Browser, review_settings, running_review_app

pytestmark = pytest.mark.slow

EMAIL = "maria.gonzalez@example.org"
PHONE = "+1 415 555 0132"
WAIT_LIMIT_S = 60


def post(url: str, payload: object) -> object:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def chat(rasa: ServerProcess, sender: str) -> None:
    webhook = rasa.health_url.replace("/status", "/webhooks/rest/webhook")
    for text in ("hello", f"my email is {EMAIL}, call me on {PHONE}", "goodbye"):
        post(webhook, {"sender": sender, "message": text, "metadata": {"customer_id": "C-77"}})
    events = api_url(rasa, f"/conversations/{sender}/tracker/events")
    post(events, [{"event": "slot", "name": "csat", "value": 4}])


async def admin_in(database_url: str) -> str:
    """Wait for the broker to create the schema, then add an admin of our own."""
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + WAIT_LIMIT_S
        while not await schema_is_current(engine):
            assert time.monotonic() < deadline, "the event broker never created the CX schema"
            await asyncio.sleep(0.2)
        name = f"e2e-{uuid.uuid4().hex[:8]}"
        async with session_factory(engine)() as session, session.begin():
            await create_user(session, name, PASSWORD, Role.ADMIN, datetime.now(UTC))
        return name
    finally:
        await engine.dispose()


async def wait_for_conversation(browser: Browser, sender: str) -> dict:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while True:
        listing = (await browser.get("/api/conversations?limit=200")).json()["conversations"]
        found = [c for c in listing if c["sender_id"] == sender]
        if found and found[0]["customer_messages"] == 3 and found[0]["csat"] == 4:
            return found[0]
        assert time.monotonic() < deadline, f"{sender} not in the review app: {found}"
        await asyncio.sleep(0.1)


async def test_a_rest_conversation_appears_in_the_review_app(
    rasa_stack: ServerProcess, cx_database_url: str
) -> None:
    sender = f"review-e2e-{uuid.uuid4().hex[:10]}"
    await asyncio.to_thread(chat, rasa_stack, sender)
    said_at = time.monotonic()
    admin = await admin_in(cx_database_url)

    async with running_review_app(review_settings(cx_database_url)) as new_browser:
        browser = new_browser()
        await browser.login(admin)
        summary = await wait_for_conversation(browser, sender)
        print(f"conversation visible in the review app {time.monotonic() - said_at:.2f} s later")
        assert summary["outcome"] == "resolved"
        # A customer id in raw REST metadata is not believed (only a signed widget token is).
        assert summary["customer_id"] is None

        page = (await browser.get(f"/conversations/{summary['id']}")).text
        assert EMAIL not in page and "555 0132" not in page
        assert "my email is [EMAIL], call me on [PHONE]" in page
        assert '<strong class="intent">greet</strong>' in page
        assert '<strong class="intent">goodbye</strong>' in page
        assert '<dd id="csat">4</dd>' in page
        assert 'id="outcome" title="The task the customer came for was done' in page

        today = datetime.now(UTC).date().isoformat()
        dashboard = (await browser.get(f"/api/dashboard?from={today}&to={today}")).json()
        assert dashboard["conversations"] >= 1 and dashboard["outcomes"]["resolved"] >= 1
        assert dashboard["csat"]["distribution"][3]["count"] >= 1  # the 4-star rating
        assert dashboard["customer_messages"] >= 3
        assert "greet" in {item["intent"] for item in dashboard["top_intents"]}
