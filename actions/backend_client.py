"""The action server's one client for the commerce backend (contract: docs/backend-api.md).

Usage: every method is a coroutine returning the contract's shapes as plain dicts (Customer,
Order, Return, Ticket; ``recent_orders`` and ``list_returns`` return lists of them); the errors
to catch are in ``actions.backend_errors``:

    try:
        order = await get_client().lookup_order(order_id, caller(tracker))  # conversation.caller
    except NotFound: ...  # unknown order or wrong email, indistinguishable on purpose
    except TooManyAttempts as error: ...  # error.retry_after seconds; offer a human
    except Conflict as error: ...  # error.code "not_cancellable", error.details["status"]
    except BackendError: ...  # down/slow/5xx/garbage: apologise, offer a human or a ticket
Never retry yourself (the client retries what is safe); never invent data after an error.

Why it looks like this: one ``aiohttp.ClientSession`` per process keeps connections alive between
turns; every attempt has a connect and a read timeout so a hung backend cannot hang the chat;
only calls without side effects are retried (a retried cancel or return could happen twice); and
a circuit breaker makes customers hear "the system is down" at once instead of each waiting
through timeouts while the backend is down.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import aiohttp
from sanic import Sanic
from sanic.exceptions import SanicException

from actions.backend_errors import BackendProtocolError, BackendUnavailable, InvalidRequest
from actions.backend_replies import (
    CUSTOMER_KEYS,
    ORDER_KEYS,
    RETURN_KEYS,
    STATUS_KEYS,
    TICKET_KEYS,
    interpret,
    listed,
    shaped,
)
from actions.circuit_breaker import CircuitBreaker
from actions.settings import ActionSettings, get_settings

log = logging.getLogger(__name__)

T = TypeVar("T")

Identity = dict[str, str]
"""``{"email": ...}`` (anonymous chat) or ``{"customer_id": ...}`` (verified by the widget)."""


@dataclass(frozen=True)
class Caller:
    """Who makes an order call: the identity the backend checks against the order, the
    conversation, and the customer's IP address (it lets the backend limit guesses per customer
    rather than per conversation)."""

    identity: Identity
    conversation_id: str
    client_address: str | None = None

    def body(self) -> dict[str, Any]:
        """The identity-checked part of an order call's body."""
        body: dict[str, Any] = {"identity": self.identity, "conversation_id": self.conversation_id}
        if self.client_address is not None:
            body["client_address"] = self.client_address
        return body


class BackendClient:
    """One per process (:func:`get_client`): one connection pool, one circuit breaker."""

    def __init__(self, settings: ActionSettings) -> None:
        self._settings = settings
        self._base_url = settings.backend_url.rstrip("/")
        self._breaker = CircuitBreaker(
            settings.backend_circuit_threshold, settings.backend_circuit_cooldown_s
        )
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None

    # --- the contract's calls -------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        """``{"status": "ok"}``; ``BackendUnavailable`` when the backend or its database is down."""
        return await self._call("GET", "/health", idempotent=True, shape=shaped(STATUS_KEYS))

    async def get_customer(self, customer_id: str) -> dict[str, Any]:
        """Customer; ``NotFound`` (``customer_not_found``) for an unknown id."""
        path = f"/customers/{_segment('customer_id', customer_id)}"
        return await self._call("GET", path, idempotent=True, shape=shaped(CUSTOMER_KEYS))

    async def recent_orders(self, customer_id: str, limit: int = 10) -> list[dict[str, Any]]:
        """The customer's orders, newest first (``limit`` 1-50)."""
        path = f"/customers/{_segment('customer_id', customer_id)}/orders"
        return await self._call(
            "GET",
            path,
            idempotent=True,
            params={"limit": str(limit)},
            shape=listed("orders", ORDER_KEYS),
        )

    async def lookup_order(self, order_id: str, caller: Caller) -> dict[str, Any]:
        """Order; ``NotFound`` for an unknown order or wrong identity; ``TooManyAttempts`` once
        the order or the caller's ``client_address`` (the customer's IP) failed too often."""
        # POST only so the identity stays out of URLs and logs; it changes nothing: retry is safe.
        return await self._on_order("POST", order_id, "lookup", caller.body(), idempotent=True)

    async def cancel_order(self, order_id: str, caller: Caller) -> dict[str, Any]:
        """The cancelled Order; ``Conflict`` (``not_cancellable``, ``details["status"]``)."""
        return await self._on_order("POST", order_id, "cancel", caller.body(), idempotent=False)

    async def change_shipping_address(
        self, order_id: str, caller: Caller, address: str
    ) -> dict[str, Any]:
        """The updated Order; ``Conflict`` (``address_locked``) once it has shipped."""
        body = {**caller.body(), "address": address}
        # PUT sets the address; sending it twice leaves the same result: retry is safe.
        return await self._on_order("PUT", order_id, "shipping-address", body, idempotent=True)

    async def create_return(
        self,
        order_id: str,
        caller: Caller,
        item: str,
        reason: str,
        resolution: Literal["refund", "exchange"],
    ) -> dict[str, Any]:
        """The new Return (with its ``rma``); ``Conflict`` for ``return_window_expired``,
        ``not_delivered``, ``item_ambiguous`` (``details["items"]``), ``already_returned``;
        ``NotFound`` for ``order_not_found`` or ``item_not_found`` (``details["items"]``)."""
        body = {
            **caller.body(),
            "order_id": order_id,
            "item": item,
            "reason": reason,
            "resolution": resolution,
        }
        return await self._call(
            "POST", "/returns", idempotent=False, body=body, shape=shaped(RETURN_KEYS)
        )

    async def list_returns(self, order_id: str) -> list[dict[str, Any]]:
        """The order's Returns, oldest first (empty when it has none)."""
        return await self._call(
            "GET",
            "/returns",
            idempotent=True,
            params={"order_id": order_id},
            shape=listed("returns", RETURN_KEYS),
        )

    async def get_return(self, rma: str) -> dict[str, Any]:
        """Return; ``NotFound`` (``return_not_found``)."""
        path = f"/returns/{_segment('rma', rma)}"
        return await self._call("GET", path, idempotent=True, shape=shaped(RETURN_KEYS))

    async def create_ticket(
        self,
        conversation_id: str,
        category: str,
        summary: str,
        transcript: str,
        customer_id: str | None = None,
        email: str | None = None,
    ) -> dict[str, Any]:
        """The new Ticket (``ticket_id``, ``follow_up_due``) for a human to follow up."""
        body: dict[str, Any] = {
            "conversation_id": conversation_id,
            "category": category,
            "summary": summary,
            "transcript": transcript,
        }
        if customer_id is not None:
            body["customer_id"] = customer_id
        if email is not None:
            body["email"] = email
        return await self._call(
            "POST", "/tickets", idempotent=False, body=body, shape=shaped(TICKET_KEYS)
        )

    async def request_password_reset(self, email: str, conversation_id: str) -> dict[str, Any]:
        """``{"status": "sent_if_account_exists"}`` whether or not the account exists."""
        body = {"email": email, "conversation_id": conversation_id}
        # Not retried: each request may send the customer another email.
        return await self._call(
            "POST", "/password-resets", idempotent=False, body=body, shape=shaped(STATUS_KEYS)
        )

    async def close(self) -> None:
        """Close the connection pool (the action server does it at shutdown)."""
        session, self._session = self._session, None
        if session is not None and self._session_loop is asyncio.get_running_loop():
            await session.close()

    # --- transport ------------------------------------------------------------------------

    async def _on_order(
        self, method: str, order_id: str, action: str, body: dict[str, Any], *, idempotent: bool
    ) -> dict[str, Any]:
        """A call on ``/orders/{order_id}/{action}`` that answers with the Order."""
        path = f"/orders/{_segment('order_id', order_id)}/{action}"
        return await self._call(
            method, path, idempotent=idempotent, body=body, shape=shaped(ORDER_KEYS)
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        shape: Callable[[Any], T],
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> T:
        """One logical call. ``idempotent`` must be stated by every caller: only calls that
        change nothing (or set the same state again) may be sent twice."""
        retries_left = self._settings.backend_retries if idempotent else 0
        attempt = 1
        while True:
            try:
                with self._breaker.guard():
                    return shape(await self._attempt(method, path, body, params))
            except BackendUnavailable as error:
                if error.reason == "circuit_open":
                    raise  # logged once when the circuit opened
                log.warning("backend %s %s failed: %s (%s)", method, path, error, error.reason)
                if retries_left == 0:
                    raise
                await asyncio.sleep(self._backoff_s(attempt))
                retries_left -= 1
                attempt += 1
            except BackendProtocolError as error:
                log.warning("backend %s %s broke the contract: %s", method, path, error)
                raise

    def _backoff_s(self, attempt: int) -> float:
        """Exponential, with jitter so action servers that failed together retry apart."""
        jitter = random.uniform(0.5, 1.0)  # noqa: S311 (spreading retries, not a secret)
        return self._settings.backend_retry_backoff_s * 2 ** (attempt - 1) * jitter

    async def _attempt(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        params: dict[str, str] | None,
    ) -> Any:
        try:
            async with self._session_here().request(
                method, self._base_url + path, json=body, params=params, allow_redirects=False
            ) as response:
                raw = await response.read()
                status, retry_after = response.status, response.headers.get("Retry-After")
        except TimeoutError as exc:
            budget = (
                self._settings.backend_connect_timeout_s + self._settings.backend_read_timeout_s
            )
            raise BackendUnavailable("timeout", f"no answer within {budget:g} s") from exc
        except aiohttp.ClientError as exc:
            raise BackendUnavailable("unreachable", f"{type(exc).__name__}: {exc}") from exc
        return interpret(status, raw, retry_after)

    def _session_here(self) -> aiohttp.ClientSession:
        """The shared session, made inside the running loop (aiohttp ties it to that loop)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            connect = self._settings.backend_connect_timeout_s
            read = self._settings.backend_read_timeout_s
            self._session = aiohttp.ClientSession(
                headers={
                    "Authorization": f"Bearer {self._settings.backend_token}",
                    "Accept": "application/json",
                },
                timeout=aiohttp.ClientTimeout(
                    total=connect + read, sock_connect=connect, sock_read=read
                ),
            )
            self._session_loop = loop
        return self._session


def _segment(name: str, value: str) -> str:
    """Quote a value into one path segment, so customer text cannot reach another endpoint."""
    if value.strip(".") == "":
        problem = "must not be empty or only dots"
        raise InvalidRequest(
            f"{name} {problem}", code="invalid_request", details={"fields": {name: problem}}
        )
    return quote(value, safe="")


@cache
def get_client() -> BackendClient:
    """The process's one client, configured from the environment on first use."""
    return BackendClient(get_settings())


async def _close_shared_client(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
    await get_client().close()
    log.info("backend client closed")


def _close_when_action_server_stops() -> None:
    """rasa_sdk builds its Sanic app before it imports the actions and offers no shutdown hook
    of its own, so the client registers itself on that app to close its pool at shutdown."""
    try:
        app = Sanic.get_app("rasa_sdk")
    except SanicException:
        return  # imported outside the action server (tests, scripts): the caller closes
    app.register_listener(_close_shared_client, "after_server_stop")


_close_when_action_server_stops()
