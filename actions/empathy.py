"""Empathy first: the first reply to an upset customer starts by acknowledging it.

Forms answer most first messages, so their validators call :func:`acknowledge` before any
question or status is said; it speaks only when nothing was said yet to this message.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import latest_text
from actions.sentiment import feeling


def replied_to_latest_message(tracker: Tracker) -> bool:
    for event in reversed(list(tracker.events)):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            return True
    return False


def acknowledge(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """``utter_empathy_<feeling>`` when the latest message is emotional and still unanswered."""
    felt = feeling(latest_text(tracker))
    if felt and not replied_to_latest_message(tracker):
        dispatcher.utter_message(response=f"utter_empathy_{felt}")
