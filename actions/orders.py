"""Orders: where is it, cancel it, change where it goes.

Each task is a form (order number, then the email on the order unless the widget verified the
customer) and a last step. Cancelling and changing the address ask "shall I?" first; the change
itself only runs on a yes (rules in data/rules/orders.yml).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.backend_client import Caller
from actions.backend_errors import BackendError, Conflict, NotFound
from actions.base import BackendAction, explain_failure, explain_problem
from actions.conversation import caller
from actions.formatting import day, items_summary
from actions.resume import offer_resume
from actions.validation import (
    OrderFormSubmitAction,
    OrderFormValidator,
    order_snapshot,
    verified_order,
)

MAX_ADDRESS_CHARS = 500
STATUSES = ("processing", "shipped", "delivered", "cancelled")


class ActionOrderDetails(Action):
    """An order number or email sent on its own: ask what to do with it. A message NLU read as
    details without any ("blorp fizzle") was not understood, and is answered as such."""

    def name(self) -> str:
        return "action_order_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not (tracker.latest_message or {}).get("entities"):
            return [FollowupAction("action_not_understood")]
        dispatcher.utter_message(response="utter_order_what_next")
        # A new question: a yes/no still open (cancel this order?) must not take the next "yes".
        return [SlotSet("confirming", None)] if tracker.get_slot("confirming") else []


def say_status(dispatcher: CollectingDispatcher, order: dict[str, Any]) -> None:
    """Status, carrier, tracking link and expected delivery, as far as the backend knows them."""
    values = {
        "number": order["order_id"],
        "carrier": order.get("carrier") or "the carrier",
        "tracking_number": order.get("tracking_number") or "not available yet",
        "tracking_url": order.get("tracking_url") or "",
        "expected": day(order.get("expected_delivery")),
        "delivered": day(order.get("delivered_at")),
    }
    dispatcher.utter_message(response=f"utter_order_{order['status']}", **values)


def say_not_cancellable(dispatcher: CollectingDispatcher, order: dict[str, Any]) -> list[Any]:
    """Why an order that left the warehouse cannot be cancelled, and what to do instead."""
    number = order["order_id"]
    if order["status"] == "cancelled":
        dispatcher.utter_message(response="utter_already_cancelled", number=number)
        return []
    if order["status"] == "delivered":
        dispatcher.utter_message(
            response="utter_cannot_cancel_delivered",
            number=number,
            delivered=day(order.get("delivered_at")),
        )
        return [SlotSet("confirming", "return_instead")]
    dispatcher.utter_message(
        response="utter_cannot_cancel_shipped",
        number=number,
        carrier=order.get("carrier") or "the carrier",
        tracking_url=order.get("tracking_url") or "",
    )
    return []


def say_address_locked(dispatcher: CollectingDispatcher, order: dict[str, Any]) -> None:
    if order["status"] == "shipped" and order.get("tracking_url"):
        dispatcher.utter_message(
            response="utter_address_locked_shipped",
            number=order["order_id"],
            carrier=order.get("carrier") or "The carrier",
            tracking_url=order["tracking_url"],
        )
    else:
        dispatcher.utter_message(
            response="utter_address_locked", number=order["order_id"], status=order["status"]
        )


# --- where is my order ------------------------------------------------------------------------


class ValidateTrackOrderForm(OrderFormValidator):
    delivery_problems_elsewhere = True

    def name(self) -> str:
        return "validate_track_order_form"


class ActionTrackOrder(OrderFormSubmitAction):
    def name(self) -> str:
        return "action_track_order"

    async def submit_order(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: dict[str, Any]
    ) -> list[EventType]:
        if order["status"] not in STATUSES:  # never guess a status
            return explain_problem(dispatcher, {"code": "backend_unavailable"})
        say_status(dispatcher, order)
        return [SlotSet("confirming", None), SlotSet("task_succeeded", True)]


# --- cancel -----------------------------------------------------------------------------------


class ValidateCancelOrderForm(OrderFormValidator):
    def name(self) -> str:
        return "validate_cancel_order_form"


class ActionConfirmCancel(OrderFormSubmitAction):
    """Only a ``processing`` order can be cancelled: ask first, or explain why not."""

    def name(self) -> str:
        return "action_confirm_cancel"

    async def submit_order(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: dict[str, Any]
    ) -> list[EventType]:
        if order["status"] != "processing":
            return [SlotSet("confirming", None), *say_not_cancellable(dispatcher, order)]
        dispatcher.utter_message(
            response="utter_confirm_cancel",
            number=order["order_id"],
            items=items_summary(order["items"]),
        )
        return [SlotSet("confirming", "cancel_order")]


class OrderChangeAction(BackendAction, ABC):
    """A change the customer said yes to; the backend checks again that it is still allowed.

    The question is answered either way (``confirming`` and ``slots`` are cleared); a refusal
    (409) is explained with the status the order has now, without offering anything new.
    """

    slots: tuple[str, ...] = ()
    """Slots the change needs besides the order and the identity."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SlotSet("confirming", None)]
        events += [SlotSet(slot, None) for slot in self.slots]
        number, who = tracker.get_slot("order_id"), caller(tracker)
        if not number or who is None or not all(tracker.get_slot(slot) for slot in self.slots):
            return events + explain_problem(dispatcher, {"code": "backend_unavailable"})
        try:
            order = await self.change(tracker, number, who)
        except Conflict as error:
            known = verified_order(tracker) or {"order_id": number}
            self.say_refused(dispatcher, {**known, "status": self.status_now(error)})
            return events
        except NotFound:
            dispatcher.utter_message(response="utter_order_not_found")
            return events + [SlotSet("order_id", None), SlotSet("verified_order", None)]
        except BackendError as error:
            return events + explain_failure(dispatcher, error, changing=True)
        self.say_done(dispatcher, number, order)
        return (
            events
            + [SlotSet("verified_order", order_snapshot(order)), SlotSet("task_succeeded", True)]
            + offer_resume(dispatcher, tracker, [])
        )

    @abstractmethod
    async def change(self, tracker: Tracker, number: str, who: Caller) -> dict[str, Any]:
        """Make the change in the backend; the changed order."""

    @abstractmethod
    def status_now(self, error: Conflict) -> str:
        """The order's status, from the backend's refusal."""

    @abstractmethod
    def say_refused(self, dispatcher: CollectingDispatcher, order: dict[str, Any]) -> None:
        """Why the change cannot be made, for the order as it is now."""

    @abstractmethod
    def say_done(
        self, dispatcher: CollectingDispatcher, number: str, order: dict[str, Any]
    ) -> None:
        """Confirm the change to order ``number``; ``order`` is the changed order."""


class ActionCancelOrder(OrderChangeAction):
    """The customer said yes: cancel in the backend, which re-checks that it has not shipped."""

    def name(self) -> str:
        return "action_cancel_order"

    async def change(self, tracker: Tracker, number: str, who: Caller) -> dict[str, Any]:
        return await self.backend.cancel_order(number, who)

    def status_now(self, error: Conflict) -> str:
        return "cancelled" if error.details.get("status") == "cancelled" else "shipped"

    def say_refused(self, dispatcher: CollectingDispatcher, order: dict[str, Any]) -> None:
        say_not_cancellable(dispatcher, order)

    def say_done(
        self, dispatcher: CollectingDispatcher, number: str, order: dict[str, Any]
    ) -> None:
        dispatcher.utter_message(response="utter_order_cancelled_now", number=number)


# --- change the delivery address --------------------------------------------------------------


class ValidateAddressForm(OrderFormValidator):
    def name(self) -> str:
        return "validate_address_form"

    def order_problem(self, order: dict[str, Any]) -> dict[str, Any] | None:
        return None if order["status"] == "processing" else {"code": "address_locked"}

    def validate_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        address = answers.free_text(whole_address(tracker, value), MAX_ADDRESS_CHARS)
        if address is None or len(address) < 8 or len(address.split()) < 2:
            dispatcher.utter_message(response="utter_invalid_address")
            return {"address": None}
        return {"address": address}


def whole_address(tracker: Tracker, value: Any) -> Any:
    """The entity extractor often tags an address in pieces ("9 Lake View Drive", "Austin",
    "TX 78702") and the slot keeps the last one; the address is the message's text from the
    first piece to the last."""
    message = tracker.latest_message or {}
    pieces = [e for e in message.get("entities") or [] if e.get("entity") == "address"]
    text = message.get("text") or ""
    placed = all(isinstance(e.get("start"), int) and isinstance(e.get("end"), int) for e in pieces)
    if len(pieces) < 2 or not placed:
        return value
    return text[min(e["start"] for e in pieces) : max(e["end"] for e in pieces)]


class ActionConfirmAddress(OrderFormSubmitAction):
    """Reads the new address back before anything changes."""

    def name(self) -> str:
        return "action_confirm_address"

    def explain(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, problem: dict[str, Any]
    ) -> list[EventType]:
        order = verified_order(tracker)
        if problem.get("code") == "address_locked" and order:
            say_address_locked(dispatcher, order)
            return [SlotSet("confirming", None), SlotSet("address", None)]
        return super().explain(dispatcher, tracker, problem)

    async def submit_order(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_confirm_address",
            number=order["order_id"],
            address=tracker.get_slot("address"),
        )
        return [SlotSet("confirming", "change_address")]


class ActionChangeAddress(OrderChangeAction):
    slots = ("address",)

    def name(self) -> str:
        return "action_change_address"

    async def change(self, tracker: Tracker, number: str, who: Caller) -> dict[str, Any]:
        return await self.backend.change_shipping_address(number, who, tracker.get_slot("address"))

    def status_now(self, error: Conflict) -> str:
        return error.details.get("status") or "shipped"

    def say_refused(self, dispatcher: CollectingDispatcher, order: dict[str, Any]) -> None:
        say_address_locked(dispatcher, order)

    def say_done(
        self, dispatcher: CollectingDispatcher, number: str, order: dict[str, Any]
    ) -> None:
        dispatcher.utter_message(
            response="utter_address_changed", number=number, address=order["shipping_address"]
        )
