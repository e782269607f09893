"""Late, lost, stolen or damaged deliveries.

The form checks the order first (number and email, like every order task); then the claim is
decided by what the backend knows: an order still in the warehouse is not late yet, a damaged
order still within the return window gets a free return (replacement or refund) right away,
and anything else becomes a claim ticket the delivery team follows up with the carrier.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_errors import BackendError
from actions.conversation import latest_text, user_texts
from actions.empathy import replied_to_latest_message
from actions.formatting import day, day_and_time, parse_moment
from actions.sentiment import feeling
from actions.settings import get_settings
from actions.support import open_ticket, ticket_failed
from actions.validation import OrderFormSubmitAction, OrderFormValidator

CLAIM_CATEGORY = "delivery_problem"
# Intents a delivery problem arrives as (actions/validation.py hands the others over).
REPORTED_AS = ("report_delivery_problem", "complaint", "track_order")
# What went wrong, from the customer's words; the first that matches wins.
PROBLEMS = (
    ("damaged", re.compile(r"damag|broke|ripped|torn|crush|smash|dent|wet|ruin|leak|crack", re.I)),
    ("stolen", re.compile(r"stol|theft|thief|taken from", re.I)),
    ("wrong", re.compile(r"wrong (item|address|house|size|colou?r)|missing from|half my", re.I)),
    ("lost", re.compile(r"lost|never (came|arrived|showed|got|received)|missing|"
                        r"not (here|arrived|received)|didn'?t (arrive|turn up|come)|"
                        r"nothing was delivered|no parcel", re.I)),
)  # fmt: skip
DESCRIPTIONS = {
    "damaged": "arrived damaged",
    "stolen": "reported stolen",
    "wrong": "wrong or missing items",
    "lost": "not received",
    "late": "late or stuck in transit",
}


def problem_kind(texts: list[str]) -> str:
    """``damaged``, ``stolen``, ``wrong``, ``lost`` or (by default) ``late``."""
    joined = " ".join(texts)
    return next((kind for kind, pattern in PROBLEMS if pattern.search(joined)), "late")


def within_return_window(order: dict[str, Any]) -> bool:
    delivered = parse_moment(order.get("delivered_at"))
    window = timedelta(days=get_settings().return_window_days)
    return bool(delivered) and datetime.now(UTC) <= delivered + window


class ValidateDeliveryProblemForm(OrderFormValidator):
    """Says sorry for the problem itself before the first question, even when the customer
    reports it calmly ("my jacket arrived ripped"); an upset message gets the empathy line."""

    def name(self) -> str:
        return "validate_delivery_problem_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        first_turn = not tracker.get_slot("requested_slot")
        if first_turn and not feeling(text) and not replied_to_latest_message(tracker):
            dispatcher.utter_message(response=f"utter_sorry_delivery_{problem_kind([text])}")
        return await super().run(dispatcher, tracker, domain)


class ActionReportDeliveryProblem(OrderFormSubmitAction):
    def name(self) -> str:
        return "action_report_delivery_problem"

    async def submit_order(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: dict[str, Any]
    ) -> list[EventType]:
        number, status = order["order_id"], order["status"]
        kind = problem_kind(
            [text for intent in REPORTED_AS for text in user_texts(tracker, intent)]
        )
        if status == "processing":
            dispatcher.utter_message(
                response="utter_delivery_not_shipped",
                number=number,
                expected=day(order.get("expected_delivery")),
            )
            return [SlotSet("task_succeeded", True)]
        if status == "cancelled":
            dispatcher.utter_message(response="utter_delivery_cancelled", number=number)
            return [SlotSet("task_succeeded", True)]
        if status == "delivered" and kind in ("damaged", "wrong") and within_return_window(order):
            dispatcher.utter_message(
                response="utter_delivery_damaged_offer_return",
                number=number,
                delivered=day(order.get("delivered_at")),
                window_days=get_settings().return_window_days,
            )
            return [SlotSet("confirming", "return_instead")]
        return await self._claim(dispatcher, tracker, order, kind)

    async def _claim(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: dict[str, Any], kind: str
    ) -> list[EventType]:
        number = order["order_id"]
        summary = (
            f"Delivery problem on order {number}: {DESCRIPTIONS[kind]} "
            f"(order status {order['status']}, carrier {order.get('carrier') or 'unknown'})."
        )
        try:
            ticket = await open_ticket(self, tracker, CLAIM_CATEGORY, summary)
        except BackendError as error:
            return ticket_failed(dispatcher, error)
        url = order.get("tracking_url")
        dispatcher.utter_message(
            response="utter_delivery_claim_opened",
            ticket_id=ticket["ticket_id"],
            number=number,
            problem=DESCRIPTIONS[kind],
            carrier=order.get("carrier") or "the carrier",
            follow_up=day_and_time(ticket.get("follow_up_due")),
            tracking=f" Tracking: {url}" if url else "",
        )
        return [SlotSet("task_succeeded", True)]
