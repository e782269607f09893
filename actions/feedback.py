"""End-of-chat feedback: one CSAT question (1–5), then optional NPS (0–10) and a comment.

The ratings land in the slots ``csat``, ``nps`` and ``feedback_comment`` as whole numbers and
text; the CX log reads them from the conversation's events. ``feedback_asked`` (set when the CSAT
question goes out) keeps the form from running twice in a session; "no"/Skip ends it politely.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.base import FormSubmitAction
from actions.conversation import latest_intent
from actions.validation import FormValidator, checked_answer

MAX_COMMENT_CHARS = 2000
LOW_CSAT = 2


def declined(tracker: Tracker, text: Any) -> bool:
    """A Skip button, or "no thanks" typed instead of an answer."""
    said = str(text or "")
    return answers.is_skip(said) or (latest_intent(tracker) == "deny" and len(said.split()) <= 4)


class ValidateFeedbackForm(FormValidator):
    done_when = ("feedback_skipped", "form_problem")

    def name(self) -> str:
        return "validate_feedback_form"

    def validate_csat(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rating("csat", value, 1, 5, dispatcher, tracker)

    def validate_nps(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._rating("nps", value, 0, 10, dispatcher, tracker)

    def validate_feedback_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        comment = answers.free_text(value, MAX_COMMENT_CHARS)
        if comment is None or declined(tracker, comment):
            return {"feedback_comment": None, "feedback_skipped": True}
        return {"feedback_comment": comment}

    @staticmethod
    def _rating(
        slot: str,
        value: Any,
        lowest: int,
        highest: int,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> dict[str, Any]:
        if declined(tracker, value):
            return {slot: None, "feedback_skipped": True}
        return checked_answer(slot, answers.rating(value, lowest, highest), dispatcher)


class ActionThankForFeedback(FormSubmitAction):
    def name(self) -> str:
        return "action_thank_for_feedback"

    def explain(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, problem: dict[str, Any]
    ) -> list[EventType]:
        """A rating question that went unanswered twice is dropped, not escalated."""
        dispatcher.utter_message(response="utter_goodbye")
        return [SlotSet("feedback_skipped", None)]

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        csat = tracker.get_slot("csat")
        if csat is None:
            dispatcher.utter_message(response="utter_goodbye")
        elif csat <= LOW_CSAT:
            dispatcher.utter_message(response="utter_feedback_thanks_low")
        else:
            dispatcher.utter_message(response="utter_feedback_thanks")
        return [SlotSet("feedback_skipped", None), SlotSet("confirming", None)]
