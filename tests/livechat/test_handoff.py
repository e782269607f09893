"""Live human handoff through the real review app, Rasa, action server and backend.

The bot's side of a handoff (``action_handoff_to_human``: set ``handoff_reason``, pause) is
replayed through Rasa's HTTP API with :func:`hand_over`, so these tests depend only on the
gateway and the inbox; the browser suite runs the whole thing from the customer's words.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.livechat.hours import DAYS
from bot.testing.processes import BACKEND_TOKEN, ServerProcess
from bot.testing.stack import (
    AGENT,
    SECOND_AGENT,
    SECOND_AGENT_NAME,
    VIEWER,
    Review,
    Socket,
    agent_inbox,
    hand_over,
    message_from,
    of_type,
    open_inbox,
    open_widget,
    signed_in,
    start_review,
    tracker_events,
)

pytestmark = pytest.mark.slow
REASON = "parcel marked delivered but never arrived"


async def handed_over(http: aiohttp.ClientSession, review: Review) -> tuple[Socket, str]:
    """A widget conversation the bot has just handed to a person."""
    widget, session_id, _ = await open_widget(http, review)
    await widget.send(type="message", text="hello")
    await widget.expect(message_from("bot"))
    hand_over(review.rasa_url, session_id, REASON)
    await widget.send(type="message", text="my parcel never came")
    return widget, session_id


def in_queue(session_id: str, **fields: object):
    def wanted(frame: dict) -> bool:
        return frame["type"] == "queue" and any(
            h["sender_id"] == session_id and all(h[k] == v for k, v in fields.items())
            for h in frame["handoffs"]
        )

    return wanted


def ticket(api_url: str, ticket_id: str) -> dict:
    request = urllib.request.Request(
        f"{api_url}/tickets/{ticket_id}", headers={"Authorization": f"Bearer {BACKEND_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


async def test_agent_round_trip_then_the_bot_resumes(review: Review, http: aiohttp.ClientSession):
    agent = await signed_in(review.url, AGENT)
    colleague = await signed_in(review.url, SECOND_AGENT)
    inbox = await open_inbox(agent, review)
    other_inbox = await open_inbox(colleague, review)
    try:
        widget, session_id = await handed_over(http, review)
        await widget.expect(of_type("handoff", state="waiting"))
        queued = await inbox.expect(in_queue(session_id, agent=None, customer_online=True))
        [entry] = [h for h in queued["handoffs"] if h["sender_id"] == session_id]
        assert entry["reason"] == REASON
        assert entry["reason_text"] == "Parcel marked delivered but never arrived"
        assert sorted(queued["agents_online"]) == [AGENT, SECOND_AGENT]

        await inbox.send(type="open", conversation=session_id)
        transcript = await inbox.expect(of_type("transcript", conversation=session_id))
        said = [m["text"] for m in transcript["messages"] if m["from"] == "customer"]
        assert said == ["hello", "my parcel never came"]
        assert any(m["from"] == "bot" for m in transcript["messages"])

        await inbox.send(type="reply", conversation=session_id, text="Hi, Ada here. Checking now.")
        joined = await widget.expect(of_type("handoff", state="active"))
        reply = await widget.expect(message_from("agent"))
        assert joined["agent"] == AGENT
        assert reply["message"]["text"] == "Hi, Ada here. Checking now."
        assert reply["message"]["agent"] == AGENT
        await other_inbox.expect(in_queue(session_id, agent=AGENT))

        await widget.send(type="message", text="thank you, it's order 10001")
        for watching in (inbox, other_inbox):
            heard = await watching.expect(
                lambda f: f["type"] == "message" and f["from"] == "customer"
            )
            assert heard["conversation"] == session_id
            assert heard["text"] == "thank you, it's order 10001"

        await inbox.send(type="end", conversation=session_id)
        back = await widget.expect(message_from("bot"))
        assert "back with the assistant" in back["message"]["text"]
        await widget.expect(of_type("handoff", state="ended", agent=AGENT))
        await inbox.expect(lambda f: f["type"] == "queue" and not f["handoffs"])

        await widget.send(type="message", text="where is my order 10001")
        asked = await widget.expect(message_from("bot"))
        assert "email" in asked["message"]["text"], asked
        events = tracker_events(review.rasa_url, session_id)
        kinds = [e["event"] for e in events]
        paused, resumed = kinds.index("pause"), kinds.index("resume")
        during = events[paused:resumed]
        # While paused the bot said nothing itself: only the agent and the closing notice.
        assert [e["metadata"].get("handoff_agent") for e in during if e["event"] == "bot"] == [
            AGENT,
            None,
        ]
        assert "thank you, it's order 10001" in [e.get("text") for e in during]
        assert any(e["event"] == "bot" for e in events[resumed:])
        await widget.close()
    finally:
        await inbox.close()
        await other_inbox.close()
        await agent.close()
        await colleague.close()


async def test_the_customer_reads_the_display_name_and_the_log_keeps_the_login(
    review: Review, http: aiohttp.ClientSession
):
    async with agent_inbox(review, SECOND_AGENT) as inbox:
        widget, session_id = await handed_over(http, review)
        await inbox.expect(in_queue(session_id, agent=None))
        await inbox.send(type="reply", conversation=session_id, text="Ben here, one moment.")
        joined = await widget.expect(of_type("handoff", state="active"))
        reply = await widget.expect(message_from("agent"))
        assert joined["agent"] == reply["message"]["agent"] == SECOND_AGENT_NAME
        await inbox.expect(in_queue(session_id, agent=SECOND_AGENT))

        # The widget gets the reply first; the tracker records it a moment later.
        logged_by_agent: list[dict] = []
        for _ in range(50):
            logged_by_agent = [
                e["metadata"]
                for e in tracker_events(review.rasa_url, session_id)
                if e["event"] == "bot" and "handoff_agent" in (e.get("metadata") or {})
            ]
            if logged_by_agent:
                break
            await asyncio.sleep(0.1)
        [logged] = logged_by_agent
        _, _, history = await open_widget(http, review, session_id=session_id)
        assert history["handoff"] == {"state": "active", "agent": SECOND_AGENT_NAME}
        [said] = [m for m in history["messages"] if m["from"] == "agent"]
        assert said["agent"] == SECOND_AGENT_NAME
        assert (logged["handoff_agent"], logged["handoff_agent_name"]) == (
            SECOND_AGENT,
            SECOND_AGENT_NAME,
        )

        await inbox.send(type="end", conversation=session_id)
        await widget.expect(of_type("handoff", state="ended", agent=SECOND_AGENT_NAME))
        await widget.close()
        await inbox.close()


async def test_asked_in_words_handed_to_an_agent_and_back_the_bot_tracks_an_order(
    review: Review, http: aiohttp.ClientSession
):
    """The bot's own pause (not a replay): after the agent ends, the next request is handled."""
    async with agent_inbox(review) as inbox:
        widget, session_id, _ = await open_widget(http, review)
        await widget.send(type="message", text="can i talk to someone real please")
        await widget.expect(of_type("handoff", state="waiting"))
        await inbox.expect(in_queue(session_id, agent=None))
        await inbox.send(type="reply", conversation=session_id, text="Hi, Ada here.")
        await widget.expect(message_from("agent"))
        await inbox.send(type="end", conversation=session_id)
        await widget.expect(of_type("handoff", state="ended", agent=AGENT))

        await widget.send(type="message", text="where is my order 10001")
        asked = await widget.expect(message_from("bot"))
        assert "email" in asked["message"]["text"], asked
        await widget.send(type="message", text="alex.kim@example.com")
        tracked = await widget.expect(message_from("bot"))
        assert "UPS" in tracked["message"]["text"], tracked
        await widget.close()
        await inbox.close()


async def test_with_nobody_online_the_customer_gets_one_ticket_and_the_bot_back(
    review: Review, backend: tuple[ServerProcess, str], http: aiohttp.ClientSession
):
    widget, session_id, _ = await open_widget(http, review)
    await widget.send(type="message", text="i want to talk to a human")
    notice = await widget.expect(message_from("bot"))
    assert "No one from our team can take a live chat right now" in notice["message"]["text"]
    asked = await widget.expect(message_from("bot"))
    assert "email" in asked["message"]["text"]
    await widget.send(type="message", text="alex.kim@example.com")
    opened = await widget.expect(message_from("bot"))
    ticket_id = re.search(r"T-\d+", opened["message"]["text"])[0]
    assert ticket(backend[1], ticket_id)["category"] == "human_handoff"

    await widget.send(type="message", text="where is my order 10001")
    tracked = await widget.expect(message_from("bot"))
    assert "UPS" in tracked["message"]["text"], tracked
    kinds = [e["event"] for e in tracker_events(review.rasa_url, session_id)]
    assert "pause" not in kinds
    await widget.close()


async def test_the_last_agent_leaving_before_the_pause_is_seen_gives_the_bot_back(
    review: Review, http: aiohttp.ClientSession
):
    """A pause nobody can take (the agent just left): the bot resumes and opens the ticket."""
    widget, session_id = await handed_over(http, review)
    notice = await widget.expect(message_from("bot"))
    assert "No one from our team can take a live chat right now" in notice["message"]["text"]
    await widget.expect(of_type("handoff", state="unavailable"))
    await widget.send(type="message", text="alex.kim@example.com")
    opened = await widget.expect(message_from("bot"))
    assert re.search(r"T-\d+", opened["message"]["text"]), opened
    kinds = [e["event"] for e in tracker_events(review.rasa_url, session_id)]
    assert kinds.index("resume") > kinds.index("pause")
    await widget.close()


async def test_outside_working_hours_nobody_is_promised(
    rasa_url: str,
    backend: tuple[ServerProcess, str],
    http: aiohttp.ClientSession,
    server_logs: Path,
    tmp_path: Path,
):
    closed_day = DAYS[(datetime.now(UTC).weekday() + 3) % 7]
    closed = start_review(
        rasa_url,
        tmp_path,
        server_logs,
        name="review-closed",
        BACKEND_URL=backend[1],
        HANDOFF_HOURS=f"{closed_day} 09:00-17:00",
    )
    try:
        async with agent_inbox(closed) as inbox:
            widget, _, _ = await open_widget(http, closed)
            await widget.send(type="message", text="i need a person")
            notice = await widget.expect(message_from("bot"))
            assert (
                f"offline right now (live chat hours: {closed_day} 09:00-17:00 (UTC))"
                in (notice["message"]["text"])
            )
            await widget.close()
            await inbox.close()
    finally:
        closed.server.stop()


async def test_only_agents_reach_the_inbox(review: Review, http: aiohttp.ClientSession):
    async with http.get(f"{review.url}/agent/inbox", allow_redirects=False) as stranger:
        assert stranger.status == 302 and stranger.headers["Location"].startswith("/login")
    viewer = await signed_in(review.url, VIEWER)
    agent = await signed_in(review.url, AGENT)
    socket_url = review.url.replace("http://", "ws://") + "/agent/ws"
    try:
        async with viewer.get(f"{review.url}/agent/inbox") as page:
            assert page.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await viewer.ws_connect(socket_url, origin=review.url)
        assert refused.value.status == 403
        async with agent.get(f"{review.url}/agent/inbox") as page:
            assert page.status == 200 and "Agent inbox" in await page.text()
        # A page on another site must not drive a signed-in agent's inbox.
        with pytest.raises(aiohttp.WSServerHandshakeError) as cross_site:
            await agent.ws_connect(socket_url, origin="http://evil.test")
        assert cross_site.value.status == 403
    finally:
        await viewer.close()
        await agent.close()


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ({"type": "shout", "conversation": "web-" + "a" * 32}, "type must be"),
        ({"type": "open", "conversation": "smoke-user"}, "widget conversation id"),
        ({"type": "reply", "conversation": "web-" + "a" * 32, "text": " "}, "1 to 2000"),
        ({"type": "reply", "conversation": "web-" + "a" * 32, "text": "hi"}, "no longer"),
        ({"type": "open", "conversation": "web-" + "a" * 32}, "no longer"),
        ({"type": "end", "conversation": "web-" + "a" * 32}, "no longer"),
    ],
)
async def test_bad_agent_frames_are_refused(review: Review, frame: dict, error: str):
    async with agent_inbox(review) as inbox:
        await inbox.send(**frame)
        assert error in (await inbox.expect(of_type("error")))["message"]
        await inbox.close()


async def test_a_waiting_customer_survives_a_review_app_restart(
    review: Review, http: aiohttp.ClientSession
):
    async with agent_inbox(review) as before_restart:
        widget, session_id = await handed_over(http, review)
        await widget.expect(of_type("handoff", state="waiting"))
        review.server.stop()
        review.server.start()
        # The agent's browser reconnects with its login cookie, in a new client session: the
        # old one may still pool the keep-alive connection the restart has cut.
        cookies = before_restart.session.cookie_jar
        async with aiohttp.ClientSession(cookie_jar=cookies) as browser:
            inbox = await open_inbox(browser, review)
            widget, _, history = await open_widget(http, review, session_id=session_id)
            assert history["handoff"] == {"state": "waiting", "agent": None}
            await inbox.expect(in_queue(session_id, reason=REASON))
            await inbox.send(type="reply", conversation=session_id, text="Still here, Ada.")
            reply = await widget.expect(message_from("agent"))
            assert reply["message"]["text"] == "Still here, Ada."
            await inbox.send(type="end", conversation=session_id)
            await widget.expect(of_type("handoff", state="ended"))
            await widget.close()
            await inbox.close()
