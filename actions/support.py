"""Payment trouble and complaints: help text, then a support ticket a person follows up.

Tickets carry the session's transcript so nobody has to ask the customer to repeat themselves,
and the reply promises the follow-up time the backend set, never one made up here.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.backend_errors import BackendError
from actions.base import BackendAction, FormSubmitAction, offer_handoff
from actions.contact import HANDOFF_TICKET_CATEGORY, open_handoff_ticket
from actions.conversation import conversation_id, transcript, user_texts
from actions.formatting import day_and_time
from actions.validation import FormValidator

log = logging.getLogger(__name__)

MAX_SUMMARY_CHARS = 2000
MAX_DETAILS_CHARS = 2000
# A complaint needs this many meaningful words before it is worth filing as it stands.
MIN_DETAIL_WORDS = 3


async def open_ticket(
    action: BackendAction, tracker: Tracker, category: str, summary: str
) -> dict[str, Any]:
    """Create the ticket for this conversation, with whatever contact we have."""
    return await action.backend.create_ticket(
        conversation_id(tracker),
        category,
        summary[:MAX_SUMMARY_CHARS],
        transcript(tracker),
        customer_id=tracker.get_slot("customer_id"),
        email=None if tracker.get_slot("customer_id") else tracker.get_slot("email"),
    )


def ticket_failed(dispatcher: CollectingDispatcher, error: BackendError) -> list[EventType]:
    """No ticket: the customer hears it and can get a person instead."""
    log.warning("ticket not created: %s: %s", type(error).__name__, error)
    return offer_handoff(dispatcher, "utter_backend_unavailable_ticket", "ticket_failed")


# --- payment problems -------------------------------------------------------------------------


class ActionOfferPaymentHelp(BackendAction):
    def name(self) -> str:
        return "action_offer_payment_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_payment_help")
        return [
            SlotSet("confirming", "open_ticket"),
            SlotSet("ticket_category", "payment_issue"),
            SlotSet("offer_reason", "payment_issue"),
        ]


class ActionStartTicket(BackendAction):
    """The customer wants the ticket: close the yes/no question before the form asks its own."""

    def name(self) -> str:
        return "action_start_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_start_ticket")
        return [SlotSet("confirming", None)]


class ValidateTicketForm(FormValidator):
    def name(self) -> str:
        return "validate_ticket_form"


class ActionOpenTicket(FormSubmitAction):
    def name(self) -> str:
        return "action_open_ticket"

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        category = tracker.get_slot("ticket_category") or "other"
        events: list[EventType] = [SlotSet("confirming", None), SlotSet("ticket_category", None)]
        if category == HANDOFF_TICKET_CATEGORY:
            reason = tracker.get_slot("handoff_reason") or "customer_request"
            return events + await open_handoff_ticket(self, dispatcher, tracker, reason)
        said = user_texts(tracker, category) or ["(see transcript)"]
        summary = f"{category.replace('_', ' ').capitalize()}: " + " / ".join(said)
        try:
            ticket = await open_ticket(self, tracker, category, summary)
        except BackendError as error:
            return events + ticket_failed(dispatcher, error)
        dispatcher.utter_message(
            response="utter_ticket_opened",
            ticket_id=ticket["ticket_id"],
            follow_up=day_and_time(ticket["follow_up_due"]),
        )
        return events + [SlotSet("task_succeeded", True)]


# --- complaints -------------------------------------------------------------------------------


class ValidateComplaintForm(FormValidator):
    delivery_problems_elsewhere = True

    def name(self) -> str:
        return "validate_complaint_form"

    def validate_complaint_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        details = answers.free_text(value, MAX_DETAILS_CHARS)
        if details and len(answers.content_words(details)) >= MIN_DETAIL_WORDS:
            return {"complaint_details": details}
        if tracker.get_slot("requested_slot") == "complaint_details":
            dispatcher.utter_message(response="utter_invalid_complaint_details")
        return {"complaint_details": None}  # "I want to complain": ask what happened


class ActionFileComplaint(FormSubmitAction):
    """Empathy first (a different wording each time), then what we noted, the ticket and when
    someone will be in touch, and the offer of a person right away."""

    def name(self) -> str:
        return "action_file_complaint"

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        details = tracker.get_slot("complaint_details") or ""
        dispatcher.utter_message(response="utter_complaint_ack")
        dispatcher.utter_message(response="utter_complaint_summary", summary=details)
        events: list[EventType] = [SlotSet("complaint_details", None)]
        try:
            ticket = await open_ticket(self, tracker, "complaint", details)
        except BackendError as error:
            return events + ticket_failed(dispatcher, error)
        dispatcher.utter_message(
            response="utter_complaint_ticket",
            ticket_id=ticket["ticket_id"],
            follow_up=day_and_time(ticket["follow_up_due"]),
        )
        return events + [
            SlotSet("confirming", "handoff"),
            SlotSet("offer_reason", "complaint"),
            SlotSet("task_succeeded", True),
        ]
