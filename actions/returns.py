"""Returns and refunds.

The return form asks for the order (and its email), the item, the reason and refund-or-exchange;
the backend then checks the 30-day window and books the return. Refund status works from an RMA
number (a secret only the customer has) or from an order number after the identity check.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.backend_errors import BackendError, Conflict, NotFound
from actions.base import (
    BackendAction,
    FormSubmitAction,
    explain_failure,
    explain_problem,
    offer_handoff,
    problem_from_error,
)
from actions.conversation import caller
from actions.formatting import amount, day, item_names, one_of, parse_moment
from actions.settings import get_settings
from actions.validation import OrderFormValidator, checked_answer, verified_order

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


def say_existing_returns(
    dispatcher: CollectingDispatcher, number: str, returns: list[dict[str, Any]]
) -> None:
    """The return the customer already has: its number, status and label."""
    for found in returns:
        dispatcher.utter_message(
            response="utter_already_returned_rma",
            item=found.get("item") or "your item",
            number=number,
            rma=found.get("rma"),
            status=found.get("status") or "requested",
            label_url=found.get("label_url") or "",
        )


def say_items(
    dispatcher: CollectingDispatcher, response: str, number: str, names: list[str]
) -> None:
    buttons = [{"title": name, "payload": name} for name in names]
    dispatcher.utter_message(response=response, number=number, items=one_of(names), buttons=buttons)


class ValidateReturnForm(OrderFormValidator):
    def name(self) -> str:
        return "validate_return_form"

    async def check_order(self, order: dict[str, Any]) -> dict[str, Any] | None:
        """Not delivered, outside the window, or every item already on its way back: said
        before the item, reason or refund questions. Items with a return are noted so they are
        neither offered nor booked twice."""
        if order["status"] != "delivered":
            return {"code": "not_delivered"}
        delivered = parse_moment(order.get("delivered_at"))
        window = get_settings().return_window_days
        if delivered and datetime.now(UTC) > delivered + timedelta(days=window):
            return {"code": "return_window_expired", "window_days": window}
        try:
            existing = await self.backend.list_returns(order["order_id"])
        except BackendError as error:
            return problem_from_error(error)
        order["returns"] = [
            {
                "rma": found["rma"],
                "item": (found.get("item") or {}).get("name"),
                "status": found.get("status"),
                "label_url": found.get("label_url"),
            }
            for found in existing
        ]
        returned = {found["item"] for found in order["returns"]}
        if set(item_names(order["items"])) <= returned:
            return {"code": "already_returned"}
        return None

    def validate_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"item": answers.free_text(value, MAX_ITEM_CHARS)}

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = answers.free_text(value, MAX_REASON_CHARS)
        if reason is None or not answers.plausible_reason(reason):
            dispatcher.utter_message(response="utter_invalid_return_reason")
            return {"return_reason": None}
        return {"return_reason": reason}

    def validate_resolution(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked_answer("resolution", answers.resolution(value), dispatcher)

    def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[Any]:
        """Turn "the shoes" into the order's item name once the order is known; an item that
        already has a return gets its return number and label instead of a second return.
        Nothing here when the order cannot be returned at all: the form's last step says why
        (with every return the order has), and the item's return would be said twice."""
        order, wanted = verified_order(tracker), tracker.get_slot("item")
        if order is None or not wanted or tracker.get_slot("form_problem"):
            return []
        matches = answers.matching_items(wanted, order["items"])
        if wanted in item_names(order["items"]):
            matches = [wanted]
        if len(matches) == 1:
            earlier = [found for found in order.get("returns") or [] if found["item"] == matches[0]]
            if earlier:
                say_existing_returns(dispatcher, order["order_id"], earlier)
                return [SlotSet("item", None)]
            return [] if matches[0] == wanted else [SlotSet("item", matches[0])]
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
        code = problem.get("code")
        if code == "not_delivered" and order:
            say_not_returnable(dispatcher, order["order_id"], order["status"])
            return self._clear()
        if code == "return_window_expired" and order:
            return self._clear() + offer_handoff(
                dispatcher,
                "utter_return_window_expired",
                "return_window_expired",
                number=order["order_id"],
                delivered=day(order.get("delivered_at")),
                window_days=problem.get("window_days", get_settings().return_window_days),
            )
        if code == "already_returned" and order:
            say_existing_returns(dispatcher, order["order_id"], order.get("returns") or [])
            return self._clear()
        return super().explain(dispatcher, tracker, problem) + self._clear()

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number, who = tracker.get_slot("order_id"), caller(tracker)
        item = tracker.get_slot("item")
        if who is None or verified_order(tracker) is None:
            return explain_problem(dispatcher, {"code": "backend_unavailable"}) + self._clear()
        try:
            created = await self.backend.create_return(
                number,
                who,
                item,
                tracker.get_slot("return_reason"),
                tracker.get_slot("resolution"),
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

    done_when = ("rma", *OrderFormValidator.done_when)

    def name(self) -> str:
        return "validate_refund_form"

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
        order = verified_order(tracker)
        if not returns and order and order["status"] in ("processing", "shipped", "cancelled"):
            dispatcher.utter_message(
                response=f"utter_no_refund_{order['status']}",
                number=number,
                expected=day(order.get("expected_delivery")),
                window_days=get_settings().return_window_days,
            )
        elif not returns:
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
