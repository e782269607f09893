"""The foundation works end to end: real Rasa + action server answer over the REST channel."""

from __future__ import annotations

import pytest

from bot.testing.processes import ServerProcess, say

pytestmark = pytest.mark.slow


def test_hello_gets_a_greeting(rasa_stack: ServerProcess) -> None:
    replies = say(rasa_stack, "smoke-user", "hello")
    texts = " ".join(reply.get("text", "") for reply in replies).lower()
    assert replies, "the bot answered nothing"
    assert any(word in texts for word in ("hi", "hello", "hey")), texts
