"""Run the real backend app on a loopback port and talk to it like the action server does.

Every reply is checked against bot/backend/openapi.yaml: its status must be documented for the
operation and its JSON body must match the documented schema, so the spec cannot drift.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import aiohttp
import jsonschema
import yaml
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.backend.app import create_app
from bot.backend.commands import seed_database
from bot.backend.database import create_engine
from bot.backend.handlers import OPENAPI_PATH
from bot.backend.migrate import upgrade
from bot.backend.schema import metadata
from bot.settings import Settings

TOKEN = "test-backend-token-7f3a"
API = "/api/v1"
ALEX = {"email": "alex.kim@example.com"}
SAM = {"email": "sam.lee@example.com"}


def migrate_and_seed(database_url: str) -> None:
    upgrade(database_url)
    asyncio.run(seed_database(database_url))


def backend_settings(database_url: str, **overrides: Any) -> Settings:
    values = {"backend_database_url": database_url, "backend_token": TOKEN, **overrides}
    return replace(Settings(), **values)


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Any
    raw: bytes


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI_PATH.read_text())


def spec_operations() -> set[tuple[str, str]]:
    """(METHOD, full path template) for every operation in openapi.yaml."""
    return {
        (method.upper(), API + path)
        for path, item in spec()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def _template_for(path: str) -> str | None:
    for template in spec()["paths"]:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(API + template))
        if re.fullmatch(pattern, path):
            return template
    return None


def check_against_spec(method: str, path: str, reply: Reply) -> None:
    template = _template_for(path)
    if template is None or reply.status == 401:
        return  # unknown paths and 401s (which precede routing) have no operation to check
    operation = spec()["paths"][template].get(method.lower())
    if operation is None:
        assert reply.status == 405, (method, path, reply.status)
        return
    documented = operation["responses"]
    assert str(reply.status) in documented, f"{method} {template} -> undocumented {reply.status}"
    response = documented[str(reply.status)]
    if "$ref" in response:
        response = spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    json_content = response.get("content", {}).get("application/json")
    if json_content is None:
        return
    resolver = jsonschema.RefResolver.from_schema(spec())
    jsonschema.Draft202012Validator(
        json_content["schema"],
        resolver=resolver,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(reply.body)


class Api:
    """A client with the service token; ``token=None`` sends no Authorization header."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = TOKEN,
        params: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if token is not None:
            sent.setdefault("Authorization", f"Bearer {token}")
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        url = self.base_url + API + path
        async with self.session.request(
            method, url, data=data, headers=sent, params=params
        ) as response:
            raw = await response.read()
            parsed = json.loads(raw) if response.content_type == "application/json" else None
            reply = Reply(response.status, parsed, response.headers, raw)
        check_against_spec(method, API + path, reply)
        return reply

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.call("POST", path, body, **kwargs)

    async def put(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.call("PUT", path, body, **kwargs)


@asynccontextmanager
async def running_backend(settings: Settings) -> AsyncIterator[Api]:
    """The real app served on 127.0.0.1 (a free port) and a client session for it."""
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            yield Api(session, str(server.make_url("")).rstrip("/"))
    finally:
        await server.close()


async def row_counts(database_url: str) -> dict[str, int]:
    """Rows per table, read through a separate engine, to prove what a request stored."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return {
                table.name: await conn.scalar(select(func.count()).select_from(table))
                for table in metadata.sorted_tables
            }
    finally:
        await engine.dispose()


def order_call(identity: dict[str, str] | None = None, conversation: str = "conv-1") -> dict:
    return {"identity": identity or ALEX, "conversation_id": conversation}


def return_request(
    order_id: str = "10003", item: str = "shoes", resolution: str = "refund", **overrides: Any
) -> dict:
    """A valid POST /returns body (Alex returns order 10003's shoes); ``overrides`` replace keys."""
    return {
        **order_call(),
        "order_id": order_id,
        "item": item,
        "reason": "They are half a size too small.",
        "resolution": resolution,
        **overrides,
    }


def ticket_request(**overrides: Any) -> dict:
    """A valid POST /tickets body; ``overrides`` replace keys."""
    return {
        "conversation_id": "conv-7",
        "category": "complaint",
        "summary": "Parcel arrived damaged; customer wants a call back.",
        "transcript": "user: my parcel is crushed\nbot: I am sorry to hear that",
        "customer_id": "C1001",
        "email": "alex.kim@example.com",
        **overrides,
    }
