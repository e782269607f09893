"""Action-server settings, read once from the environment into one frozen object.

Declared like the other services' (:mod:`bot.envvars`: variable, parser, default and help in one
place); the README's configuration table is checked against these declarations by a test. A
malformed value stops the server at start with the variable's name rather than failing later
mid-conversation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from bot import shared_settings as shared
from bot.envvars import integer, load, number, secret, setting, text

DEFAULT_CONTACT_CHANNELS = (
    "phone +1 555 0100 (Monday to Friday, 9:00 to 17:00) or email support@example.com"
)


def _upper(name: str, raw: str) -> str:
    return text(name, raw).upper()


@dataclass(frozen=True)
class ActionSettings:
    """Everything the action server is configured with; build with :func:`load_settings`."""

    # The action server itself: its interface and the secret Rasa sends as a bearer token.
    server_host: str = shared.bot_host()
    server_port: int = shared.action_port()
    server_token: str = setting(
        "ACTION_SERVER_TOKEN", "", parse=secret, shown="generated", help="Rasa's bearer token"
    )
    max_body_bytes: int = shared.max_body_bytes()
    # The commerce backend (docs/backend-api.md) and the service token it expects.
    backend_port: int = shared.backend_port()
    backend_url: str = shared.backend_url("server_host")
    backend_token: str = shared.backend_token()
    # Per attempt: time to open the TCP connection, then to receive the answer.
    backend_connect_timeout_s: float = setting(
        "BACKEND_CONNECT_TIMEOUT", 1.0, parse=number(positive=True), shown="1", help="seconds"
    )
    backend_read_timeout_s: float = setting(
        "BACKEND_READ_TIMEOUT", 2.0, parse=number(positive=True), shown="2", help="seconds"
    )
    # Extra attempts for idempotent calls only, after ~backoff, ~2x backoff, ... (with jitter).
    backend_retries: int = setting("BACKEND_RETRIES", 1, parse=integer(0), help="extra attempts")
    backend_retry_backoff_s: float = setting(
        "BACKEND_RETRY_BACKOFF", 0.2, parse=number(), help="first backoff, seconds"
    )
    # After this many failed attempts in a row, calls fail at once for the cooldown, then one
    # trial call decides whether the backend is back.
    backend_circuit_threshold: int = setting(
        "BACKEND_CIRCUIT_THRESHOLD", 5, parse=integer(1), help="failures that open the circuit"
    )
    backend_circuit_cooldown_s: float = setting(
        "BACKEND_CIRCUIT_COOLDOWN", 30.0, parse=number(), shown="30", help="seconds open"
    )
    # HMAC secret of the signed customer tokens the host site hands to the widget.
    widget_token_secret: str = shared.widget_token_secret()
    # How customers reach the shop besides this chat (told when no agent can take a handoff).
    shop_contact_channels: str = setting(
        "SHOP_CONTACT_CHANNELS", DEFAULT_CONTACT_CHANNELS, help="the shop's other channels"
    )
    # ISO 4217 code of the shop's prices: the backend's amounts are plain numbers.
    shop_currency: str = setting("SHOP_CURRENCY", "USD", parse=_upper, help="ISO 4217 code")
    # Days after delivery a return is accepted; the backend's rule, told before any question.
    return_window_days: int = setting(
        "RETURN_WINDOW_DAYS", 30, parse=integer(1), help="days a return is accepted"
    )


def load_settings(environ: Mapping[str, str] | None = None) -> ActionSettings:
    """Read the environment; raise ``ValueError`` naming the variable that is malformed."""
    return load(ActionSettings, environ)


@cache
def get_settings() -> ActionSettings:
    """The process's settings, read from the environment on first use and then kept."""
    return load_settings()
