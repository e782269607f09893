"""Leaving a form for something else, and coming back to it.

Inside a form, a message NLU reads confidently as another task, a shop question or "stop" is
not an answer to the form's question. The form's validator (actions/validation.py) then ends
the form, keeps its answers in ``interrupted_task`` and hands the message to its own task
(a ``FollowupAction``). When that task is done, the customer is asked whether to go back; a
yes restores the answers and restarts the form where it stopped, a no drops it.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.contact import channels, say_existing_ticket
from actions.conversation import latest_text
from actions.resume import offer_resume
from actions.tasks import TASK_FORMS, TASK_SLOTS

# Below this NLU confidence a message inside a form is read as an attempt to answer it.
MIN_CONFIDENCE = 0.6
# One-message answers, given by ``action_answer_digression``.
ANSWERED = {"faq", "delivery_options", "contact_us", "payment_issue"}
# Intents that belong to the form's own subject: answers, not digressions.
OWN_INTENTS = {
    "track_order_form": {"track_order"},
    "cancel_order_form": {"cancel_order"},
    "address_form": {"change_shipping_address"},
    "return_form": {"return_item", "report_delivery_problem"},
    "refund_form": {"refund_status", "return_item"},
    "password_form": {"reset_password"},
    "ticket_form": {"payment_issue"},
    "complaint_form": {"complaint", "report_delivery_problem"},
    "delivery_problem_form": {"report_delivery_problem", "complaint", "track_order"},
}
STOP = re.compile(
    r"\s*(stop( it| this| that)?|cancel( it| this| that)?|quit|exit|forget (it|that|about it)|"
    r"never ?mind|leave it|don'?t bother)\s*(please|pls)?\s*[.!]*\s*",
    re.IGNORECASE,
)


# Words that take back what the customer was doing: "actually, forget it, where is 20001?"
# is another task even when it names the order number the form asked for.
CHANGE_OF_MIND = re.compile(
    r"\b(actually|never ?mind|forget (it|that|about it)|instead|rather|changed? my mind|"
    r"on second thoughts?|scratch that|wait,? no|no,? wait)\b",
    re.IGNORECASE,
)


def is_stop(text: str) -> bool:
    return bool(STOP.fullmatch(text))


def changes_mind(text: str) -> bool:
    return bool(CHANGE_OF_MIND.search(text))


def digression_target(tracker: Tracker, form: str) -> str | None:
    """The action that should take this message instead of ``form``, or ``None``."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if form not in OWN_INTENTS or name in OWN_INTENTS[form] or confidence < MIN_CONFIDENCE:
        return None  # the rating questions (feedback_form) read everything as an answer
    requested = tracker.get_slot("requested_slot")
    entities = {entity.get("entity") for entity in message.get("entities") or []}
    # "where is 10001?" when asked for the order number answers it; "forget it, where is
    # 10001?" does not.
    if requested in entities and not changes_mind(message.get("text") or ""):
        return None
    if name in TASK_FORMS:
        return TASK_FORMS[name]
    return "action_answer_digression" if name in ANSWERED else None


def slots_before_latest_message(tracker: Tracker) -> dict[str, Any]:
    """The task slots as they were before the customer's latest message set any of them."""
    values: dict[str, Any] = {}
    events = list(tracker.events)
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    for event in events[: users[-1] if users else len(events)]:
        kind = event.get("event")
        if kind in ("restart", "session_started"):
            values = {}
        elif kind == "slot" and event.get("name") in TASK_SLOTS:
            values[event["name"]] = event.get("value")
    return {slot: value for slot, value in values.items() if value is not None}


def leave_form(tracker: Tracker, form: str, target: str) -> list[EventType]:
    """End ``form`` keeping its answers, and let ``target`` take the message."""
    events: list[EventType] = [
        SlotSet("interrupted_task", {"form": form, "slots": slots_before_latest_message(tracker)}),
        SlotSet("ask_counts", None),
        SlotSet("form_problem", None),
    ]
    requested = tracker.get_slot("requested_slot")
    if requested and tracker.get_slot(requested) == latest_text(tracker):
        events.append(SlotSet(requested, None))  # the form took the text as its answer
    return [*events, SlotSet("requested_slot", None), ActiveLoop(None), FollowupAction(target)]


def to_delivery_problem() -> list[EventType]:
    """A form that just started on a message reporting a delivery problem hands it over."""
    return [
        SlotSet("complaint_details", None),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        FollowupAction("delivery_problem_form"),
    ]


def stop_form() -> list[EventType]:
    # A slot besides requested_slot must change, or Rasa rejects the form's turn.
    return [
        SlotSet("ask_counts", None),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        FollowupAction("action_stop_form"),
    ]


class ActionAnswerDigression(Action):
    """A shop question asked in the middle of a form: answer it, then offer to go back."""

    def name(self) -> str:
        return "action_answer_digression"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        events: list[EventType] = []
        if intent == "faq":
            selected = (message.get("response_selector") or {}).get("faq") or {}
            key = (selected.get("response") or {}).get("intent_response_key")
            dispatcher.utter_message(response=f"utter_{key}" if key else "utter_default")
        elif intent == "payment_issue":
            dispatcher.utter_message(response="utter_payment_help")
            events.append(SlotSet("confirming", "open_ticket"))
        elif intent == "contact_us":
            existing = tracker.get_slot("handoff_ticket")
            if existing:
                say_existing_ticket(dispatcher, existing)
            else:
                dispatcher.utter_message(response="utter_contact_channels", channels=channels())
        else:
            dispatcher.utter_message(response="utter_delivery_options")
        return [
            *events,
            *offer_resume(dispatcher, tracker, events),
            FollowupAction("action_listen"),
        ]


class ActionResumeTask(Action):
    """Yes, go back: the form's answers return and the form asks its next question."""

    def name(self) -> str:
        return "action_resume_task"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        task = tracker.get_slot("interrupted_task")
        events: list[EventType] = [SlotSet("interrupted_task", None), SlotSet("confirming", None)]
        if not isinstance(task, dict) or task.get("form") not in domain.get("forms", {}):
            dispatcher.utter_message(response="utter_no_problem")
            return events
        if task.get("phrase"):  # a task also asked for, not one the customer left
            dispatcher.utter_message(response="utter_start_requested_task", task=task["phrase"])
        else:
            dispatcher.utter_message(response="utter_resume_task")
        saved = task.get("slots") or {}
        return [
            *events,
            # Only what the form had: a None would be validated, and rejected, as an answer.
            *(SlotSet(slot, value) for slot, value in saved.items() if slot in TASK_SLOTS),
            SlotSet("ask_counts", None),
            SlotSet("form_problem", None),
            FollowupAction(task["form"]),
        ]


class ActionDropTask(Action):
    """No, leave it: forget the interrupted form."""

    def name(self) -> str:
        return "action_drop_task"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_task_dropped")
        return [SlotSet("interrupted_task", None), SlotSet("confirming", None)]
