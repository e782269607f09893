"""The product's three servers as `make run` starts them: backend, action server and Rasa.

Each runs on its own loopback port with private databases (backend, tracker store, CX log), and
each can be killed and started again, so conversation and fault tests drive real processes.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

from bot.testing.processes import (
    BACKEND_TOKEN,
    ServerProcess,
    action_server,
    api_url,
    configured_rasa,
    free_port,
    say,
    start_backend,
)
from bot.testing.project import sqlite_url

# Loading the model (torch, MiniLM) takes far longer than 180 s while other tests share the CPU.
RASA_BOOT_TIMEOUT_S = 480.0


class FullStack:
    """Backend + action server + Rasa, each restartable on its own port."""

    def __init__(
        self,
        model: Path,
        directory: Path,
        logs: Path,
        actions_env: dict[str, str] | None = None,
        rasa_env: dict[str, str] | None = None,
        start_timeout_s: float = RASA_BOOT_TIMEOUT_S,
    ) -> None:
        self.directory, self.logs, self.model = directory, logs, model
        self.actions_env, self.rasa_env = actions_env or {}, rasa_env or {}
        self.backend, self.api_url = start_backend(directory, logs)
        self.action_port = free_port()
        self.actions = self.new_actions().start(start_timeout_s)
        self.cx_path = directory / "cx.db"
        self.rasa_port = free_port()
        self.rasa = self.new_rasa().start(start_timeout_s)

    def new_actions(self) -> ServerProcess:
        env = {"BACKEND_URL": self.api_url, "BACKEND_TOKEN": BACKEND_TOKEN, **self.actions_env}
        name = f"actions-{self.directory.name}"
        return action_server(self.action_port, self.logs, env, name=name)

    def new_rasa(self) -> ServerProcess:
        env = {
            # A short SQLite busy timeout so a locked store is noticed within the test.
            "CX_DATABASE_URL": f"{sqlite_url(self.cx_path)}?timeout=0.2",
            "BOT_VAR_DIR": str(self.directory),
            **self.rasa_env,
        }
        name = f"rasa-{self.directory.name}"
        action_url = f"http://127.0.0.1:{self.action_port}/webhook"
        return configured_rasa(
            self.directory, action_url, self.model, self.logs, env, name, self.rasa_port
        )

    def __enter__(self) -> FullStack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def say(self, sender: str, text: str, metadata: dict | None = None) -> str:
        """The bot's reply texts to one customer message (with the channel's ``metadata``), one
        per line."""
        replies = say(self.rasa, sender, text, metadata)
        return "\n".join(reply.get("text", "") for reply in replies)

    def rasa_api(self, sender: str, suffix: str, body: object | None = None) -> dict:
        """A call of Rasa's conversation API (``/conversations/<sender>/<suffix>``): a GET, or a
        POST of ``body``."""
        url = api_url(self.rasa, f"/conversations/{sender}/{suffix}")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def tickets(self, sender: str) -> list[tuple[str, str | None, str | None]]:
        """(category, customer_id, email) of every ticket the backend stored for ``sender``."""
        with sqlite3.connect(self.directory / "backend.db") as db:
            return db.execute(
                "SELECT category, customer_id, email FROM support_tickets"
                " WHERE conversation_id = ? ORDER BY id",
                (sender,),
            ).fetchall()

    def stop(self) -> None:
        for server in (self.rasa, self.actions, self.backend):
            server.stop()

    def backend_get(self, path: str) -> dict:
        """A GET on the backend's API, as the action server makes it."""
        request = urllib.request.Request(
            f"{self.api_url}{path}", headers={"Authorization": f"Bearer {BACKEND_TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
