"""The question that ends a digression: "shall we go back to ...?" (actions/digressions.py).

Kept apart so every task's last step can ask it without importing the digression actions.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


def offer_resume(
    dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType]
) -> list[EventType]:
    """After a digression's task: "shall we go back to ...?", unless another question is open."""
    task = tracker.get_slot("interrupted_task")
    asking = any(
        event.get("event") == "slot" and event.get("name") == "confirming" and event.get("value")
        for event in events
    )
    if not isinstance(task, dict) or not task.get("form") or asking:
        return []
    dispatcher.utter_message(response=f"utter_ask_continue_{task['form']}")
    return [SlotSet("confirming", "resume_task")]
