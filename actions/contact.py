"""When nobody can take the chat live: one ticket a person answers, and other ways to reach us.

A live handoff only exists where an agent can reply, i.e. in the website widget while an agent is
signed in to the inbox during working hours. The widget gateway says so in every message's
metadata (``live_chat``); over the plain REST channel nobody can answer, so there is no pause.
Otherwise the customer gets exactly one ticket per conversation that carries a way to reach them
(the verified email of the chat, the account's, or one they give now) and their customer id,
hears its number, when to expect an answer and the shop's other channels, and the bot goes on
helping. Asking again, or asking how to contact us, repeats that ticket instead of opening another.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_errors import BackendError
from actions.base import BackendAction
from actions.conversation import conversation_id, transcript
from actions.formatting import day_and_time
from actions.settings import get_settings

log = logging.getLogger(__name__)

LIVE_CHAT_METADATA_KEY = "live_chat"
HANDOFF_TICKET_CATEGORY = "human_handoff"
MAX_SUMMARY_CHARS = 500


def live_chat(tracker: Tracker) -> dict[str, Any]:
    """What the widget gateway said about live agents with the latest message, else ``{}``."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get(LIVE_CHAT_METADATA_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, dict) else {}


def agent_available(tracker: Tracker) -> bool:
    return live_chat(tracker).get("available") is True


def contact_email(tracker: Tracker) -> str | None:
    """The email this conversation already proved or the account has; ``None`` to ask for one."""
    return tracker.get_slot("email") or tracker.get_slot("customer_email")


def channels() -> str:
    return get_settings().shop_contact_channels


def say_existing_ticket(dispatcher: CollectingDispatcher, ticket_id: str) -> list[EventType]:
    dispatcher.utter_message(
        response="utter_handoff_ticket_exists", ticket_id=ticket_id, channels=channels()
    )
    return []


async def no_agent(
    action: BackendAction, dispatcher: CollectingDispatcher, tracker: Tracker, reason: str
) -> list[EventType]:
    """Nobody can take it live: reuse this chat's ticket, or open one (asking for an email first
    when the chat has none)."""
    existing = tracker.get_slot("handoff_ticket")
    if existing:
        return say_existing_ticket(dispatcher, existing)
    hours = live_chat(tracker).get("hours")
    if isinstance(hours, str) and hours:
        dispatcher.utter_message(response="utter_no_live_agent_hours", hours=hours[:200])
    else:
        dispatcher.utter_message(response="utter_no_live_agent")
    if tracker.get_slot("customer_id") or contact_email(tracker):
        return await open_handoff_ticket(action, dispatcher, tracker, reason)
    return [SlotSet("ticket_category", HANDOFF_TICKET_CATEGORY), FollowupAction("ticket_form")]


async def open_handoff_ticket(
    action: BackendAction, dispatcher: CollectingDispatcher, tracker: Tracker, reason: str
) -> list[EventType]:
    """The ticket with the contact and the customer id; its number, due time and our channels."""
    summary = f"Customer asked for a person; no agent was available. Reason: {reason}"
    email = contact_email(tracker)
    try:
        ticket = await action.backend.create_ticket(
            conversation_id(tracker),
            HANDOFF_TICKET_CATEGORY,
            summary[:MAX_SUMMARY_CHARS],
            transcript(tracker),
            customer_id=tracker.get_slot("customer_id"),
            email=email,
        )
    except BackendError as error:
        log.warning("handoff ticket not created: %s: %s", type(error).__name__, error)
        dispatcher.utter_message(response="utter_handoff_ticket_failed", channels=channels())
        return []
    dispatcher.utter_message(
        response="utter_handoff_ticket" if email else "utter_handoff_ticket_account",
        ticket_id=ticket["ticket_id"],
        follow_up=day_and_time(ticket["follow_up_due"]),
        email=email,
        channels=channels(),
    )
    return [SlotSet("handoff_ticket", ticket["ticket_id"])]


class ActionContactUs(BackendAction):
    """ "How do I contact you?": the shop's channels, and the ticket this chat already has."""

    def name(self) -> str:
        return "action_contact_us"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        existing = tracker.get_slot("handoff_ticket")
        if existing:
            return say_existing_ticket(dispatcher, existing)
        dispatcher.utter_message(response="utter_contact_channels", channels=channels())
        return []
