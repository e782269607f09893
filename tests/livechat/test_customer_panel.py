"""The agent inbox's customer panel against the real review app, Rasa, action server and backend:
the verified customer with their orders and open tickets, the unverified case, who may ask, and
a backend that is down or too slow (a clear 502/504, never a 500 or a hang)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.customer_token import sign_customer_token
from bot.livechat.customer_panel import PANEL_TIMEOUT_S
from bot.testing.processes import BACKEND_TOKEN, ServerProcess, free_port
from bot.testing.stack import (
    TOKEN_SECRET,
    VIEWER,
    Review,
    Socket,
    agent_inbox,
    hand_over,
    message_from,
    open_widget,
    signed_in,
    start_review,
)

pytestmark = pytest.mark.slow


def panel_url(review: Review, session_id: str) -> str:
    return f"{review.url}/api/agent/conversations/{session_id}/customer"


async def panel_of(inbox: Socket, review: Review, session_id: str) -> dict:
    """The customer panel as the agent of ``inbox`` reads it (it must answer 200)."""
    async with inbox.session.get(panel_url(review, session_id)) as reply:
        assert reply.status == 200
        return await reply.json()


def open_ticket(api_url: str, customer_id: str, summary: str) -> str:
    body = {
        "conversation_id": "panel-test",
        "category": "complaint",
        "summary": summary,
        "transcript": "",
        "customer_id": customer_id,
        "email": None,
    }
    request = urllib.request.Request(
        f"{api_url}/tickets",
        json.dumps(body).encode(),
        {"Authorization": f"Bearer {BACKEND_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["ticket_id"]


async def handed_over(
    http: aiohttp.ClientSession, review: Review, inbox: Socket, customer_id: str | None
) -> tuple[Socket, str]:
    """A widget chat (signed in to the shop as ``customer_id``) the bot handed to a person."""
    token = sign_customer_token(customer_id, TOKEN_SECRET) if customer_id else None
    widget, session_id, _ = await open_widget(http, review, customer_token=token)
    await widget.send(type="message", text="hello")
    await widget.expect(message_from("bot"))
    hand_over(review.rasa_url, session_id, "customer_request")
    await widget.send(type="message", text="I need a person")
    await inbox.expect(
        lambda f: f["type"] == "queue" and any(h["sender_id"] == session_id for h in f["handoffs"])
    )
    return widget, session_id


async def test_a_verified_customer_with_orders_and_open_tickets(
    review: Review, backend: tuple[ServerProcess, str], http: aiohttp.ClientSession
):
    ticket_id = open_ticket(backend[1], "C1001", "Parcel arrived damaged")
    async with agent_inbox(review) as inbox:
        widget, session_id = await handed_over(http, review, inbox, "C1001")
        panel = await panel_of(inbox, review, session_id)
        assert panel["verified"] is True and panel["customer_id"] == "C1001"
        assert panel["customer"]["email"] == "alex.kim@example.com"
        assert "10001" in [order["order_id"] for order in panel["orders"]]
        assert len(panel["orders"]) <= 5
        assert ticket_id in [ticket["ticket_id"] for ticket in panel["tickets"]]
        assert {ticket["status"] for ticket in panel["tickets"]} == {"open"}
        await widget.close()
        await inbox.close()


async def test_an_unverified_chat_says_so(review: Review, http: aiohttp.ClientSession):
    async with agent_inbox(review) as inbox:
        widget, session_id = await handed_over(http, review, inbox, None)
        panel = await panel_of(inbox, review, session_id)
        assert panel["verified"] is False and "customer" not in panel
        assert panel["message"].startswith("Not verified")
        await widget.close()
        await inbox.close()


async def test_only_agents_see_the_panel_of_handed_off_chats(
    review: Review, http: aiohttp.ClientSession
):
    viewer = await signed_in(review.url, VIEWER)
    try:
        async with agent_inbox(review) as inbox:
            widget, session_id = await handed_over(http, review, inbox, "C1001")
            async with http.get(panel_url(review, session_id)) as stranger:
                assert stranger.status == 401
            async with viewer.get(panel_url(review, session_id)) as below:
                assert below.status == 403 and "agent role" in (await below.json())["error"]
            for other in ("web-" + "b" * 30, "not-a-widget-id"):
                async with inbox.session.get(panel_url(review, other)) as missing:
                    assert missing.status == 404 and "error" in await missing.json()
            await widget.close()
            await inbox.close()
    finally:
        await viewer.close()


@pytest.fixture
async def slow_backend() -> AsyncIterator[str]:
    """A web server that answers too late, where the commerce backend should be."""

    released = asyncio.Event()

    async def too_late(_: web.Request) -> web.Response:
        # Answers only after the panel gave up: at teardown, or after four of its timeouts.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(released.wait(), PANEL_TIMEOUT_S * 4)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/{tail:.*}", too_late)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/api/v1"
    released.set()
    await asyncio.sleep(0.2)  # let the held requests answer before the server goes
    await runner.cleanup()


@pytest.mark.parametrize("trouble", ["down", "slow"])
async def test_a_backend_down_or_slow_gets_a_clear_answer(
    trouble: str,
    slow_backend: str,
    rasa_url: str,
    http: aiohttp.ClientSession,
    server_logs: Path,
    tmp_path: Path,
):
    backend_url = slow_backend if trouble == "slow" else f"http://127.0.0.1:{free_port()}/api/v1"
    review = start_review(
        rasa_url, tmp_path, server_logs, name=f"review-backend-{trouble}", BACKEND_URL=backend_url
    )
    try:
        async with agent_inbox(review) as inbox:
            widget, session_id = await handed_over(http, review, inbox, "C1001")
            started = time.monotonic()
            async with inbox.session.get(panel_url(review, session_id)) as reply:
                status, panel = reply.status, await reply.json()
            assert time.monotonic() - started < PANEL_TIMEOUT_S + 2
            if trouble == "slow":
                assert status == 504 and "did not answer within" in panel["error"]
            else:
                assert status == 502 and "could not be reached" in panel["error"]
            assert panel["verified"] is True and panel["customer_id"] == "C1001"
            await widget.close()
            await inbox.close()
    finally:
        review.server.stop()
