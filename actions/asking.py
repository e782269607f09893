"""The forms' questions, asked at most twice each.

Rasa runs ``action_ask_<slot>`` whenever a form needs that slot. These actions count how often
each question was asked in the current form; the third time, instead of asking again, they end
the form with ``form_problem = asked_too_often`` and the form's last step offers a person.
Questions with known choices come with buttons (the customer's recent orders, the order's items).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_errors import BackendError
from actions.base import BackendAction
from actions.formatting import item_names
from actions.validation import verified_order

MAX_ASKS = 2
RECENT_ORDER_BUTTONS = 5


class AskForSlot(BackendAction, ABC):
    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this question fills."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        counts = dict(tracker.get_slot("ask_counts") or {})
        asked = counts.get(self.slot, 0)
        if asked >= MAX_ASKS:
            problem = {"code": "asked_too_often", "slot": self.slot}
            return [SlotSet("form_problem", problem), SlotSet("requested_slot", None)]
        counts[self.slot] = asked + 1
        await self.ask(dispatcher, tracker, domain)
        return [SlotSet("ask_counts", counts), *self.also_set()]

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> None:
        dispatcher.utter_message(response=self.question(tracker, domain))

    def question(self, tracker: Tracker, domain: DomainDict) -> str:
        """``utter_ask_<slot>_in_<form>`` where a form words it differently, else the default."""
        form = (tracker.active_loop or {}).get("name")
        specific = f"utter_ask_{self.slot}_in_{form}"
        return specific if specific in domain.get("responses", {}) else f"utter_ask_{self.slot}"

    def also_set(self) -> list[EventType]:
        return []


class AskOrderId(AskForSlot):
    """A known customer picks from their recent orders instead of typing a number."""

    slot = "order_id"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> None:
        customer_id = tracker.get_slot("customer_id")
        buttons = await self._recent_order_buttons(customer_id) if customer_id else []
        if not buttons:
            dispatcher.utter_message(response=self.question(tracker, domain))
            return
        response = self.question(tracker, domain)
        if response == "utter_ask_order_id":
            response = "utter_ask_order_id_customer"
        dispatcher.utter_message(response=response, buttons=buttons)

    async def _recent_order_buttons(self, customer_id: str) -> list[dict[str, Any]]:
        try:
            orders = await self.backend.recent_orders(customer_id, limit=RECENT_ORDER_BUTTONS)
        except BackendError:
            return []  # the plain question still works; the number can be typed
        return [
            {
                "title": f"{order['order_id']} · {', '.join(item_names(order['items']))} "
                f"· {order['status']}",
                "payload": f'/inform{{"order_id": "{order["order_id"]}"}}',
            }
            for order in orders
        ]


class AskEmail(AskForSlot):
    slot = "email"


class AskItem(AskForSlot):
    """Offers the verified order's items as buttons."""

    slot = "item"

    async def ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> None:
        order = verified_order(tracker)
        returned = {found.get("item") for found in (order or {}).get("returns") or []}
        names = (
            [name for name in item_names(order["items"]) if name not in returned] if order else []
        )
        buttons = [{"title": name, "payload": name} for name in names]
        dispatcher.utter_message(response=self.question(tracker, domain), buttons=buttons)


class AskReturnReason(AskForSlot):
    slot = "return_reason"


class AskResolution(AskForSlot):
    slot = "resolution"


class AskAddress(AskForSlot):
    slot = "address"


class AskComplaintDetails(AskForSlot):
    slot = "complaint_details"


class AskCsat(AskForSlot):
    """Marks the session as asked, so the rating question never comes twice."""

    slot = "csat"

    def also_set(self) -> list[EventType]:
        return [SlotSet("feedback_asked", True)]


class AskNps(AskForSlot):
    slot = "nps"


class AskFeedbackComment(AskForSlot):
    slot = "feedback_comment"
