"""The validators every form builds on.

``FormValidator`` ends a form as soon as something set ``form_problem`` (the form's last step
then explains it) and skips the email question for a customer the widget already verified. Before
reading an answer it acknowledges an upset customer (actions/empathy.py) and lets a message that
is not an answer, "stop" or another task, leave the form (actions/digressions.py).
``OrderFormValidator`` adds the order number and the identity check: as soon as both an order
number and an identity are known it looks the order up, so "wrong email" and "unknown order" get
the same answer and the questions start over, and nothing about an order is said before it
matched.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import answers
from actions.backend_errors import BackendError, InvalidRequest, NotFound
from actions.base import FormSubmitAction, UsesBackend, explain_problem, problem_from_error
from actions.conversation import caller, latest_text
from actions.delivery_words import reports_problem
from actions.digressions import (
    digression_target,
    is_stop,
    leave_form,
    stop_form,
    to_delivery_problem,
)
from actions.empathy import acknowledge
from actions.tasks import TASK_FORMS

# What the actions keep of a verified order (the slot is stored with the conversation).
ORDER_FIELDS = (
    "order_id", "status", "carrier", "tracking_number", "tracking_url",
    "expected_delivery", "delivered_at", "total",
)  # fmt: skip


def order_snapshot(order: dict[str, Any]) -> dict[str, Any]:
    snapshot = {field: order.get(field) for field in ORDER_FIELDS}
    snapshot["items"] = [
        {"name": item.get("name"), "sku": item.get("sku"), "quantity": item.get("quantity")}
        for item in order.get("items") or []
    ]
    return snapshot


def verified_order(tracker: Tracker) -> dict[str, Any] | None:
    """The looked-up order, if it is the one the ``order_id`` slot names."""
    order = tracker.get_slot("verified_order")
    if isinstance(order, dict) and order.get("order_id") == tracker.get_slot("order_id"):
        return order
    return None


class OrderFormSubmitAction(FormSubmitAction, ABC):
    """The last step of an order form: it runs only with the order the form verified, and
    without one (the lookup failed or named another order) says the system is unavailable."""

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = verified_order(tracker)
        if order is None:
            return explain_problem(dispatcher, {"code": "backend_unavailable"})
        return await self.submit_order(dispatcher, tracker, order)

    @abstractmethod
    async def submit_order(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, order: dict[str, Any]
    ) -> list[EventType]:
        """The task itself, for the verified ``order``."""


def without_cleared_candidates(tracker: Tracker) -> Tracker:
    """``tracker`` without the trailing slot candidates whose latest value is ``None``.

    The SDK validates the slot events at the end of the tracker; one set and then cleared in
    the same turn was never an answer.
    """
    candidates = tracker.slots_to_validate()
    cleared = {name for name, value in candidates.items() if value is None}
    if not cleared:
        return tracker
    view = tracker.copy()
    trailing = len(view.events)
    while trailing and view.events[trailing - 1].get("event") == "slot":
        trailing -= 1
    view.events = view.events[:trailing] + [
        event for event in view.events[trailing:] if event.get("name") not in cleared
    ]
    return view


def checked_answer(slot: str, parsed: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """``{slot: parsed}``; when the answer did not parse (``None``), the customer first hears
    ``utter_invalid_<slot>`` and the form asks again."""
    if parsed is None:
        dispatcher.utter_message(response=f"utter_invalid_{slot}")
    return {slot: parsed}


class FormValidator(UsesBackend, FormValidationAction, ABC):
    # Forms a late, lost or damaged parcel is often worded as (a complaint, "where is it?"):
    # such a first message goes to the delivery-problem claim instead.
    delivery_problems_elsewhere = False
    # Slots that end the form once any of them is set: ``form_problem`` (the last step explains
    # it), plus what a form adds (e.g. an RMA number that answers the question on its own).
    done_when: tuple[str, ...] = ("form_problem",)

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>`` (abstract, so the SDK skips this base class)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        acknowledge(dispatcher, tracker)
        form = self.form_name()
        # Mid-form a question is always pending; the form's first turn has none yet.
        starting = not tracker.get_slot("requested_slot")
        if starting and self.delivery_problems_elsewhere and reports_problem(latest_text(tracker)):
            return to_delivery_problem()
        if not starting:
            if is_stop(latest_text(tracker)):
                return stop_form()
            target = digression_target(tracker, form)
            if target in TASK_FORMS.values():
                dispatcher.utter_message(response="utter_switch_task")
            if target:
                return leave_form(tracker, form, target)
        return await super().run(dispatcher, tracker, domain)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # A form started by a digression sees the slot the interrupted form took the message
        # as (and then cleared) among its candidates; validating that None would answer "i want
        # to return something" with "that doesn't look like an order number".
        return await super().get_validation_events(
            dispatcher, without_cleared_candidates(tracker), domain
        )

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if any(tracker.get_slot(slot) for slot in self.done_when):
            return []
        if tracker.get_slot("customer_id"):
            return [slot for slot in domain_slots if slot != "email"]
        return list(domain_slots)

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked_answer("email", answers.email(value), dispatcher)


class OrderFormValidator(FormValidator, ABC):
    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return checked_answer("order_id", answers.order_id(value), dispatcher)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        answered = {event["name"] for event in events}
        if answered & {"order_id", "email"}:
            events += await self._verify(dispatcher, tracker)
        tracker.add_slots(events)
        return events + self.after_validation(dispatcher, tracker)

    def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[Any]:
        """Checks that need the verified order (the return form matches the item here)."""
        return []

    def order_problem(self, order: dict[str, Any]) -> dict[str, Any] | None:
        """A reason this form cannot go on with this order (e.g. it has shipped already)."""
        return None

    async def check_order(self, order: dict[str, Any]) -> dict[str, Any] | None:
        """Eligibility decided right after the identity check, before any other question;
        forms that need more than the order itself (e.g. its returns) override this."""
        return self.order_problem(order)

    async def _verify(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[Any]:
        number, who = tracker.get_slot("order_id"), caller(tracker)
        if not number or who is None:
            return []
        try:
            order = await self.backend.lookup_order(number, who)
        except (NotFound, InvalidRequest):
            return self._not_found(dispatcher, tracker, number)
        except BackendError as error:
            return [SlotSet("form_problem", problem_from_error(error))]
        snapshot = order_snapshot(order)
        problem = await self.check_order(snapshot)
        events = [SlotSet("verified_order", snapshot)]
        if problem:
            events.append(SlotSet("form_problem", problem))
        return events

    @staticmethod
    def _not_found(dispatcher: CollectingDispatcher, tracker: Tracker, number: str) -> list[Any]:
        if tracker.get_slot("customer_id"):
            dispatcher.utter_message(response="utter_order_not_found_customer", number=number)
            return [SlotSet("order_id", None), SlotSet("verified_order", None)]
        dispatcher.utter_message(response="utter_order_not_found")
        return [SlotSet("order_id", None), SlotSet("email", None), SlotSet("verified_order", None)]
