"""Handing the conversation to a person, and the assistant's ways out of a misunderstanding.

``action_handoff_to_human`` says what happens next, records why in ``handoff_reason`` and pauses
the conversation: Rasa stops answering until an agent resumes it through Rasa's HTTP API (the
agent console does that). It runs when the customer asks for a person, when they accept an
offer of one (after a backend failure, a throttle, a question asked twice, a complaint), and,
as ``action_default_fallback``, when the two-stage fallback gives up after two misunderstandings.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActiveLoop,
    ConversationPaused,
    EventType,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import latest_intent

# Slots a finished, stopped or handed-over task leaves behind and the next one must not see.
TASK_STATE_SLOTS = ("confirming", "offer_reason", "form_problem", "ask_counts", "requested_slot")
# Intents the two-stage fallback never offers back as "did you mean ...?".
NOT_SUGGESTED = {"nlu_fallback", "out_of_scope", "affirm", "deny", "faq", "inform", "rate"}


def clear_task_state(tracker: Tracker) -> list[EventType]:
    events: list[EventType] = [SlotSet(slot, None) for slot in TASK_STATE_SLOTS]
    if tracker.active_loop.get("name"):
        events.append(ActiveLoop(None))
    return events


class ActionHandoffToHuman(Action):
    def name(self) -> str:
        return "action_handoff_to_human"

    def reason(self, tracker: Tracker) -> str:
        if tracker.get_slot("confirming") == "handoff" and latest_intent(tracker) == "affirm":
            return tracker.get_slot("offer_reason") or "customer_request"
        return "customer_request"

    def response(self) -> str:
        return "utter_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = self.reason(tracker)
        dispatcher.utter_message(response=self.response())
        return [
            *clear_task_state(tracker),
            SlotSet("handoff_reason", reason),
            ConversationPaused(),
        ]


class ActionGiveUpAndHandOff(ActionHandoffToHuman):
    """Rasa's two-stage fallback runs ``action_default_fallback`` when it gives up."""

    def name(self) -> str:
        return "action_default_fallback"

    def reason(self, tracker: Tracker) -> str:
        return "not_understood"

    def response(self) -> str:
        return "utter_handoff_not_understood"


class ActionCoreFallback(Action):
    """The dialogue model is unsure what to do next: ask again and forget the last message
    (what Rasa's own default fallback does), without handing over."""

    def name(self) -> str:
        return "action_core_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted()]


class ActionAskAffirmation(Action):
    """First stage of the fallback: "did you want to <plain description>?" with Yes/No."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        candidates = [entry.get("name") for entry in message.get("intent_ranking") or []]
        responses = domain.get("responses", {})
        intent = next(
            (
                name
                for name in candidates
                if name not in NOT_SUGGESTED and f"utter_describe_{name}" in responses
            ),
            None,
        )
        if intent is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        description = responses[f"utter_describe_{intent}"][0]["text"]
        dispatcher.utter_message(
            response="utter_ask_affirmation",
            description=description,
            buttons=[
                {"title": "Yes", "payload": f"/{intent}{_entities(message)}"},
                {"title": "No", "payload": "/out_of_scope"},
            ],
        )
        return []


def _entities(message: dict[str, Any]) -> str:
    """Entities of the unclear message, kept in the Yes payload (order number, email, ...)."""
    found = {
        entity["entity"]: entity["value"]
        for entity in message.get("entities") or []
        if isinstance(entity.get("value"), str)
    }
    return json.dumps(found) if found else ""


class ActionDecline(Action):
    """The customer said no to the open yes/no question; answer in its terms and move on."""

    RESPONSES = {
        "cancel_order": "utter_keep_order",
        "change_address": "utter_address_unchanged",
        "recent_order": "utter_how_can_i_help",
    }

    def name(self) -> str:
        return "action_decline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        question = tracker.get_slot("confirming")
        dispatcher.utter_message(response=self.RESPONSES.get(question, "utter_no_problem"))
        events = clear_task_state(tracker)
        if question == "change_address":
            events.append(SlotSet("address", None))
        if question == "recent_order":
            events.append(SlotSet("recent_order_id", None))
        return events


class ActionStopForm(Action):
    """ "No, forget it" in the middle of a form: stop it and leave nothing half-done behind."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_form_stopped")
        events = clear_task_state(tracker)
        return events if ActiveLoop(None) in events else [*events, ActiveLoop(None)]
