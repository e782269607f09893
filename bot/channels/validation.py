"""Validation of chat requests arriving from the public internet.

Everything a customer's browser (or an attacker) sends passes through :func:`parse_chat_request`
before Rasa sees it, so a rejected request leaves no trace in the tracker or the CX log.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

# Also what the commerce backend accepts as a conversation id (actions pass the sender on).
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")
# Control characters other than tab and newline carry no meaning in a chat message.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class InputLimits:
    max_body_bytes: int = 16 * 1024
    max_message_chars: int = 2000
    max_metadata_bytes: int = 4096
    max_metadata_depth: int = 3


@dataclass(frozen=True)
class ChatRequest:
    sender: str
    message: str
    metadata: dict[str, Any] | None


class InvalidChatRequest(ValueError):
    """A request the channel refuses; carries the HTTP status and a stable error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def as_json(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def clean_text(text: str) -> str:
    """NFC-normalise and drop control characters; keep emoji and every script as they are."""
    return CONTROL_CHARS.sub("", unicodedata.normalize("NFC", text)).strip()


def _require_utf8(text: str, field: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidChatRequest(400, "invalid_text", f"{field} is not valid Unicode") from error


def parse_metadata(raw: Any, limits: InputLimits) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(isinstance(key, str) for key in raw):
        raise InvalidChatRequest(400, "invalid_metadata", "metadata must be a JSON object")
    encoded = json.dumps(raw, ensure_ascii=False)
    _require_utf8(encoded, "metadata")
    if len(encoded.encode("utf-8")) > limits.max_metadata_bytes:
        raise InvalidChatRequest(
            413, "metadata_too_large", f"metadata must be under {limits.max_metadata_bytes} bytes"
        )
    if _depth(raw) > limits.max_metadata_depth:
        raise InvalidChatRequest(400, "invalid_metadata", "metadata is nested too deeply")
    return raw


def parse_chat_request(body: bytes, limits: InputLimits) -> ChatRequest:
    """Parse and check one ``{"sender", "message", "metadata"}`` request body."""
    if len(body) > limits.max_body_bytes:
        raise InvalidChatRequest(
            413, "payload_too_large", f"request body must be under {limits.max_body_bytes} bytes"
        )
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidChatRequest(400, "invalid_json", "request body must be JSON") from error
    if not isinstance(payload, dict):
        raise InvalidChatRequest(400, "invalid_json", "request body must be a JSON object")

    sender = payload.get("sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise InvalidChatRequest(
            400,
            "invalid_sender",
            "sender must be 1-128 letters, digits or _ . : @ -, starting with a letter or digit",
        )
    message = payload.get("message")
    if not isinstance(message, str):
        raise InvalidChatRequest(400, "invalid_message", "message must be a string")
    _require_utf8(message, "message")
    message = clean_text(message)
    if not message:
        raise InvalidChatRequest(400, "empty_message", "message must not be empty")
    if len(message) > limits.max_message_chars:
        raise InvalidChatRequest(
            413, "message_too_long", f"message must be at most {limits.max_message_chars} chars"
        )
    return ChatRequest(sender, message, parse_metadata(payload.get("metadata"), limits))
