"""One display shape for every chat message, whether it comes live from Rasa or from a tracker.

The widget and the agent inbox render only this shape::

    {"from": "customer" | "bot" | "agent", "text": str | None, "buttons": [{"title", "payload"}],
     "image": str | None, "ts": float, "agent": str (agent messages only)}

``agent`` is the agent's display name (their login when they have none), as the customer saw it.

Only ``http(s)`` image URLs and string button fields survive, so whatever a response template or
an action produced, the browser receives plain data it renders as text.
"""

from __future__ import annotations

from typing import Any

from bot.cxlog.events import AGENT_METADATA_KEY, AGENT_NAME_METADATA_KEY

MAX_TRANSCRIPT_MESSAGES = 200


def _buttons(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        return []
    return [
        {"title": button["title"], "payload": button["payload"]}
        for button in raw
        if isinstance(button, dict)
        and isinstance(button.get("title"), str)
        and isinstance(button.get("payload"), str)
    ]


def _image(raw: Any) -> str | None:
    if isinstance(raw, str) and raw.lower().startswith(("https://", "http://")):
        return raw
    return None


def bot_message(reply: dict[str, Any], ts: float) -> dict[str, Any] | None:
    """A reply from Rasa's REST channel; ``None`` when it holds nothing the widget can show."""
    text = reply.get("text") if isinstance(reply.get("text"), str) else None
    message = {
        "from": "bot",
        "text": text,
        "buttons": _buttons(reply.get("buttons") or reply.get("quick_replies")),
        "image": _image(reply.get("image")),
        "ts": ts,
    }
    return message if message["text"] or message["image"] or message["buttons"] else None


def customer_message(text: str, ts: float) -> dict[str, Any]:
    return {"from": "customer", "text": text, "buttons": [], "image": None, "ts": ts}


def agent_message(agent: str, text: str, ts: float) -> dict[str, Any]:
    return {"from": "agent", "agent": agent, "text": text, "buttons": [], "image": None, "ts": ts}


def button_title(payload: str, offered: list[dict[str, str]]) -> str | None:
    """The title of the offered button whose payload the customer sent, if any."""
    return next((b["title"] for b in offered if b["payload"] == payload), None)


def transcript(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as the customer saw it: button clicks show their titles, not payloads."""
    messages: list[dict[str, Any]] = []
    offered: list[dict[str, str]] = []
    for event in events:
        ts = float(event.get("timestamp") or 0.0)
        kind = event.get("event")
        if kind == "user" and isinstance(event.get("text"), str):
            text = event["text"]
            messages.append(customer_message(button_title(text, offered) or text, ts))
            offered = []
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            agent = metadata.get(AGENT_METADATA_KEY)
            if isinstance(agent, str) and isinstance(event.get("text"), str):
                # The name the customer read; messages logged before display names had none.
                shown = metadata.get(AGENT_NAME_METADATA_KEY)
                messages.append(agent_message(shown or agent, event["text"], ts))
                continue
            message = bot_message({"text": event.get("text"), **(event.get("data") or {})}, ts)
            if message:
                messages.append(message)
                offered = message["buttons"] or offered
    return messages[-MAX_TRANSCRIPT_MESSAGES:]
