"""The widget's websocket (``GET /widget/ws``): relays customers to Rasa and agents to customers.

Why a gateway in the review app rather than Rasa's own socket.io channel: Rasa 3.6's socket.io
works only over long-polling here (its websocket transport fails on Sanic 21.12), and agent
replies must reach the customer within a second from the process where agents work. So the
browser keeps one plain websocket to this app; customer turns go to Rasa's (guarded) REST
channel, history comes from Rasa's tracker, and agent messages are pushed the moment they are
sent. Rasa's HTTP API stays private to the server side.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from bot.channels.rate_limit import TokenBucketLimiter
from bot.customer_token import verify_customer_token
from bot.cxlog.events import CHANNEL_METADATA_KEY, PAGE_METADATA_KEY, WIDGET_CHANNEL
from bot.livechat.connections import SocketGroups
from bot.livechat.handoff import HandoffService
from bot.livechat.messages import bot_message, button_title, customer_message, transcript
from bot.livechat.protocol import (
    MAX_FRAME_BYTES,
    BadFrame,
    ChatText,
    Hello,
    new_session_id,
    parse_frame,
)
from bot.livechat.rasa_client import RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)

UNAVAILABLE_TEXT = "The assistant can't answer just now. Please try again in a moment."


@dataclass
class WidgetConnection:
    sender_id: str
    customer_token: str | None
    customer_id: str | None
    client_ip: str
    page: str | None = None

    def metadata(self) -> dict[str, Any]:
        """What Rasa gets with each turn: the token (for our actions to verify) and, for the CX
        log, that this turn came through the widget and from which page."""
        metadata: dict[str, Any] = {CHANNEL_METADATA_KEY: WIDGET_CHANNEL}
        if self.page:
            metadata[PAGE_METADATA_KEY] = self.page
        if self.customer_id:
            metadata["customer_token"] = self.customer_token
        return metadata


def _offered_buttons(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Buttons the customer may click now: those of the bot's latest messages."""
    for message in reversed(messages):
        if message["from"] == "customer":
            return []
        if message["buttons"]:
            return message["buttons"]
    return []


class WidgetGateway:
    def __init__(
        self,
        rasa: RasaClient,
        customers: SocketGroups,
        handoff: HandoffService,
        token_secret: str,
        allowed_origins: tuple[str, ...],
        connects_per_minute: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rasa = rasa
        self.customers = customers
        self.handoff = handoff
        self.token_secret = token_secret
        self.allowed_origins = allowed_origins
        self.clock = clock
        self.connects_per_ip = TokenBucketLimiter(
            connects_per_minute, burst=max(1, connects_per_minute // 2)
        )
        self.messages_per_session = TokenBucketLimiter(per_minute=30, burst=10)
        self.offered: dict[str, list[dict[str, str]]] = {}

    def _origin_allowed(self, origin: str | None) -> bool:
        # Browsers always send Origin on websockets; other clients could fake it anyway.
        return "*" in self.allowed_origins or origin is None or origin in self.allowed_origins

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        if not self._origin_allowed(request.headers.get("Origin")):
            raise web.HTTPForbidden(text="this site may not embed the widget")
        client_ip = request.remote or "unknown"
        if not self.connects_per_ip.allow(client_ip):
            raise web.HTTPTooManyRequests(text="too many connections; retry in a minute")
        socket = web.WebSocketResponse(heartbeat=25, max_msg_size=MAX_FRAME_BYTES)
        await socket.prepare(request)
        connection: WidgetConnection | None = None
        try:
            async for frame in socket:
                if frame.type != WSMsgType.TEXT:
                    break
                try:
                    connection = await self._on_frame(socket, connection, frame.data, client_ip)
                except BadFrame as error:
                    await socket.send_json(
                        {"type": "error", "code": error.code, "message": error.message}
                    )
        finally:
            if connection is not None:
                self.customers.remove(connection.sender_id, socket)
                if not self.customers.is_online(connection.sender_id):
                    self.offered.pop(connection.sender_id, None)
                await self.handoff.customer_presence_changed(connection.sender_id)
        return socket

    async def _on_frame(
        self,
        socket: web.WebSocketResponse,
        connection: WidgetConnection | None,
        raw: str,
        client_ip: str,
    ) -> WidgetConnection:
        frame = parse_frame(raw)
        if isinstance(frame, Hello):
            if connection is not None:
                raise BadFrame("already_started", "send hello once per connection")
            return await self._hello(socket, frame, client_ip)
        if connection is None:
            raise BadFrame("hello_first", "send hello before messages")
        assert isinstance(frame, ChatText)
        await self._message(connection, frame.text)
        return connection

    async def _hello(
        self, socket: web.WebSocketResponse, hello: Hello, client_ip: str
    ) -> WidgetConnection:
        customer_id = verify_customer_token(hello.customer_token, self.token_secret)
        connection = WidgetConnection(
            sender_id=hello.session_id or new_session_id(),
            customer_token=hello.customer_token if customer_id else None,
            customer_id=customer_id,
            client_ip=client_ip,
            page=hello.page,
        )
        history: list[dict[str, Any]] = []
        if hello.session_id:
            try:
                state = await self.rasa.tracker(connection.sender_id)
                history = transcript(state.get("events") or [])
                await self.handoff.restore(connection.sender_id, customer_id, state)
            except RasaUnavailable:
                logger.exception("could not load a widget conversation's history")
                await socket.send_json(
                    {"type": "error", "code": "unavailable", "message": UNAVAILABLE_TEXT}
                )
        self.offered[connection.sender_id] = _offered_buttons(history)
        self.customers.add(connection.sender_id, socket)
        await socket.send_json(
            {
                "type": "session",
                "session_id": connection.sender_id,
                "customer_recognised": customer_id is not None,
            }
        )
        await socket.send_json(
            {
                "type": "history",
                "messages": history,
                "handoff": self.handoff.state_for(connection.sender_id),
            }
        )
        await self.handoff.customer_presence_changed(connection.sender_id)
        return connection

    def _rasa_text(self, sender_id: str, text: str) -> tuple[str, str]:
        """What Rasa receives and what the customer sees, for typed text or a clicked button.

        Typed text never reaches Rasa as a ``/intent`` command: only the payloads of buttons
        the bot offered may start with a slash.
        """
        title = button_title(text, self.offered.get(sender_id, []))
        if title is not None:
            return text, title
        typed = text.lstrip("/").strip()
        if not typed:
            raise BadFrame("empty_message", "text must not be empty")
        return typed, typed

    async def _message(self, connection: WidgetConnection, text: str) -> None:
        sender_id = connection.sender_id
        if not self.messages_per_session.allow(sender_id):
            raise BadFrame("too_many_messages", "You're sending messages too fast; wait a moment.")
        rasa_text, shown = self._rasa_text(sender_id, text)
        message = customer_message(shown, self.clock())
        await self.customers.send(sender_id, {"type": "message", "message": message})
        # Words to an agent reach Rasa before the agent can end the handoff (service.py).
        async with self.handoff.customer_turn(sender_id, message) as with_agent:
            metadata = {**connection.metadata(), "live_chat": self.handoff.live_chat()}
            if not with_agent:
                await self.customers.send(sender_id, {"type": "typing", "on": True})
            try:
                replies = await self.rasa.send_message(
                    sender_id, rasa_text, metadata, connection.client_ip
                )
                state = await self.rasa.tracker(sender_id, with_events=False)
            except RasaUnavailable:
                logger.exception("Rasa did not take a widget message")
                await self.customers.send(sender_id, {"type": "typing", "on": False})
                error = {"type": "error", "code": "unavailable", "message": UNAVAILABLE_TEXT}
                await self.customers.send(sender_id, error)
                return
        answers = [m for m in (bot_message(r, self.clock()) for r in replies) if m is not None]
        for answer in answers:
            await self.customers.send(sender_id, {"type": "message", "message": answer})
        if not with_agent:
            await self.customers.send(sender_id, {"type": "typing", "on": False})
        self.offered[sender_id] = _offered_buttons([message, *answers])
        if state.get("paused"):
            await self.handoff.conversation_paused(sender_id, connection.customer_id, state)
        elif with_agent:
            await self.handoff.bot_resumed(sender_id)
