"""Returns and refunds.

The return form asks for the order (and its email), the item, the reason and refund-or-exchange;
the backend then checks the 30-day window and books the return. Refund status works from an RMA
number (a secret only the customer has) or from an order number after the identity check.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.backend import BackendError, Conflict, NotFound
from actions.base import (
    BackendAction,
    FormSubmitAction,
    explain_failure,
    explain_problem,
    offer_handoff,
)
from actions.conversation import client_address, conversation_id, identity
from actions.formatting import amount, day, item_names, one_of
from actions.validation import OrderFormValidator, verified_order

MAX_ITEM_CHARS = 200
MAX_REASON_CHARS = 1000
MAX_REFUNDS_LISTED = 5
RETURN_SLOTS = ("item", "return_reason", "resolution")


def say_not_returnable(dispatcher: CollectingDispatcher, number: str, status: str) -> None:
    """Only delivered orders can be returned; say what the order's status means instead."""
    response = f"utter_return_not_delivered_{status}"
    if status not in ("processing", "shipped", "cancelled"):
        response = "utter_return_not_delivered_shipped"
    dispatcher.utter_message(response=response, number=number)


def say_items(
    dispatcher: CollectingDispatcher, response: str, number: str, names: list[str]
) -> None:
    buttons = [{"title": name, "payload": name} for name in names]
    dispatcher.utter_message(response=response, number=number, items=one_of(names), buttons=buttons)


class ValidateReturnForm(OrderFormValidator):
    def name(self) -> str:
        return "validate_return_form"

    def order_problem(self, order: dict[str, Any]) -> dict[str, Any] | None:
        return None if order["status"] == "delivered" else {"code": "not_delivered"}

    def validate_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"item": answers.free_text(value, MAX_ITEM_CHARS)}

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = answers.free_text(value, MAX_REASON_CHARS)
        if reason is None or len(reason) < 2:
            dispatcher.utter_message(response="utter_invalid_return_reason")
            return {"return_reason": None}
        return {"return_reason": reason}

    def validate_resolution(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        choice = answers.resolution(value)
        if choice is None:
            dispatcher.utter_message(response="utter_invalid_resolution")
        return {"resolution": choice}

    def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[Any]:
        """Turn "the shoes" into the order's item name once the order is known."""
        order, wanted = verified_order(tracker), tracker.get_slot("item")
        if order is None or not wanted or wanted in item_names(order["items"]):
            return []
        matches = answers.matching_items(wanted, order["items"])
        if len(matches) == 1:
            return [SlotSet("item", matches[0])]
        if matches:
            say_items(dispatcher, "utter_ambiguous_item", order["order_id"], matches)
        else:
            names = item_names(order["items"])
            say_items(dispatcher, "utter_invalid_item", order["order_id"], names)
        return [SlotSet("item", None)]


class ActionCreateReturn(FormSubmitAction):
    def name(self) -> str:
        return "action_create_return"

    def explain(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, problem: dict[str, Any]
    ) -> list[EventType]:
        order = verified_order(tracker)
        if problem.get("code") == "not_delivered" and order:
            say_not_returnable(dispatcher, order["order_id"], order["status"])
            return self._clear()
        return super().explain(dispatcher, tracker, problem) + self._clear()

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number, who = tracker.get_slot("order_id"), identity(tracker)
        item = tracker.get_slot("item")
        if who is None or verified_order(tracker) is None:
            return explain_problem(dispatcher, {"code": "backend_unavailable"}) + self._clear()
        try:
            created = await self.backend.create_return(
                number,
                who,
                conversation_id(tracker),
                item,
                tracker.get_slot("return_reason"),
                tracker.get_slot("resolution"),
                client_address=client_address(tracker),
            )
        except Conflict as error:
            return self._refused(dispatcher, tracker, error) + self._clear()
        except NotFound as error:
            if error.code == "item_not_found":
                names = error.details.get("items") or []
                say_items(dispatcher, "utter_invalid_item", number, names)
            else:
                dispatcher.utter_message(response="utter_order_not_found")
            return self._clear()
        except BackendError as error:
            return explain_failure(dispatcher, error, changing=True) + self._clear()
        self._say_booked(dispatcher, created)
        return [SlotSet("task_succeeded", True), SlotSet("confirming", None), *self._clear()]

    @staticmethod
    def _say_booked(dispatcher: CollectingDispatcher, created: dict[str, Any]) -> None:
        values = {
            "rma": created["rma"],
            "dropoff": created["dropoff_instructions"],
            "label_url": created["label_url"],
        }
        if created["resolution"] == "refund":
            dispatcher.utter_message(
                response="utter_return_created_refund",
                amount=amount(created.get("refund_amount")),
                refund_eta=day(created.get("refund_eta")),
                **values,
            )
        else:
            dispatcher.utter_message(response="utter_return_created_exchange", **values)

    @staticmethod
    def _refused(
        dispatcher: CollectingDispatcher, tracker: Tracker, error: Conflict
    ) -> list[EventType]:
        number, details = tracker.get_slot("order_id"), error.details
        if error.code == "return_window_expired":
            return offer_handoff(
                dispatcher,
                "utter_return_window_expired",
                "return_window_expired",
                number=number,
                delivered=day(details.get("delivered_at")),
                window_days=details.get("window_days", 30),
            )
        if error.code == "not_delivered":
            say_not_returnable(dispatcher, number, str(details.get("status")))
        elif error.code == "item_ambiguous":
            say_items(dispatcher, "utter_ambiguous_item", number, details.get("items") or [])
        else:  # already_returned
            item = tracker.get_slot("item")
            dispatcher.utter_message(response="utter_already_returned", item=item, number=number)
        return []

    @staticmethod
    def _clear() -> list[EventType]:
        return [SlotSet(slot, None) for slot in RETURN_SLOTS]


class ActionStartReturn(BackendAction):
    """The customer took up the offer of a return instead of a cancellation."""

    def name(self) -> str:
        return "action_start_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_start_return")
        return [SlotSet("confirming", None)] + [SlotSet(slot, None) for slot in RETURN_SLOTS]


# --- refund status ----------------------------------------------------------------------------


class ValidateRefundForm(OrderFormValidator):
    """An RMA number answers the question on its own; an order number needs the email too."""

    def name(self) -> str:
        return "validate_refund_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("rma"):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        rma = answers.rma(value)
        if rma:
            return {"order_id": None, "rma": rma}
        return super().validate_order_id(value, dispatcher, tracker, domain)


class ActionRefundStatus(FormSubmitAction):
    def name(self) -> str:
        return "action_refund_status"

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        rma, number = answers.rma(tracker.get_slot("rma")), tracker.get_slot("order_id")
        events: list[EventType] = [SlotSet("rma", None), SlotSet("confirming", None)]
        if not rma and verified_order(tracker) is None:  # never list an unchecked order's returns
            return events + explain_problem(dispatcher, {"code": "backend_unavailable"})
        try:
            if rma:
                returns = [await self.backend.get_return(rma)]
            else:
                returns = await self.backend.list_returns(number)
        except NotFound:
            dispatcher.utter_message(response="utter_return_not_found", rma=rma)
            return events
        except BackendError as error:
            return events + explain_failure(dispatcher, error)
        if not returns:
            dispatcher.utter_message(response="utter_no_returns", number=number)
        for found in returns[-MAX_REFUNDS_LISTED:]:
            say_refund(dispatcher, found)
        return events + [SlotSet("task_succeeded", True)]


def say_refund(dispatcher: CollectingDispatcher, found: dict[str, Any]) -> None:
    values = {"rma": found["rma"], "item": (found.get("item") or {}).get("name", "your item")}
    if found["resolution"] != "refund":
        dispatcher.utter_message(response="utter_refund_exchange", status=found["status"], **values)
    elif found.get("refund_status") == "issued":
        dispatcher.utter_message(
            response="utter_refund_issued",
            amount=amount(found.get("refund_amount")),
            refunded=day(found.get("refunded_at")),
            **values,
        )
    else:
        dispatcher.utter_message(
            response="utter_refund_pending",
            amount=amount(found.get("refund_amount")),
            refund_eta=day(found.get("refund_eta")),
            **values,
        )
