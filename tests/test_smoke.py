"""The foundation works end to end: real Rasa + action server answer over the REST channel."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.support.processes import ServerProcess

pytestmark = pytest.mark.slow


def say(rasa: ServerProcess, sender: str, text: str) -> list[dict]:
    url = rasa.health_url.replace("/status", "/webhooks/rest/webhook")
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_hello_gets_a_greeting(rasa_stack: ServerProcess) -> None:
    replies = say(rasa_stack, "smoke-user", "hello")
    texts = " ".join(reply.get("text", "") for reply in replies).lower()
    assert replies, "the bot answered nothing"
    assert any(word in texts for word in ("hi", "hello", "hey")), texts
