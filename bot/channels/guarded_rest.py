"""Rasa's REST channel with the checks a public endpoint needs.

Same URL and reply format as Rasa's ``rest`` channel (``POST /webhooks/rest/webhook`` with
``{"sender", "message", "metadata"}``, answered with the bot's messages), but every request is
validated (:mod:`bot.channels.validation`) and rate limited per sender and per client IP before
Rasa sees it; a refused request gets a JSON error and is not stored anywhere. The client IP
(:mod:`bot.channels.client_address`: ``X-Forwarded-For`` only from ``TRUSTED_PROXIES`` or the
widget gateway) is written into the message's metadata under ``client_address``, replacing
whatever the sender put there, so the actions can limit identity guesses per customer address.
Configured in credentials.yml as ``bot.channels.guarded_rest.GuardedRestInput`` (limits optional).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.body_limit import refuse_large_bodies
from bot.channels.client_address import METADATA_KEY, ClientAddressResolver
from bot.channels.rate_limit import TokenBucketLimiter
from bot.channels.validation import InputLimits, InvalidChatRequest, parse_chat_request
from bot.settings import load_settings

logger = logging.getLogger(__name__)

# Said when the assistant produced no reply although the conversation is not paused for a human:
# Rasa logs a failed custom action (action server down, say) and carries on silently.
NO_REPLY_TEXT = (
    "Sorry, something went wrong on my side and I couldn't finish that. Please try again in a "
    "moment, or type 'human' to reach a person."
)

DEFAULTS = {
    "max_body_bytes": 16 * 1024,
    "max_message_chars": 2000,
    "sender_per_minute": 60,
    "sender_burst": 20,
    "ip_per_minute": 600,
    "ip_burst": 200,
}


class GuardedRestInput(RestInput):
    """REST input channel with input validation and per-sender / per-IP rate limits."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GuardedRestInput:
        unknown = set(credentials or {}) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown GuardedRestInput options: {sorted(unknown)}")
        return cls(**{key: int(value) for key, value in (credentials or {}).items()})

    def __init__(self, resolver: ClientAddressResolver | None = None, **options: int) -> None:
        if resolver is None:
            env = load_settings()
            resolver = ClientAddressResolver(env.trusted_proxies, env.rasa_auth_token)
        self.resolver = resolver
        settings = {**DEFAULTS, **options}
        self.limits = InputLimits(
            max_body_bytes=settings["max_body_bytes"],
            max_message_chars=settings["max_message_chars"],
        )
        self.per_sender = TokenBucketLimiter(
            settings["sender_per_minute"], settings["sender_burst"]
        )
        self.per_ip = TokenBucketLimiter(settings["ip_per_minute"], settings["ip_burst"])

    def client_address(self, request: Request) -> str:
        """The client's IP (see :mod:`bot.channels.client_address` for whom we believe)."""
        return self.resolver.resolve(
            request.ip,
            request.headers.get("X-Forwarded-For"),
            request.headers.get("Authorization"),
        )

    @staticmethod
    async def _is_paused(request: Request, sender: str) -> bool:
        tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
        return tracker is not None and tracker.is_paused()

    def _throttled(self, limiter: TokenBucketLimiter, key: str, what: str) -> HTTPResponse:
        retry_after = limiter.retry_after(key)
        logger.warning("rate limit hit for %s", what)
        return response.json(
            {
                "error": "too_many_requests",
                "message": f"Too many messages; please retry in {retry_after}s",
            },
            status=429,
            headers={"Retry-After": str(retry_after)},
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        # The one Sanic app of a Rasa process: every route of it (API and channels) answers
        # oversized bodies with a JSON 413 instead of a reset.
        refuse_large_bodies(Sanic.get_app(), load_settings().rasa_max_body_bytes)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            client_ip = self.client_address(request)
            if not self.per_ip.allow(client_ip):
                return self._throttled(self.per_ip, client_ip, f"ip {client_ip}")
            try:
                chat = parse_chat_request(request.body or b"", self.limits)
            except InvalidChatRequest as error:
                return response.json(error.as_json(), status=error.status)
            if not self.per_sender.allow(chat.sender):
                return self._throttled(self.per_sender, chat.sender, "a sender")

            collector = CollectingOutputChannel()
            metadata = {**(chat.metadata or {}), METADATA_KEY: client_ip}
            message = UserMessage(
                chat.message, collector, chat.sender, input_channel=self.name(),
                metadata=metadata,
            )  # fmt: skip
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("message handling timed out")
            except Exception:
                logger.exception("message handling failed")
                return response.json(
                    {"error": "unavailable", "message": "The assistant could not answer just now"},
                    status=503,
                )
            if not collector.messages and not await self._is_paused(request, chat.sender):
                logger.warning("no reply for a message; telling the customer something went wrong")
                collector.messages.append({"recipient_id": chat.sender, "text": NO_REPLY_TEXT})
            return response.json(collector.messages)

        return webhook
