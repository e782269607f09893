"""``python -m bot users add`` and ``python -m bot review serve`` as real processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.cxlog.database import create_engine, session_factory
from bot.review.common.models import ReviewUser
from bot.testing.processes import PROJECT_ROOT, ServerProcess, free_port
from bot.testing.project import sqlite_url
from bot.testing.review_app import SECRET_KEY


def bot_command(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def stored_users(database_url: str) -> dict[str, ReviewUser]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return {user.username: user for user in await session.scalars(select(ReviewUser))}
    finally:
        await engine.dispose()


@pytest.fixture
def cx_env(tmp_path: Path) -> dict[str, str]:
    return {"CX_DATABASE_URL": sqlite_url(tmp_path / "cx.db"), "REVIEW_SECRET_KEY": SECRET_KEY}


async def test_users_add_migrates_and_stores_an_argon2_hash(cx_env: dict[str, str]) -> None:
    added = bot_command(
        ["users", "add", "Carol", "--role", "admin", "--password-stdin"],
        cx_env,
        "a very long passphrase\n",
    )
    assert added.returncode == 0, added.stderr
    assert "review: user 'carol' (admin) created" in added.stdout
    users = await stored_users(cx_env["CX_DATABASE_URL"])
    assert users["carol"].role == "admin" and users["carol"].is_active
    assert users["carol"].password_hash.startswith("$argon2id$")

    again = bot_command(
        ["users", "add", "carol", "--password-stdin"], cx_env, "another long passphrase\n"
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    weak = bot_command(["users", "add", "dave", "--password-stdin"], cx_env, "short\n")
    assert weak.returncode == 2 and "at least 12 characters" in weak.stderr
    bad_role = bot_command(["users", "add", "erin", "--role", "root", "--password-stdin"], cx_env)
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    assert set(await stored_users(cx_env["CX_DATABASE_URL"])) == {"carol"}


async def test_users_add_stores_the_display_name_customers_read(cx_env: dict[str, str]) -> None:
    added = bot_command(
        ["users", "add", "sam", "--role", "agent", "--display-name", "  Sam  from Support "]
        + ["--password-stdin"],
        cx_env,
        "a very long passphrase\n",
    )
    assert added.returncode == 0, added.stderr
    plain = bot_command(["users", "add", "tom", "--password-stdin"], cx_env, "a long passphrase\n")
    assert plain.returncode == 0, plain.stderr
    users = await stored_users(cx_env["CX_DATABASE_URL"])
    assert users["sam"].display_name == "Sam from Support"
    assert users["tom"].display_name is None
    too_long = bot_command(
        ["users", "add", "ugo", "--display-name", "x" * 65, "--password-stdin"],
        cx_env,
        "a very long passphrase\n",
    )
    assert too_long.returncode == 2 and "display name" in too_long.stderr


def test_serve_refuses_to_start_without_a_secret_key(cx_env: dict[str, str]) -> None:
    refused = bot_command(["review", "serve"], {**cx_env, "REVIEW_SECRET_KEY": ""})
    assert refused.returncode == 2
    assert "REVIEW_SECRET_KEY is empty" in refused.stderr


async def test_serve_runs_the_app_the_procfile_starts(
    cx_env: dict[str, str], tmp_path: Path
) -> None:
    bot_command(["users", "add", "frank", "--password-stdin"], cx_env, "frank's passphrase\n")
    port = free_port()
    env = {**cx_env, "REVIEW_PORT": str(port), "BOT_HOST": "127.0.0.1"}
    command = [sys.executable, "-m", "bot", "review", "serve"]
    health = f"http://127.0.0.1:{port}/healthz"
    server = ServerProcess("review", command, health, tmp_path, env).start(timeout_s=60)
    try:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as client:
            base = f"http://127.0.0.1:{port}"
            async with client.get(base + "/conversations") as page:
                html = await page.text()
                assert page.url.path == "/login"
            token = re.search(r'name="login_token" value="([^"]+)"', html).group(1)
            form = {"login_token": token, "username": "frank", "password": "frank's passphrase"}
            async with client.post(base + "/login", data=form) as landing:
                assert landing.url.path == "/conversations" and landing.status == 200
                assert "frank · viewer" in await landing.text()
    finally:
        server.stop()
    assert "review: serving on http://127.0.0.1:" in server.tail()
