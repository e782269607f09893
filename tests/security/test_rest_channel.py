"""The public REST channel refuses bad input with clear errors and stores nothing from it."""

from __future__ import annotations

import json
import uuid

import pytest
import requests  # test-side HTTP client only; the product itself uses aiohttp

from bot.testing.processes import ServerProcess
from tests.security.helpers import user_events, webhook

pytestmark = pytest.mark.slow


def test_valid_message_is_answered(rasa_stack: ServerProcess) -> None:
    reply = requests.post(webhook(rasa_stack), json={"sender": "ok-1", "message": "hi"}, timeout=30)
    assert reply.status_code == 200 and reply.json()


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"sender": "bad sender!", "message": "hi"}, 400, "invalid_sender"),
        ({"sender": "S", "message": ""}, 400, "empty_message"),
        ({"sender": "S", "message": "x" * 5000}, 413, "message_too_long"),
        ({"sender": "S", "message": "hi", "metadata": "nope"}, 400, "invalid_metadata"),
        ({"sender": "S", "message": ["hi"]}, 400, "invalid_message"),
    ],
)
def test_invalid_requests_get_clear_errors_and_leave_no_trace(
    rasa_stack: ServerProcess, payload: dict, status: int, code: str
) -> None:
    sender = f"reject-{uuid.uuid4().hex[:8]}"
    if payload["sender"] == "S":
        payload = {**payload, "sender": sender}
    reply = requests.post(webhook(rasa_stack), json=payload, timeout=30)
    assert reply.status_code == status
    assert reply.json()["error"] == code
    assert user_events(rasa_stack, sender) == []


def test_malformed_json_is_a_400(rasa_stack: ServerProcess) -> None:
    reply = requests.post(webhook(rasa_stack), data=b'{"sender": "x", "mess', timeout=30)
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_json"


def test_ten_megabyte_body_is_refused_before_it_is_read(rasa_stack: ServerProcess) -> None:
    payload = json.dumps({"sender": "big", "message": "a" * 10_000_000})
    reply = requests.post(webhook(rasa_stack), data=payload, timeout=60)
    assert reply.status_code == 413
    assert user_events(rasa_stack, "big") == []


def test_one_sender_flooding_is_rate_limited(rasa_stack: ServerProcess) -> None:
    sender = f"flood-{uuid.uuid4().hex[:8]}"
    statuses = [
        requests.post(
            webhook(rasa_stack), json={"sender": sender, "message": f"hi {n}"}, timeout=30
        )
        for n in range(35)
    ]
    codes = [reply.status_code for reply in statuses]
    assert codes[:20] == [200] * 20, "the burst allowance must be served"
    assert 429 in codes
    throttled = next(reply for reply in statuses if reply.status_code == 429)
    assert int(throttled.headers["Retry-After"]) >= 1
    assert len(user_events(rasa_stack, sender)) == codes.count(200)
