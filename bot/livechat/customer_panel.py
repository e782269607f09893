"""``GET /api/agent/conversations/{id}/customer``: the customer beside the agent's transcript.

Who the customer is comes only from the conversation's ``customer_id`` slot, which our
``action_session_start`` sets from the shop's signed token (bot/customer_token.py), never from
message metadata: a chat without one answers ``{"verified": false}`` rather than a guess. The
profile, the newest orders and the open tickets come from the commerce backend (``BACKEND_URL``
with ``BACKEND_TOKEN``), asked in parallel within ``PANEL_TIMEOUT_S``: an agent in a live chat
needs a quick "the shop did not answer" (504, or 502 when it is down or answers with an error),
never a spinner that hangs or a 500. Only handed-off conversations have a panel, so agents see
the customers they are helping and nobody else.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from bot.cxlog.events import CUSTOMER_ID_SLOT
from bot.livechat.handoff import HandoffService
from bot.livechat.protocol import SESSION_ID_PATTERN
from bot.livechat.rasa_client import RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)

PANEL_TIMEOUT_S = 3.0
RECENT_ORDERS = 5
RECENT_TICKETS = 20
NOT_VERIFIED = (
    "Not verified: the customer is not signed in to the shop, so nobody knows who they are. "
    "Ask for the order number and email before sharing anything."
)


class BackendFailed(Exception):
    """The backend was unreachable or answered with an error; ``status`` is ours to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ShopBackend:
    """The three reads the panel needs, over the review app's shared HTTP session."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}

    async def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            async with self.session.get(url, headers=self.headers, params=params) as response:
                if response.status != 200:
                    detail = (await response.text())[:200]
                    logger.warning("backend GET %s -> %s: %s", path, response.status, detail)
                    raise BackendFailed(
                        502, f"The shop's backend answered {response.status} to {path}."
                    )
                body = await response.json()
        except (aiohttp.ClientError, ValueError) as error:
            logger.warning("backend GET %s failed: %r", path, error)
            raise BackendFailed(502, "The shop's backend could not be reached.") from error
        if not isinstance(body, dict):
            raise BackendFailed(502, f"The shop's backend sent no object for {path}.")
        return body

    async def customer(self, customer_id: str) -> dict[str, Any]:
        """Profile, newest orders and open tickets; ``BackendFailed`` when any of them fails."""
        base = f"/customers/{quote(customer_id, safe='')}"
        try:
            async with asyncio.timeout(PANEL_TIMEOUT_S):
                profile, orders, tickets = await asyncio.gather(
                    self._get(base),
                    self._get(f"{base}/orders", {"limit": str(RECENT_ORDERS)}),
                    self._get(f"{base}/tickets", {"limit": str(RECENT_TICKETS)}),
                )
        except TimeoutError:
            message = f"The shop's backend did not answer within {PANEL_TIMEOUT_S:g} seconds."
            raise BackendFailed(504, message) from None
        return {
            "customer": profile,
            "orders": orders.get("orders") or [],
            "tickets": [t for t in tickets.get("tickets") or [] if t.get("status") == "open"],
        }


class CustomerPanel:
    def __init__(self, handoff: HandoffService, rasa: RasaClient, backend: ShopBackend) -> None:
        self.handoff = handoff
        self.rasa = rasa
        self.backend = backend

    async def handle(self, conversation: str) -> web.Response:
        if not SESSION_ID_PATTERN.fullmatch(conversation):
            raise web.HTTPNotFound(text="not a widget conversation id")
        if not self.handoff.is_handed_off(conversation):
            raise web.HTTPNotFound(text="That conversation is not handed off.")
        try:
            state = await self.rasa.tracker(conversation, with_events=False)
        except RasaUnavailable:
            logger.exception("could not read a handed-off conversation's tracker")
            raise web.HTTPBadGateway(text="The assistant server did not respond; retry.") from None
        customer_id = (state.get("slots") or {}).get(CUSTOMER_ID_SLOT)
        answer: dict[str, Any] = {"conversation": conversation, "verified": bool(customer_id)}
        if not customer_id:
            return web.json_response({**answer, "message": NOT_VERIFIED})
        answer["customer_id"] = customer_id
        try:
            found = await self.backend.customer(str(customer_id))
        except BackendFailed as failure:
            return web.json_response({**answer, "error": str(failure)}, status=failure.status)
        return web.json_response({**answer, **found})
