"""Oversized request bodies get a 413 with a JSON error, never a connection reset.

Sanic 21.12 raises "payload too large" while reading a body over ``REQUEST_MAX_SIZE`` and then
closes the socket with the rest of the upload unread, so the client sees a reset instead of the
answer. Here the limit is checked before the body is read (Content-Length) or while reading it
(chunked), the 413 goes out, and Sanic reads the remainder and throws it away, because its own
ceiling is lifted. Nothing over the limit is ever buffered. Used by the action server and, through
the REST channel, by Rasa (both are Sanic apps), so it lives beside the action server that cannot
import ``bot``.
"""

from __future__ import annotations

from typing import Any

from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse


def refuse_large_bodies(app: Sanic, limit: int) -> None:
    """Answer bodies over ``limit`` bytes with a JSON 413 on every route of ``app``."""
    # Sanic's own ceiling now only bounds what it discards after the answer: unlimited.
    app.config.REQUEST_MAX_SIZE = float("inf")

    @app.signal("http.routing.after")
    async def check_body_size(request: Request, **_: Any) -> None:
        stream = request.stream
        if stream is None or not stream.request_body:
            return
        declared = request.headers.get("content-length")
        if declared is not None:
            if int(declared) > limit:
                raise PayloadTooLarge(f"the request body is over {limit} bytes")
            return
        # Chunked: keep at most `limit` bytes, read the rest to answer cleanly.
        body, total = bytearray(), 0
        async for chunk in stream:
            total += len(chunk)
            if total <= limit:
                body += chunk
        if total > limit:
            raise PayloadTooLarge(f"the request body is over {limit} bytes")
        request.body = bytes(body)

    @app.exception(PayloadTooLarge)
    async def too_large(_: Request, error: PayloadTooLarge) -> HTTPResponse:
        return response.json(
            {"error": "payload_too_large", "message": str(error), "max_bytes": limit}, status=413
        )
