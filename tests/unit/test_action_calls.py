"""Rasa calling the action server with bot.deploy.rasa_patches installed: a real aiohttp server.

One kept-alive connection for a conversation's action calls instead of one per call, and a JSON
body the server reads back exactly as the standard library would have written it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from bot.deploy import rasa_patches

rasa_patches.install()

BODY = {
    "next_action": "action_track_order",
    "tracker": {"events": [{"text": "wo ist mein Paket? 🙂 a/b", "confidence": 0.1 + 0.2}]},
    "domain": {"responses": {"utter_x": [{"text": "</script>"}]}, "big": 2**53 + 1},
}


class RecordingServer:
    """The action server's side: what arrived, and over how many TCP connections."""

    def __init__(self) -> None:
        self.bodies: list[object] = []
        self.content_types: list[str] = []
        self.tokens: list[str | None] = []
        self.peers: set[object] = set()

    async def webhook(self, request: web.Request) -> web.Response:
        self.peers.add(request.transport.get_extra_info("peername"))
        self.content_types.append(request.content_type)
        self.tokens.append(request.query.get("token"))
        self.bodies.append(await request.json())
        return web.json_response({"events": [], "responses": []})


@pytest.fixture
async def server() -> AsyncIterator[tuple[RecordingServer, str]]:
    recorder = RecordingServer()
    app = web.Application()
    app.router.add_post("/webhook", recorder.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 (the bound free port)
    yield recorder, f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()


async def test_action_calls_share_one_connection_and_keep_the_body(server) -> None:  # noqa: ANN001
    recorder, url = server
    endpoint = EndpointConfig(url, token="s3cret")
    replies = [await endpoint.request(json=BODY, method="post") for _ in range(3)]
    await asyncio.sleep(0)

    assert replies == [{"events": [], "responses": []}] * 3
    assert len(recorder.peers) == 1, "one kept-alive TCP connection for all three calls"
    assert recorder.bodies == [json.loads(json.dumps(BODY))] * 3
    assert recorder.content_types == ["application/json"] * 3
    assert recorder.tokens == ["s3cret"] * 3
    async with endpoint.session() as session:
        assert not session.closed, "Rasa's `async with` no longer closes the shared session"


async def test_a_closed_session_is_replaced(server) -> None:  # noqa: ANN001
    recorder, url = server
    endpoint = EndpointConfig(url)
    async with endpoint.session() as session:
        await session.close()
    assert await endpoint.request(json={"a": 1}) == {"events": [], "responses": []}
    assert recorder.bodies == [{"a": 1}]


def test_any_string_round_trips_and_refusals_are_the_standard_librarys() -> None:
    lone_surrogate = {"text": "\ud800"}
    assert json.loads(rasa_patches.encode_json(lone_surrogate)) == lone_surrogate
    too_deep: list = []
    inner = too_deep
    for _ in range(1100):
        inner.append([])
        inner = inner[0]
    with pytest.raises(RecursionError):  # ujson refuses too (OverflowError): json's answer wins
        rasa_patches.encode_json(too_deep)
    assert json.loads(rasa_patches.encode_json(BODY)) == json.loads(json.dumps(BODY))
