"""``python -m bot backend migrate|seed|serve`` as make run and Procfile run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from bot.testing.processes import PROJECT_ROOT, backend_api_url, backend_server, free_port
from bot.testing.project import sqlite_url
from tests.backend.harness import TOKEN


def backend_env(database_url: str, port: int = 0, token: str = TOKEN) -> dict[str, str]:
    return {
        **os.environ,
        "BACKEND_DATABASE_URL": database_url,
        "BACKEND_TOKEN": token,
        "BACKEND_PORT": str(port),
        "BOT_HOST": "127.0.0.1",
    }


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "backend", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_then_seed_once_then_serve(tmp_path: Path) -> None:
    database_url = sqlite_url(tmp_path / "cli.db")
    env = backend_env(database_url)
    assert run_cli("migrate", env=env).returncode == 0
    first, second = run_cli("seed", env=env), run_cli("seed", env=env)
    assert "seed data loaded" in first.stdout
    assert "seed skipped" in second.stdout

    server = backend_server(database_url, tmp_path, TOKEN).start(timeout_s=60)
    try:
        request = urllib.request.Request(
            f"{backend_api_url(server)}/orders/10001/lookup",
            json.dumps(
                {"identity": {"email": "alex.kim@example.com"}, "conversation_id": "cli"}
            ).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            assert json.load(response)["status"] == "shipped"
    finally:
        server.stop()


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    result = run_cli("serve", env=backend_env(sqlite_url(tmp_path / "x.db"), token=""))
    assert result.returncode == 2
    assert "BACKEND_TOKEN is empty" in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = backend_env(sqlite_url(tmp_path / "never-migrated.db"), free_port())
    result = run_cli("serve", env=env)
    assert result.returncode == 2
    assert "python -m bot backend migrate" in result.stderr
