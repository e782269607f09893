"""Action-server settings, read once from the environment into one frozen object.

The action server is deployed apart from ``bot/``, so it reads its own variables here and never
imports ``bot``; names and defaults match the README's configuration table. A malformed value
stops the server at start with the variable's name rather than failing later mid-conversation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


def _text(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _seconds(name: str, default: float, *, zero_allowed: bool) -> float:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be a number, got {raw!r}") from exc
    if not (value >= 0 if zero_allowed else value > 0):  # also refuses NaN
        bound = ">= 0" if zero_allowed else "> 0"
        raise ValueError(f"environment variable {name} must be {bound} seconds, got {raw!r}")
    return value


def _whole(name: str, default: int, *, minimum: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ValueError(f"environment variable {name} must be >= {minimum}, got {raw!r}")
    return value


DEFAULT_CONTACT_CHANNELS = (
    "phone +1 555 0100 (Monday to Friday, 9:00 to 17:00) or email support@example.com"
)


@dataclass(frozen=True)
class ActionSettings:
    """Everything the action server is configured with; build with :func:`load_settings`."""

    # The commerce backend (docs/backend-api.md) and the service token it expects.
    backend_url: str = "http://127.0.0.1:8001/api/v1"
    backend_token: str = ""
    # Per attempt: time to open the TCP connection, then to receive the answer.
    backend_connect_timeout_s: float = 1.0
    backend_read_timeout_s: float = 3.0
    # Extra attempts for idempotent calls only, after ~backoff, ~2x backoff, ... (with jitter).
    backend_retries: int = 2
    backend_retry_backoff_s: float = 0.2
    # After this many failed attempts in a row, calls fail at once for the cooldown, then one
    # trial call decides whether the backend is back.
    backend_circuit_threshold: int = 5
    backend_circuit_cooldown_s: float = 30.0
    # HMAC secret of the signed customer tokens the host site hands to the widget.
    widget_token_secret: str = ""
    # How customers reach the shop besides this chat (told when no agent can take a handoff).
    shop_contact_channels: str = DEFAULT_CONTACT_CHANNELS
    # The action server itself: its interface and the secret Rasa sends as a bearer token.
    server_host: str = "127.0.0.1"
    server_port: int = 5055
    server_token: str = ""
    max_body_bytes: int = 1024 * 1024  # larger requests get a JSON 413
    # ISO 4217 code of the shop's prices: the backend's amounts are plain numbers.
    shop_currency: str = "USD"
    # Days after delivery a return is accepted; the backend's rule, told before any question.
    return_window_days: int = 30


def load_settings() -> ActionSettings:
    """Read the environment; raise ``ValueError`` naming the variable that is malformed."""
    host = _text("BOT_HOST", "127.0.0.1")
    port = _whole("BACKEND_PORT", 8001, minimum=1)
    return ActionSettings(
        backend_url=_text("BACKEND_URL", f"http://{host}:{port}/api/v1").rstrip("/"),
        backend_token=_text("BACKEND_TOKEN", ""),
        backend_connect_timeout_s=_seconds("BACKEND_CONNECT_TIMEOUT", 1.0, zero_allowed=False),
        backend_read_timeout_s=_seconds("BACKEND_READ_TIMEOUT", 2.0, zero_allowed=False),
        backend_retries=_whole("BACKEND_RETRIES", 1, minimum=0),
        backend_retry_backoff_s=_seconds("BACKEND_RETRY_BACKOFF", 0.2, zero_allowed=True),
        backend_circuit_threshold=_whole("BACKEND_CIRCUIT_THRESHOLD", 5, minimum=1),
        backend_circuit_cooldown_s=_seconds("BACKEND_CIRCUIT_COOLDOWN", 30.0, zero_allowed=True),
        widget_token_secret=_text("WIDGET_TOKEN_SECRET", ""),
        shop_contact_channels=_text("SHOP_CONTACT_CHANNELS", "").strip()
        or DEFAULT_CONTACT_CHANNELS,
        server_host=host,
        server_port=_whole("ACTION_PORT", 5055, minimum=1),
        server_token=_text("ACTION_SERVER_TOKEN", ""),
        max_body_bytes=_whole("SANIC_REQUEST_MAX_SIZE", 1024 * 1024, minimum=1),
        shop_currency=_text("SHOP_CURRENCY", "USD").strip().upper() or "USD",
        return_window_days=_whole("RETURN_WINDOW_DAYS", 30, minimum=1),
    )


@cache
def get_settings() -> ActionSettings:
    """The process's settings, read from the environment on first use and then kept."""
    return load_settings()
