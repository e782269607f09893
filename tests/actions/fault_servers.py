"""A small aiohttp server standing in for a company's commerce backend that misbehaves.

This is the suite's one permitted stand-in: it simulates the outside system a company plugs in
(its order service, or a proxy in front of it), never our own code. It gives every request the
same configured answer (a 500, a body that is not JSON, the wrong shape, or no answer until the
test ends) and records each request, so tests can prove how often the client really called.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    peer_port: int


class FaultyBackend:
    """Answers ``200 {"status": "ok"}`` until a test picks a fault with one of the methods."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.url = ""  # ".../api/v1" once started
        self._status = 200
        self._body = b'{"status": "ok"}'
        self._stalled = False
        self._arrived = asyncio.Condition()
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def reply_json(self, status: int, body: Any) -> None:
        self.reply_bytes(status, json.dumps(body).encode())

    def reply_bytes(self, status: int, body: bytes) -> None:
        """Any status with any body, labelled ``application/json`` whatever it holds."""
        self._status, self._body, self._stalled = status, body, False

    def stall(self) -> None:
        """Accept requests but answer none of them until the server stops."""
        self._stalled = True

    async def wait_for_requests(self, count: int, timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        async with self._arrived:
            self.requests.append(ReceivedRequest(request.method, request.path, peer[1]))
            self._arrived.notify_all()
        if self._stalled:
            await self._released.wait()
        return web.Response(status=self._status, body=self._body, content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/api/v1"

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()


@asynccontextmanager
async def running_faulty_backend() -> AsyncIterator[FaultyBackend]:
    backend = FaultyBackend()
    await backend.start()
    try:
        yield backend
    finally:
        await backend.stop()
