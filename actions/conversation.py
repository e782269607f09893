"""What the actions read off a conversation: its id for the backend, who the customer is, and
the transcript a support ticket carries.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from typing import Any

from rasa_sdk import Tracker

from actions.backend_client import Caller, Identity

# The backend's conversation_id rule (docs/backend-api.md); other sender ids are hashed so that
# a channel's odd ids still get a stable, valid id for throttling and tickets.
BACKEND_CONVERSATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@+/=-]{0,127}")
# Message metadata key the REST channel always sets to the client's address, over anything the
# customer sent (bot.channels.client_address.METADATA_KEY; the action server never imports bot).
CLIENT_ADDRESS_KEY = "client_address"
# The backend caps a ticket body at 64 KiB; JSON may spend 6 bytes on one character.
TRANSCRIPT_BUDGET_BYTES = 40_000


def conversation_id(tracker: Tracker) -> str:
    sender = tracker.sender_id or ""
    if BACKEND_CONVERSATION_ID.fullmatch(sender):
        return sender
    return "conv-" + hashlib.sha256(sender.encode("utf-8", "replace")).hexdigest()[:40]


def client_address(tracker: Tracker) -> str | None:
    """The customer's IP address as the REST channel saw it (bot/channels/guarded_rest.py writes
    it into every message's metadata, over anything the customer sent); ``None`` elsewhere."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    address = metadata.get(CLIENT_ADDRESS_KEY) if isinstance(metadata, dict) else None
    try:
        return str(ipaddress.ip_address(address)) if isinstance(address, str) else None
    except ValueError:
        return None


def identity(tracker: Tracker) -> Identity | None:
    """A widget-verified customer id beats an email typed in the chat; ``None`` if neither."""
    customer_id = tracker.get_slot("customer_id")
    if customer_id:
        return {"customer_id": customer_id}
    email = tracker.get_slot("email")
    return {"email": email} if email else None


def caller(tracker: Tracker) -> Caller | None:
    """Who the conversation's order calls are made for; ``None`` until an identity is known."""
    who = identity(tracker)
    if who is None:
        return None
    return Caller(who, conversation_id(tracker), client_address(tracker))


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """Events since the current session started (a ticket is about this visit)."""
    events = list(tracker.events)
    starts = [i for i, event in enumerate(events) if event.get("event") == "session_started"]
    return events[starts[-1] + 1 :] if starts else events


def user_texts(tracker: Tracker, intent: str) -> list[str]:
    """What the customer wrote in this session when NLU read it as ``intent``."""
    return [
        str(event.get("text") or "").strip()
        for event in session_events(tracker)
        if event.get("event") == "user"
        and (event.get("parse_data") or {}).get("intent", {}).get("name") == intent
        and not str(event.get("text") or "").startswith("/")
        and str(event.get("text") or "").strip()
    ]


def transcript(tracker: Tracker) -> str:
    """``Customer: ...`` / ``Assistant: ...`` lines of this session, the newest kept if long."""
    lines = []
    for event in session_events(tracker):
        text = str(event.get("text") or "").strip()
        if not text:
            continue
        if event.get("event") == "user":
            lines.append(f"Customer: {text}")
        elif event.get("event") == "bot":
            lines.append(f"Assistant: {text}")
    while lines and len(json.dumps("\n".join(lines))) > TRANSCRIPT_BUDGET_BYTES:
        lines.pop(0)
    return "\n".join(lines)
