"""The bad-input corpus against the chat channel: never a 5xx, never a crash."""

from __future__ import annotations

import uuid

import pytest
import requests  # test-side HTTP client only

from bot.testing.processes import ServerProcess, api_url
from tests.support.bad_inputs import bad_inputs

pytestmark = pytest.mark.slow


def test_corpus_as_messages_senders_and_metadata(rasa_stack: ServerProcess) -> None:
    url = rasa_stack.health_url.replace("/status", "/webhooks/rest/webhook")
    tried, statuses = 0, []
    with requests.Session() as http:
        for text in bad_inputs():
            sender = f"corpus-{uuid.uuid4().hex[:10]}"
            for payload in (
                {"sender": sender, "message": text},
                {"sender": text, "message": "hello"},
                {"sender": sender, "message": "hi", "metadata": {"note": text}},
            ):
                reply = http.post(url, json=payload, timeout=60)
                tried += 1
                statuses.append(reply.status_code)
                assert reply.status_code < 500, (payload, reply.text)
                if reply.status_code >= 400:
                    assert reply.json()["error"], reply.text
    assert tried == 3 * len(bad_inputs())
    assert statuses.count(200) > len(bad_inputs()), "ordinary odd text must still be answered"
    assert requests.get(api_url(rasa_stack, "/status"), timeout=10).status_code == 200
