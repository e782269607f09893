"""The question that ends a task when another one is waiting: "shall we go back to ...?" after a
digression (actions/digressions.py), or "you also asked me to ..." when the message that started
this task held a second request (bot/deploy/clause_intents.py fills ``pending_request``); a
second request that was a question with one answer (an FAQ) is simply answered then.

Kept apart so every task's last step can ask it without importing the digression actions. A
yes (``action_resume_task``) starts the waiting form with the answers it already has.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tasks import TASK_FORMS, TASK_SLOTS, task_phrase
from bot.nlu.clauses import ALSO_REQUESTED

# Questions a second clause may ask that one response answers.
ONE_MESSAGE_ANSWERS = {"delivery_options": "utter_delivery_options"}


def offer_resume(
    dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType]
) -> list[EventType]:
    """After a task: offer the interrupted one, else the one also asked for, unless another
    question is open."""
    asking = any(
        event.get("event") == "slot" and event.get("name") == "confirming" and event.get("value")
        for event in events
    )
    if asking:
        return []
    task = tracker.get_slot("interrupted_task")
    if isinstance(task, dict) and task.get("form"):
        if task.get("phrase"):  # asked for, never started: no "go back to"
            dispatcher.utter_message(response="utter_ask_also_requested", task=task["phrase"])
        else:
            dispatcher.utter_message(response=f"utter_ask_continue_{task['form']}")
        return [SlotSet("confirming", "resume_task")]
    return offer_requested_task(dispatcher, tracker)


def offer_requested_task(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    intent = tracker.get_slot("pending_request")
    answer = answer_of(intent)
    if answer:  # a question with one answer needs no "shall we?"
        dispatcher.utter_message(response="utter_other_question")
        dispatcher.utter_message(response=answer)
        return [SlotSet("pending_request", None)]
    if intent not in TASK_FORMS:
        return [SlotSet("pending_request", None)] if intent else []
    slots = requested_slots(tracker, intent)
    phrase = task_phrase(intent, slots)
    dispatcher.utter_message(response="utter_ask_also_requested", task=phrase)
    waiting = {"form": TASK_FORMS[intent], "slots": slots, "phrase": phrase}
    return [
        SlotSet("pending_request", None),
        SlotSet("interrupted_task", waiting),
        SlotSet("confirming", "resume_task"),
    ]


def answer_of(intent: Any) -> str | None:
    """The response that answers ``intent`` on its own: an FAQ's answer (``faq/gift_wrap``) or
    one of the one-message answers."""
    if isinstance(intent, str) and intent.startswith("faq/"):
        return f"utter_{intent}"
    return ONE_MESSAGE_ANSWERS.get(intent)


def requested_slots(tracker: Tracker, intent: str) -> dict[str, Any]:
    """The task answers named inside the clause that asked for ``intent`` (its order number,
    say), from the latest message that asked for it."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        entities = (event.get("parse_data") or {}).get("entities") or []
        clause = next(
            (e for e in entities if e.get("entity") == ALSO_REQUESTED and e.get("value") == intent),
            None,
        )
        if clause is None:
            continue
        if not placed(clause):
            return {}  # no clause to read (a hand-written entity without a place)
        return {
            e["entity"]: e.get("value")
            for e in entities
            if e.get("entity") in TASK_SLOTS
            and placed(e)
            and clause["start"] <= e["start"]
            and e["end"] <= clause["end"]
        }
    return {}


def placed(entity: dict[str, Any]) -> bool:
    """Whether the entity says where in the text it stands."""
    return isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int)
