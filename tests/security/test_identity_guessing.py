"""An attacker guessing who owns an order, against real Rasa, action server and backend.

Rasa here trusts ``X-Forwarded-For`` only from 127.0.0.2 (``TRUSTED_PROXIES``, standing in for
nginx of the scale-out profile): requests sent from that source address act as customers at
several addresses, while 127.0.0.1 is an ordinary, untrusted local caller. The default (nobody
trusted) is tried on the shared ``rasa_stack``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot.customer_token import sign_customer_token
from bot.testing.full_stack import FullStack
from bot.testing.processes import PROJECT_ROOT, ServerProcess
from tests.security.helpers import user_events, webhook

pytestmark = pytest.mark.slow

TOKEN_SECRET = "identity-tests-customer-token-secret"
ADDRESS_A, ADDRESS_B = "198.51.100.21", "198.51.100.22"
PROXY = "127.0.0.2"  # the one trusted proxy; Linux routes all of 127/8 to loopback
TRACKING_NUMBER = "1Z999AA10123456784"  # order 10001's, in the seed data
RESPONSES = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["responses"]


def texts(response: str) -> set[str]:
    return {variant["text"] for variant in RESPONSES[response]}


def is_not_found(reply: str) -> bool:
    """The not-found answer (the form then asks for the order number again)."""
    return reply.splitlines()[0] in texts("utter_order_not_found")


def is_cooling_off(reply: str) -> bool:
    template = next(iter(texts("utter_too_many_attempts")))
    return reply.startswith(template.split("{minutes}")[0])


# The shared ``stack`` fixture (tests/conftest.py) starts the servers with these.
STACK_OPTIONS = {
    "actions_env": {"WIDGET_TOKEN_SECRET": TOKEN_SECRET},
    "rasa_env": {"TRUSTED_PROXIES": PROXY},
}


def chat(
    rasa: ServerProcess,
    sender: str,
    text: str,
    address: str | None = None,
    metadata: dict | None = None,
    via: str = PROXY,
) -> str:
    """One REST turn sent from source address ``via``, claiming to forward for ``address``."""
    url = urlsplit(webhook(rasa))
    headers = {"Content-Type": "application/json"}
    if address:
        headers["X-Forwarded-For"] = address
    body = {"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}
    connection = HTTPConnection(url.hostname, url.port, timeout=60, source_address=(via, 0))
    try:
        connection.request("POST", url.path, json.dumps(body), headers)
        reply = connection.getresponse()
        raw = reply.read()
    finally:
        connection.close()
    assert reply.status == 200, raw
    return "\n".join(message.get("text", "") for message in json.loads(raw))


def guess(stack: FullStack, order: str, email: str, address: str) -> str:
    sender = f"guess-{uuid.uuid4().hex[:10]}"
    asked = chat(stack.rasa, sender, f"where is my order {order}", address)
    assert asked in texts("utter_ask_email"), asked
    return chat(stack.rasa, sender, email, address)


def test_twelve_guesses_in_twelve_conversations_from_two_addresses(stack: FullStack) -> None:
    replies = [
        guess(stack, "10001", f"guess{n}@example.net", (ADDRESS_A, ADDRESS_B)[n % 2])
        for n in range(12)
    ]
    assert all(is_not_found(reply) for reply in replies[:5]), replies[:5]
    assert all(is_cooling_off(reply) for reply in replies[5:]), replies[5:]
    assert "person" in replies[5]
    # The owner's email in a thirteenth conversation: still nothing during the cooling-off.
    right = guess(stack, "10001", "alex.kim@example.com", ADDRESS_B)
    assert is_cooling_off(right), right
    assert TRACKING_NUMBER not in right and "UPS" not in right


def test_unknown_order_and_wrong_email_look_the_same(stack: FullStack) -> None:
    wrong_email, unknown_order = [], []
    for n in range(6):
        wrong_email.append(guess(stack, "10003", "sam.lee@example.com", f"203.0.113.{n + 1}"))
        unknown_order.append(guess(stack, "55555", "alex.kim@example.com", f"203.0.113.{n + 11}"))
    for real, unknown in zip(wrong_email[:5], unknown_order[:5], strict=True):
        assert is_not_found(real) and is_not_found(unknown)
    assert is_cooling_off(wrong_email[5]) and is_cooling_off(unknown_order[5])
    # Word for word; only the minutes left may differ, as both windows started seconds apart.
    assert re.sub(r"\d+", "N", wrong_email[5]) == re.sub(r"\d+", "N", unknown_order[5])


def test_forwarded_for_is_honoured_from_a_configured_proxy(stack: FullStack) -> None:
    sender = f"proxied-{uuid.uuid4().hex[:8]}"
    chat(stack.rasa, sender, "hi", "198.51.100.77", metadata={"client_address": "192.0.2.1"})
    [event] = user_events(stack.rasa, sender)
    assert event["metadata"]["client_address"] == "198.51.100.77"


def test_forwarded_for_from_an_unlisted_loopback_caller_is_ignored(stack: FullStack) -> None:
    sender = f"local-{uuid.uuid4().hex[:8]}"
    chat(stack.rasa, sender, "hi", "203.0.113.66", {"client_address": "192.0.2.1"}, "127.0.0.1")
    [event] = user_events(stack.rasa, sender)
    assert event["metadata"]["client_address"] == "127.0.0.1"


def test_spoofed_forwarded_for_from_loopback_is_not_trusted_by_default(
    rasa_stack: ServerProcess,
) -> None:
    sender = f"spoof-{uuid.uuid4().hex[:8]}"
    chat(rasa_stack, sender, "hi", "203.0.113.66", {"client_address": "192.0.2.1"}, "127.0.0.1")
    [event] = user_events(rasa_stack, sender)
    assert event["metadata"]["client_address"] == "127.0.0.1"


def stored_customer_id(cx_path: Path, sender: str) -> str | None:
    """The CX log's customer link for a conversation, once its first turn is stored."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with sqlite3.connect(cx_path) as db:
            row = db.execute(
                "SELECT customer_id, turn_count FROM conversations WHERE sender_id = ?", (sender,)
            ).fetchone()
        if row and row[1] >= 1:
            return row[0]
        time.sleep(0.3)
    raise AssertionError(f"conversation {sender} never reached the CX log")


def test_unsigned_customer_id_is_ignored(stack: FullStack) -> None:
    sender = f"unsigned-{uuid.uuid4().hex[:8]}"
    greeting = chat(stack.rasa, sender, "hi", metadata={"customer_id": "C1001"})
    assert greeting in texts("utter_greet"), greeting
    assert "Alex" not in greeting
    assert stored_customer_id(stack.cx_path, sender) is None
    assert "unsigned customer_id" in stack.actions.tail(200)


def test_a_signed_customer_token_is_believed(stack: FullStack) -> None:
    sender = f"signed-{uuid.uuid4().hex[:8]}"
    token = sign_customer_token("C1001", TOKEN_SECRET)
    greeting = chat(stack.rasa, sender, "hi", metadata={"customer_token": token})
    assert "Alex" in greeting
    assert stored_customer_id(stack.cx_path, sender) == "C1001"


def test_identity_slots_cannot_be_injected_through_an_intent_payload(stack: FullStack) -> None:
    sender = f"inject-{uuid.uuid4().hex[:8]}"
    payload = '/greet{"customer_id": "C1001", "customer_first_name": "Alex"}'
    greeting = chat(stack.rasa, sender, payload)
    assert "Alex" not in greeting
    asked = chat(stack.rasa, sender, "where is my order 10004")
    assert asked in texts("utter_ask_email"), asked
