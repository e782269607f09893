"""Chat requests from the public internet: what is accepted, cleaned or refused, and how."""

from __future__ import annotations

import json

import pytest

from bot.channels.rate_limit import TokenBucketLimiter
from bot.channels.validation import InputLimits, InvalidChatRequest, parse_chat_request

LIMITS = InputLimits()


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


def refused(raw: bytes) -> InvalidChatRequest:
    with pytest.raises(InvalidChatRequest) as caught:
        parse_chat_request(raw, LIMITS)
    return caught.value


def test_valid_request_is_parsed() -> None:
    chat = parse_chat_request(
        body(sender="web-123", message=" where is order #10001? ", metadata={"page": "/shop"}),
        LIMITS,
    )
    assert (chat.sender, chat.message, chat.metadata) == (
        "web-123",
        "where is order #10001?",
        {"page": "/shop"},
    )


def test_control_characters_are_dropped_and_unicode_kept() -> None:
    chat = parse_chat_request(body(sender="s", message="h\x00i\x07 👋 Grüße 你好\n"), LIMITS)
    assert chat.message == "hi 👋 Grüße 你好"


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (body(message="hi"), 400, "invalid_sender"),
        (body(sender="", message="hi"), 400, "invalid_sender"),
        (body(sender="a b", message="hi"), 400, "invalid_sender"),
        (body(sender="<script>", message="hi"), 400, "invalid_sender"),
        (body(sender="-leading-dash", message="hi"), 400, "invalid_sender"),
        (body(sender="x" * 129, message="hi"), 400, "invalid_sender"),
        (body(sender="s"), 400, "invalid_message"),
        (body(sender="s", message=42), 400, "invalid_message"),
        (body(sender="s", message="   \x00\x01 "), 400, "empty_message"),
        (body(sender="s", message="a" * 2001), 413, "message_too_long"),
        (body(sender="s", message="hi", metadata=[1]), 400, "invalid_metadata"),
        (
            body(sender="s", message="hi", metadata={"a": {"b": {"c": {"d": 1}}}}),
            400,
            "invalid_metadata",
        ),
        (body(sender="s", message="hi", metadata={"k": "v" * 5000}), 413, "metadata_too_large"),
        (b'{"sender": "s", "message": "\\ud800"}', 400, "invalid_text"),
        (b" " * (LIMITS.max_body_bytes + 1), 413, "payload_too_large"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_error(raw: bytes, status: int, code: str) -> None:
    error = refused(raw)
    assert (error.status, error.code) == (status, code)
    assert error.as_json()["message"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_burst_then_refills() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.retry_after("a") == 1
    assert limiter.allow("b"), "keys are independent"
    clock.now += 1.0
    assert limiter.allow("a")
    assert not limiter.allow("a")


def test_token_bucket_memory_is_bounded() -> None:
    limiter = TokenBucketLimiter(per_minute=60, burst=1, max_keys=100, clock=FakeClock())
    for n in range(1000):
        limiter.allow(f"sender-{n}")
    assert len(limiter._buckets) == 100
