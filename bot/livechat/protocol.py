"""Frames the widget sends over its websocket, checked before anything else sees them.

Client frames (JSON objects):
- ``{"type": "hello", "session_id": str | null, "customer_token": str | null, "page": str | null}``
  once per connection: resume a stored conversation or get a new session id; ``page`` is the
  embedding page (origin and path) for the CX log;
- ``{"type": "message", "text": str}``: a typed message or a clicked button's payload.

A malformed frame gets an ``error`` frame back and is not forwarded or stored anywhere.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

from bot.channels.validation import clean_text

# Widget conversations live in their own sender-id namespace, so a browser can never name (and so
# read) a conversation from another channel.
SESSION_ID_PATTERN = re.compile(r"web-[A-Za-z0-9_-]{22,64}")
MAX_FRAME_BYTES = 8192
MAX_MESSAGE_CHARS = 2000
MAX_TOKEN_CHARS = 1024
MAX_PAGE_CHARS = 2000


class BadFrame(ValueError):
    """A frame the gateway refuses, with a stable code the widget can show or log."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Hello:
    session_id: str | None
    customer_token: str | None
    page: str | None = None


@dataclass(frozen=True)
class ChatText:
    text: str


def new_session_id() -> str:
    return f"web-{secrets.token_urlsafe(24)}"


def _optional_string(frame: dict, key: str, max_chars: int) -> str | None:
    value = frame.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_chars:
        raise BadFrame("invalid_hello", f"{key} must be a string of at most {max_chars} chars")
    return value


def parse_frame(raw: str) -> Hello | ChatText:
    if len(raw.encode("utf-8", errors="replace")) > MAX_FRAME_BYTES:
        raise BadFrame("frame_too_large", f"frames must be under {MAX_FRAME_BYTES} bytes")
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError as error:
        raise BadFrame("invalid_json", "frames must be JSON objects") from error
    if not isinstance(frame, dict):
        raise BadFrame("invalid_json", "frames must be JSON objects")
    kind = frame.get("type")
    if kind == "hello":
        session_id = _optional_string(frame, "session_id", 80)
        if session_id is not None and not SESSION_ID_PATTERN.fullmatch(session_id):
            raise BadFrame("invalid_session", "session_id is not one this server issues")
        return Hello(
            session_id,
            _optional_string(frame, "customer_token", MAX_TOKEN_CHARS),
            _optional_string(frame, "page", MAX_PAGE_CHARS),
        )
    if kind == "message":
        text = frame.get("text")
        if not isinstance(text, str):
            raise BadFrame("invalid_message", "text must be a string")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadFrame("invalid_text", "text is not valid Unicode") from error
        text = clean_text(text)
        if not text:
            raise BadFrame("empty_message", "text must not be empty")
        if len(text) > MAX_MESSAGE_CHARS:
            raise BadFrame("message_too_long", f"text must be at most {MAX_MESSAGE_CHARS} chars")
        return ChatText(text)
    raise BadFrame("unknown_type", "type must be hello or message")
