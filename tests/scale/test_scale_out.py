"""Several Rasa nodes share one conversation state (Postgres) and serialize turns (Redis locks)."""

from __future__ import annotations

import asyncio
import re
import uuid

import aiohttp
import pytest

from bot.testing.processes import RASA_AUTH_TOKEN
from tests.scale.helpers import ScaleStack

pytestmark = pytest.mark.slow


async def say(session: aiohttp.ClientSession, base_url: str, sender: str, text: str) -> list[dict]:
    url = f"{base_url}/webhooks/rest/webhook"
    async with session.post(url, json={"sender": sender, "message": text}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def tracker_events(session: aiohttp.ClientSession, base_url: str, sender: str) -> list[dict]:
    url = f"{base_url}/conversations/{sender}/tracker"
    async with session.get(url, params={"token": RASA_AUTH_TOKEN}) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["events"]


def user_texts(events: list[dict]) -> list[str]:
    return [event["text"] for event in events if event["event"] == "user"]


def assert_turns_not_interleaved(events: list[dict]) -> None:
    """Every user message is fully answered (ends in action_listen) before the next one starts."""
    waiting_for_listen = False
    for event in events:
        if event["event"] == "user":
            assert not waiting_for_listen, "a user message started before the previous turn ended"
            waiting_for_listen = True
        elif event["event"] == "action" and event["name"] == "action_listen":
            waiting_for_listen = False


async def test_turns_alternating_between_nodes_keep_state_and_order(scale_stack: ScaleStack):
    sender = f"alternate-{uuid.uuid4().hex[:8]}"
    messages = ["hello", "tell me a joke", "hi again", "what's the weather", "hey", "bye"]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for index, text in enumerate(messages):
            replies = await say(session, scale_stack.node_url(index % 2), sender, text)
            assert replies, f"node {index % 2} gave no answer to {text!r}"
        seen_by_a = await tracker_events(session, scale_stack.node_url(0), sender)
        seen_by_b = await tracker_events(session, scale_stack.node_url(1), sender)
    assert user_texts(seen_by_a) == messages
    assert user_texts(seen_by_b) == messages
    assert [e["event"] for e in seen_by_a] == [e["event"] for e in seen_by_b]
    assert_turns_not_interleaved(seen_by_a)


async def test_concurrent_messages_of_one_conversation_are_serialized(scale_stack: ScaleStack):
    sender = f"concurrent-{uuid.uuid4().hex[:8]}"
    messages = [f"hello number {n}" for n in range(12)]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(
            *(
                say(session, scale_stack.node_url(n % 2), sender, text)
                for n, text in enumerate(messages)
            )
        )
        events = await tracker_events(session, scale_stack.node_url(0), sender)
    assert sorted(user_texts(events)) == sorted(messages)
    assert_turns_not_interleaved(events)


async def test_balancer_spreads_one_conversation_over_both_nodes(scale_stack: ScaleStack):
    sender = f"balanced-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for text in ["hi", "tell me a joke", "hello", "bye"]:
            assert await say(session, scale_stack.balancer_url, sender, text)
        events = await tracker_events(session, scale_stack.api_url, sender)
    assert user_texts(events) == ["hi", "tell me a joke", "hello", "bye"]
    log = scale_stack.access_log.read_text()
    pattern = r'"POST /webhooks/rest/webhook[^"]*" 200 upstream=(\S+)'
    webhook_upstreams = set(re.findall(pattern, log))
    node_ports = {str(node.health_url.split(":")[2].split("/")[0]) for node in scale_stack.nodes}
    assert {upstream.rsplit(":", 1)[1] for upstream in webhook_upstreams} == node_ports
