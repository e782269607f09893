"""Whole conversations over the REST channel against real servers: Rasa, actions and backend.

This is what `make run` serves: the reference backend (migrated and seeded), the action server
calling it with its bearer token, and Rasa with the trained model. Nothing is mocked.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import (
    ServerProcess,
    action_server,
    free_port,
    rasa_server,
    write_credentials,
    write_endpoints,
)
from tests.widget.stack import BACKEND_TOKEN, start_backend

pytestmark = pytest.mark.slow

RMA = re.compile(r"RMA-[A-Z0-9]{8}")


class Chat:
    """One customer talking to the assistant over the REST webhook."""

    def __init__(self, rasa: ServerProcess, sender: str) -> None:
        self.url = rasa.health_url.replace("/status", "/webhooks/rest/webhook")
        self.sender = sender

    def say(self, text: str) -> str:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.load(response)
        return "\n".join(reply.get("text", "") for reply in replies)


@pytest.fixture(scope="module")
def stack(
    trained_model: Path, server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    directory = tmp_path_factory.mktemp("conversations")
    backend, api_url = start_backend(directory, server_logs)
    port = free_port()
    env = {"BACKEND_URL": api_url, "BACKEND_TOKEN": BACKEND_TOKEN}
    actions = action_server(port, server_logs, env, name="actions-e2e").start()
    endpoints = write_endpoints(directory, f"http://127.0.0.1:{port}/webhook")
    credentials = write_credentials(directory, ip_per_minute=100_000, ip_burst=10_000)
    cx_env = {"CX_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'cx.db'}"}
    rasa = rasa_server(
        free_port(), trained_model, endpoints, server_logs, cx_env, "rasa-e2e", credentials
    ).start()
    yield {"rasa": rasa, "api": api_url}
    for server in (rasa, actions, backend):
        server.stop()


def backend_get(api_url: str, path: str) -> dict:
    request = urllib.request.Request(
        f"{api_url}{path}", headers={"Authorization": f"Bearer {BACKEND_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_tracking_asks_for_the_email_then_tells_status_carrier_and_link(stack) -> None:
    chat = Chat(stack["rasa"], "e2e-track-alex")
    assert "email" in chat.say("where is my order 10001").lower()
    answer = chat.say("alex.kim@example.com")
    assert "shipped" in answer.lower()
    assert "UPS" in answer
    assert "https://" in answer and "1Z999AA10123456784" in answer


def test_the_wrong_email_reveals_nothing_about_the_order(stack) -> None:
    chat = Chat(stack["rasa"], "e2e-track-sam")
    chat.say("where is my order 10001")
    answer = chat.say("sam.lee@example.com")
    for secret in ("shipped", "UPS", "1Z999AA10123456784", "http", "Alex"):
        assert secret.lower() not in answer.lower(), answer


def test_returning_the_shoes_of_10003_creates_a_return_the_backend_lists(stack) -> None:
    chat = Chat(stack["rasa"], "e2e-return-shoes")
    chat.say("I want to return the shoes from order 10003")
    chat.say("alex.kim@example.com")
    chat.say("they don't fit")
    answer = chat.say("refund please")
    found = RMA.search(answer)
    assert found, answer
    listed = backend_get(stack["api"], "/returns?order_id=10003")["returns"]
    assert found[0] in [item["rma"] for item in listed]
    assert "refund" in answer.lower()


def test_order_10004_is_refused_with_the_return_window_explained(stack) -> None:
    chat = Chat(stack["rasa"], "e2e-return-late")
    chat.say("i'd like to return the jacket from order 10004")
    chat.say("alex.kim@example.com")
    chat.say("it's faulty")
    answer = chat.say("refund")
    assert not RMA.search(answer), answer
    assert "days" in answer.lower(), answer
    assert backend_get(stack["api"], "/returns?order_id=10004")["returns"] == []
