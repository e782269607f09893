"""The widget's websocket gateway against the real review app, Rasa and action server."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.customer_token import sign_customer_token
from bot.testing.processes import free_port
from bot.testing.stack import (
    SHOP_ORIGIN,
    TOKEN_SECRET,
    Review,
    Socket,
    message_from,
    of_type,
    open_widget,
    start_review,
    tracker_events,
)

pytestmark = pytest.mark.slow


def user_events(review: Review, session_id: str) -> list[dict]:
    return [e for e in tracker_events(review.rasa_url, session_id) if e["event"] == "user"]


async def test_a_turn_then_history_on_reconnect(review: Review, http: aiohttp.ClientSession):
    widget, session_id, history = await open_widget(http, review)
    assert session_id.startswith("web-") and history["messages"] == []

    await widget.send(type="message", text="hello")
    echo = await widget.expect(message_from("customer"))
    answer = await widget.expect(message_from("bot"))
    await widget.expect(of_type("typing", on=False))
    assert echo["message"]["text"] == "hello"
    assert answer["message"]["text"]
    await widget.close()

    again, same_id, history = await open_widget(http, review, session_id=session_id)
    assert same_id == session_id
    assert [(m["from"], m["text"]) for m in history["messages"]] == [
        ("customer", "hello"),
        ("bot", answer["message"]["text"]),
    ]
    assert history["handoff"] is None
    await again.close()


async def test_every_open_tab_sees_the_conversation(review: Review, http: aiohttp.ClientSession):
    first, session_id, _ = await open_widget(http, review)
    await first.send(type="message", text="hi")
    await first.expect(message_from("bot"))
    second, _, _ = await open_widget(http, review, session_id=session_id)

    await second.send(type="message", text="goodbye")
    for tab in (first, second):
        assert (await tab.expect(message_from("customer")))["message"]["text"] == "goodbye"
        await tab.expect(message_from("bot"))
    await first.close()
    await second.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "message", "text": "x" * 2001}, "message_too_long"),
        ({"type": "message", "text": "  \u0000 "}, "empty_message"),
        ({"type": "message", "text": "///"}, "empty_message"),
        ({"type": "wave"}, "unknown_type"),
        ({"type": "hello"}, "already_started"),
    ],
)
async def test_bad_frames_get_an_error_and_store_nothing(
    review: Review, http: aiohttp.ClientSession, frame: dict, code: str
):
    widget, session_id, _ = await open_widget(http, review)
    await widget.send(type="message", text="hello")
    await widget.expect(message_from("bot"))

    await widget.send(**frame)
    error = await widget.expect(of_type("error"))
    assert error["code"] == code and error["message"]
    assert [e["text"] for e in user_events(review, session_id)] == ["hello"]
    await widget.close()


async def test_messages_before_hello_and_foreign_session_ids_are_refused(
    review: Review, http: aiohttp.ClientSession
):
    socket = Socket(await http.ws_connect(review.socket_url, origin=review.url))
    await socket.send(type="message", text="hello")
    assert (await socket.expect(of_type("error")))["code"] == "hello_first"
    # A REST-channel conversation id: the widget may never read it.
    await socket.send(type="hello", session_id="smoke-user")
    assert (await socket.expect(of_type("error")))["code"] == "invalid_session"
    await socket.close()


async def test_typed_text_cannot_trigger_intents_directly(
    review: Review, http: aiohttp.ClientSession
):
    widget, session_id, _ = await open_widget(http, review)
    await widget.send(type="message", text="/restart")
    echo = await widget.expect(message_from("customer"))
    await widget.expect(of_type("typing", on=False))
    assert echo["message"]["text"] == "restart"
    assert [e["text"] for e in user_events(review, session_id)] == ["restart"]
    await widget.close()


async def test_only_a_genuine_customer_token_reaches_rasa(
    review: Review, http: aiohttp.ClientSession
):
    genuine = sign_customer_token("C1001", TOKEN_SECRET)
    forged = sign_customer_token("C1002", "not-the-shop's-secret")
    expired = sign_customer_token("C1001", TOKEN_SECRET, ttl_s=-1)
    for token, recognised in ((genuine, True), (forged, False), (expired, False)):
        socket = Socket(await http.ws_connect(review.socket_url, origin=review.url))
        await socket.send(type="hello", customer_token=token)
        started = await socket.expect(of_type("session"))
        assert started["customer_recognised"] is recognised
        await socket.send(type="message", text="hello")
        await socket.expect(message_from("bot"))
        [event] = user_events(review, started["session_id"])
        assert (event["metadata"].get("customer_token") == token) is recognised
        await socket.close()


async def test_turns_tell_the_cx_log_they_came_from_the_widget_and_which_page(
    review: Review, http: aiohttp.ClientSession
):
    socket = Socket(await http.ws_connect(review.socket_url, origin=review.url))
    await socket.send(type="hello", page="https://shop.example/orders")
    started = await socket.expect(of_type("session"))
    await socket.send(type="message", text="hello")
    await socket.expect(message_from("bot"))
    [event] = user_events(review, started["session_id"])
    metadata = event["metadata"]
    assert (metadata["cx_channel"], metadata["cx_page"]) == (
        "widget",
        "https://shop.example/orders",
    )
    assert "customer_token" not in metadata
    await socket.close()


async def test_only_allowed_sites_may_open_the_widget(review: Review, http: aiohttp.ClientSession):
    shop = await http.ws_connect(review.socket_url, origin=SHOP_ORIGIN)
    await shop.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(review.socket_url, origin="http://evil.test")
    assert refused.value.status == 403


async def test_the_demo_page_and_widget_files_are_public(
    review: Review, http: aiohttp.ClientSession
):
    async with http.get(f"{review.url}/demo", allow_redirects=False) as page:
        assert page.status == 200
        html = await page.text()
        assert "img-src 'self' data: https:" in page.headers["Content-Security-Policy"]
    assert f'src="{review.url}/widget/widget.js"' in html
    for name in ("widget.js", "widget.css"):
        async with http.get(f"{review.url}/widget/{name}", allow_redirects=False) as asset:
            assert asset.status == 200


async def test_rasa_down_is_reported_and_connections_are_limited(
    http: aiohttp.ClientSession, server_logs: Path, tmp_path: Path
):
    # Rasa is not running at this address; one new connection per IP, then 429 for a while.
    dead_rasa = f"http://127.0.0.1:{free_port()}"
    orphan = start_review(
        dead_rasa, tmp_path, server_logs, name="review-no-rasa", WIDGET_CONNECTS_PER_MINUTE="2"
    )
    try:
        widget, _, _ = await open_widget(http, orphan)
        await widget.send(type="message", text="hello")
        error = await widget.expect(of_type("error"))
        assert error["code"] == "unavailable"
        await widget.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(orphan.socket_url, origin=orphan.url)
        assert refused.value.status == 429
    finally:
        orphan.server.stop()
