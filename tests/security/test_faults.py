"""Faults injected into real processes: the customer always gets an answer and nothing is lost.

Each test runs its own backend, action server and Rasa (a private tracker store and CX log), so
it can kill, restart or lock one of them without disturbing other suites. Nothing is mocked.
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.guarded_rest import NO_REPLY_TEXT
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


class Stack:
    """Backend + action server + Rasa, each restartable on its own port."""

    def __init__(self, model: Path, directory: Path, logs: Path) -> None:
        self.directory, self.logs, self.model = directory, logs, model
        self.backend, self.api_url = start_backend(directory, logs)
        self.action_port = free_port()
        self.actions = self.new_actions().start()
        self.endpoints = write_endpoints(directory, f"http://127.0.0.1:{self.action_port}/webhook")
        self.credentials = write_credentials(directory, ip_per_minute=100_000, ip_burst=10_000)
        self.cx_path = directory / "cx.db"
        self.rasa_port = free_port()
        self.rasa = self.new_rasa().start()

    def new_actions(self) -> ServerProcess:
        env = {"BACKEND_URL": self.api_url, "BACKEND_TOKEN": BACKEND_TOKEN}
        return action_server(self.action_port, self.logs, env, name="actions-faults")

    def new_rasa(self) -> ServerProcess:
        env = {
            # A short SQLite busy timeout so a locked store is noticed within the test.
            "CX_DATABASE_URL": f"sqlite+aiosqlite:///{self.cx_path}?timeout=0.2",
            "BOT_VAR_DIR": str(self.directory),
        }
        return rasa_server(
            self.rasa_port, self.model, self.endpoints, self.logs, env, "rasa-faults",
            self.credentials,
        )  # fmt: skip

    def say(self, sender: str, text: str) -> str:
        url = f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            return "\n".join(reply.get("text", "") for reply in json.load(response))

    def stop(self) -> None:
        for server in (self.rasa, self.actions, self.backend):
            server.stop()


@pytest.fixture(scope="module")
def stack(
    trained_model: Path, server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One stack for the module (Rasa takes long to boot); each test leaves it running, except
    the last, which takes the backend down for good."""
    running = Stack(trained_model, tmp_path_factory.mktemp("faults"), server_logs)
    yield running
    running.stop()


def stored_user_texts(cx_path: Path, sender: str) -> list[str]:
    with sqlite3.connect(cx_path) as database:
        rows = database.execute(
            "SELECT t.user_text FROM turns t JOIN conversations c ON c.id = t.conversation_id "
            "WHERE c.sender_id = ? AND t.user_text IS NOT NULL ORDER BY t.seq",
            (sender,),
        )
        return [row[0] for row in rows]


def wait_until(condition, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def test_action_server_killed_mid_conversation_then_back(stack: Stack) -> None:
    sender = "fault-actions"
    assert "email" in stack.say(sender, "where is my order 10001").lower()

    stack.actions.kill()
    assert stack.say(sender, "alex.kim@example.com") == NO_REPLY_TEXT
    assert stack.say(sender, "hello?") == NO_REPLY_TEXT

    stack.actions = stack.new_actions().start()
    answer = stack.say(sender, "where is my order 10001")
    if "shipped" not in answer.lower():  # the form may ask for the email again
        answer = stack.say(sender, "alex.kim@example.com")
    assert "shipped" in answer.lower() and "UPS" in answer, answer


def test_rasa_restart_continues_the_conversation_from_the_tracker_store(stack: Stack) -> None:
    sender = "fault-restart"
    assert "email" in stack.say(sender, "where is my order 10001").lower()
    stack.rasa.kill()
    stack.rasa = stack.new_rasa().start()
    answer = stack.say(sender, "alex.kim@example.com")  # answers the question asked before
    assert "shipped" in answer.lower() and "UPS" in answer, answer


def test_locked_cx_store_never_blocks_the_chat_and_loses_no_turn(stack: Stack) -> None:
    sender = "fault-cx-lock"
    stack.say(sender, "hi")
    wait_until(lambda: stored_user_texts(stack.cx_path, sender) == ["hi"], "the first turn")

    lock = sqlite3.connect(stack.cx_path)
    lock.execute("BEGIN EXCLUSIVE")  # another process holding the whole database
    try:
        texts = ["what payment methods do you take", "do you ship to canada", "thanks a lot"]
        for text in texts:
            started = time.monotonic()
            assert stack.say(sender, text) not in ("", NO_REPLY_TEXT)
            assert time.monotonic() - started < 30
        spool = stack.directory / "spool"
        wait_until(lambda: any(spool.glob("cxlog-*.jsonl")), "events to be spooled to disk")
    finally:
        lock.rollback()
        lock.close()

    wait_until(
        lambda: stored_user_texts(stack.cx_path, sender) == ["hi", *texts],
        "the spooled turns to be replayed",
        timeout_s=60,
    )


def test_backend_down_gets_an_apology_and_an_offer_of_a_person(stack: Stack) -> None:
    sender = "fault-backend"
    stack.say(sender, "where is my order 10001")
    stack.backend.kill()
    answer = stack.say(sender, "alex.kim@example.com")
    assert answer and answer != NO_REPLY_TEXT
    assert "person" in answer.lower() or "colleague" in answer.lower(), answer
    assert "shipped" not in answer.lower()
