"""Handing the conversation to a person, and the assistant's ways out of a misunderstanding.

``action_handoff_to_human`` records why in ``handoff_reason`` and, when the widget says an agent
can take it, says so and pauses the conversation: Rasa stays silent until the agent inbox resumes
it. Without an agent it takes the no-agent path (actions/contact.py). It runs when the customer
asks for a person and when they accept an offer of one (after a backend failure, a throttle, a
question asked twice, a complaint, messages the bot could not help with).
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    EventType,
    FollowupAction,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import BackendAction
from actions.contact import agent_available, no_agent
from actions.conversation import latest_intent, latest_text, session_events
from actions.language import is_foreign
from actions.resume import offer_resume

ACTION_LISTEN = "action_listen"
# Slots a finished, stopped or handed-over task leaves behind and the next one must not see.
TASK_STATE_SLOTS = (
    "confirming", "offer_reason", "form_problem", "ask_counts", "requested_slot", "pending_request",
)  # fmt: skip
# Intents the two-stage fallback never offers back as "did you mean ...?".
NOT_SUGGESTED = {"nlu_fallback", "out_of_scope", "affirm", "deny", "faq", "inform", "rate"}
# Messages the bot cannot help with; the second in a row brings the offer of a person.
UNHELPED = {"nlu_fallback", "out_of_scope"}
OFFER_PERSON_AFTER = 2
YES_NO_PERSON = [
    {"title": "Yes, talk to a person", "payload": "/affirm"},
    {"title": "No thanks", "payload": "/deny"},
]


def clear_task_state(tracker: Tracker) -> list[EventType]:
    events: list[EventType] = [SlotSet(slot, None) for slot in TASK_STATE_SLOTS]
    if tracker.active_loop.get("name"):
        events.append(ActiveLoop(None))
    return events


class ActionHandoffToHuman(BackendAction):
    def name(self) -> str:
        return "action_handoff_to_human"

    def reason(self, tracker: Tracker) -> str:
        if tracker.get_slot("confirming") == "handoff" and latest_intent(tracker) == "affirm":
            return tracker.get_slot("offer_reason") or "customer_request"
        return "customer_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = self.reason(tracker)
        events = [
            *clear_task_state(tracker),
            SlotSet("interrupted_task", None),
            SlotSet("handoff_reason", reason),
        ]
        if not agent_available(tracker):
            return events + await no_agent(self, dispatcher, tracker, reason)
        dispatcher.utter_message(response="utter_handoff")
        # Rasa stops predicting at the pause, before its usual ``action_listen``; logging the
        # listen here leaves the tracker waiting for the customer, so whoever resumes it (the
        # agent inbox, the HTTP API) gets a bot that reads the next message like any other.
        return [*events, ConversationPaused(), ActionExecuted(ACTION_LISTEN)]


# A yes or no with no question pending ("yes" after "your exchange is booked", "no" after
# "anything else?"): nothing to rephrase, and asking "anything else?" again would go in circles.
BARE_ANSWERS = {"affirm": "utter_anything_else", "deny": "utter_goodbye"}


class ActionCoreFallback(Action):
    """The dialogue model is unsure what to do next: ask again and forget the last message
    (what Rasa's own default fallback does), without handing over. A bare yes or no that no
    rule expected gets "anything else?" instead of "could you rephrase?"."""

    def name(self) -> str:
        return "action_core_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        response = BARE_ANSWERS.get(latest_intent(tracker) or "", "utter_default")
        say_fresh(dispatcher, tracker, domain, response)
        return [UserUtteranceReverted()]


class ActionNotUnderstood(Action):
    """A message the bot cannot help with (NLU fallback or out of scope), without going round in
    circles: another language gets the languages we speak and a person; the second such message
    in a row gets the offer of a person; a first one "did you mean ...?", a request to rephrase
    or what the bot can do. Never the same words twice in a row."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if is_foreign(latest_text(tracker)):
            say_fresh(dispatcher, tracker, domain, "utter_other_language", buttons=YES_NO_PERSON)
            return [SlotSet("confirming", "handoff"), SlotSet("offer_reason", "other_language")]
        if unhelped_in_a_row(tracker) >= OFFER_PERSON_AFTER:
            response = "utter_offer_handoff_not_understood"
            say_fresh(dispatcher, tracker, domain, response, buttons=YES_NO_PERSON)
            return [SlotSet("confirming", "handoff"), SlotSet("offer_reason", "not_understood")]
        if latest_intent(tracker) == "out_of_scope":
            say_fresh(dispatcher, tracker, domain, "utter_out_of_scope")
            return []
        message = tracker.latest_message or {}
        intent = _suggestion(message, domain)
        if intent is None:
            say_fresh(dispatcher, tracker, domain, "utter_ask_rephrase")
            return []
        description = domain["responses"][f"utter_describe_{intent}"][0]["text"]
        buttons = [
            {"title": "Yes", "payload": f"/{intent}{_entities(message)}"},
            {"title": "No", "payload": "/out_of_scope"},
        ]
        say_fresh(
            dispatcher, tracker, domain, "utter_ask_affirmation", buttons, description=description
        )
        return []


def unhelped_in_a_row(tracker: Tracker) -> int:
    """How many of the customer's latest messages, up to this one, the bot could not help with:
    this one, and before it each one NLU gave up on or this action answered."""
    count, answered_as_unhelped = 0, False
    for event in reversed(session_events(tracker)):
        if event.get("event") == "action" and event.get("name") == "action_not_understood":
            answered_as_unhelped = True
        elif event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if count and intent not in UNHELPED and not answered_as_unhelped:
                break
            count, answered_as_unhelped = count + 1, False
    return count


def say_fresh(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    response: str,
    buttons: list[dict[str, str]] | None = None,
    **values: str,
) -> None:
    """Say a variation of ``response`` that differs from the bot's previous message."""
    previous = next(
        (event.get("text") for event in reversed(tracker.events) if event.get("event") == "bot"),
        None,
    )
    texts = [variation["text"].format(**values) for variation in domain["responses"][response]]
    text = next((text for text in texts if text != previous), texts[0])
    dispatcher.utter_message(text=text, buttons=buttons or [])


def _suggestion(message: dict[str, Any], domain: DomainDict) -> str | None:
    """The intent to offer back as "did you mean ...?", if any is worth offering."""
    responses = domain.get("responses", {})
    candidates = [entry.get("name") for entry in message.get("intent_ranking") or []]
    return next(
        (
            name
            for name in candidates
            if name not in NOT_SUGGESTED and f"utter_describe_{name}" in responses
        ),
        None,
    )


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
        return events + offer_resume(dispatcher, tracker, [])


class ActionStopForm(Action):
    """ "No, forget it" in the middle of a form: stop it and leave nothing half-done behind."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_form_stopped")
        events = [*clear_task_state(tracker), SlotSet("interrupted_task", None)]
        if ActiveLoop(None) not in events:
            events.append(ActiveLoop(None))
        # The form's validator can hand "stop" here as a follow-up, a path no rule covers: without
        # this the policies fall back and "Sorry, I got a bit lost" follows "I've stopped there".
        return [*events, FollowupAction("action_listen")]
