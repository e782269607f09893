"""Who the customer is, and a greeting that uses it.

A shop's website may tell the assistant who its logged-in customer is. ``identify_customer`` is
the one place that decides whether to believe it: today that is the widget's signed
``customer_token`` (HMAC with ``WIDGET_TOKEN_SECRET``, see bot/customer_token.py). A bare
``customer_id`` in the metadata is ignored on purpose: anyone can post one to the REST channel,
and it would skip the email check that protects order details. A believed id is then confirmed
with the backend, and only a customer the backend knows is greeted by name.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.backend_errors import BackendError, NotFound
from actions.base import BackendAction
from actions.formatting import items_summary
from actions.settings import get_settings
from bot.customer_token import verify_customer_token

log = logging.getLogger(__name__)


def identify_customer(metadata: Any, token_secret: str) -> str | None:
    """The customer id the session's metadata proves, or ``None`` (treated as anonymous)."""
    if not isinstance(metadata, dict):
        return None
    if "customer_id" in metadata:
        log.warning("ignored an unsigned customer_id in the session metadata (send customer_token)")
    return verify_customer_token(metadata.get("customer_token"), token_secret)


class ActionSessionStart(BackendAction):
    def __init__(
        self, client: BackendClient | None = None, token_secret: str | None = None
    ) -> None:
        super().__init__(client)
        self._token_secret = token_secret

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        secret = self._token_secret
        if secret is None:
            secret = get_settings().widget_token_secret
        customer_id = identify_customer(tracker.get_slot("session_started_metadata"), secret)
        customer = await self._known_customer(customer_id) if customer_id else None
        events: list[EventType] = [SessionStarted()]
        if customer:
            events += [
                # Only the verified id is kept for reports; the token itself is not repeated.
                SlotSet("session_started_metadata", {"customer_id": customer["customer_id"]}),
                SlotSet("customer_id", customer["customer_id"]),
                SlotSet("customer_first_name", customer["first_name"]),
                SlotSet("customer_email", customer["email"]),
            ]
        return [*events, ActionExecuted("action_listen")]

    async def _known_customer(self, customer_id: str) -> dict[str, Any] | None:
        try:
            return await self.backend.get_customer(customer_id)
        except NotFound:
            log.warning("a valid token named customer %s, unknown to the backend", customer_id)
        except BackendError as error:
            log.warning("could not check customer %s: %s", customer_id, error)
        return None  # the chat goes on as an anonymous one


class ActionGreet(BackendAction):
    """Anonymous: the usual hello. Known customer: their name, and their latest order offered."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        first_name, customer_id = (
            tracker.get_slot("customer_first_name"),
            tracker.get_slot("customer_id"),
        )
        if not first_name or not customer_id:
            dispatcher.utter_message(response="utter_greet")
            return [SlotSet("confirming", None)]
        dispatcher.utter_message(response="utter_greet_customer", first_name=first_name)
        try:
            orders = await self.backend.recent_orders(customer_id, limit=1)
        except BackendError as error:
            log.warning("no recent order to offer: %s", error)
            orders = []
        if not orders:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return [SlotSet("confirming", None)]
        latest = orders[0]
        dispatcher.utter_message(
            response="utter_offer_recent_order",
            number=latest["order_id"],
            summary=f"{items_summary(latest['items'])}, {latest['status']}",
        )
        return [
            SlotSet("recent_order_id", latest["order_id"]),
            SlotSet("confirming", "recent_order"),
        ]


class ActionUseRecentOrder(Action):
    """The customer confirmed the offered order: track it without asking for its number."""

    def name(self) -> str:
        return "action_use_recent_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [
            SlotSet("order_id", tracker.get_slot("recent_order_id")),
            SlotSet("confirming", None),
        ]
