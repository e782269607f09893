"""Widget frames: what the gateway accepts from a browser, and how it refuses the rest."""

from __future__ import annotations

import json

import pytest

from bot.livechat.protocol import (
    SESSION_ID_PATTERN,
    BadFrame,
    ChatText,
    Hello,
    new_session_id,
    parse_frame,
)


def frame(**fields: object) -> str:
    return json.dumps(fields)


def refused(raw: str) -> str:
    with pytest.raises(BadFrame) as caught:
        parse_frame(raw)
    return caught.value.code


def test_hello_with_and_without_a_stored_session() -> None:
    session_id = new_session_id()
    assert parse_frame(frame(type="hello")) == Hello(None, None)
    assert parse_frame(frame(type="hello", session_id=session_id, customer_token="a.b")) == Hello(
        session_id, "a.b"
    )
    page = "https://shop.example/help"
    assert parse_frame(frame(type="hello", page=page)) == Hello(None, None, page)
    assert refused(frame(type="hello", page=["not", "a", "string"])) == "invalid_hello"


def test_issued_session_ids_are_unique_and_in_the_widget_namespace() -> None:
    issued = {new_session_id() for _ in range(1000)}
    assert len(issued) == 1000
    assert all(SESSION_ID_PATTERN.fullmatch(session_id) for session_id in issued)


@pytest.mark.parametrize(
    "session_id", ["smoke-user", "web-short", "web-" + "x" * 65, "web-a b" * 5]
)
def test_a_browser_cannot_name_another_channel_s_conversation(session_id: str) -> None:
    assert refused(frame(type="hello", session_id=session_id)) == "invalid_session"


def test_message_text_is_cleaned() -> None:
    assert parse_frame(frame(type="message", text="  where is\x00 my order?\x07 ")) == ChatText(
        "where is my order?"
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_json"),
        (frame(type="shout"), "unknown_type"),
        (frame(type="message"), "invalid_message"),
        (frame(type="message", text=["x"]), "invalid_message"),
        (frame(type="message", text=" \x00 "), "empty_message"),
        (frame(type="message", text="x" * 2001), "message_too_long"),
        (frame(type="message", text="x" * 9000), "frame_too_large"),
        ('{"type": "message", "text": "\\ud800"}', "invalid_text"),
        (frame(type="hello", customer_token=7), "invalid_hello"),
    ],
)
def test_bad_frames_get_a_stable_code(raw: str, code: str) -> None:
    assert refused(raw) == code
