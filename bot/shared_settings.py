"""The variables both the Rasa-side services (``bot.settings``) and the action server
(``actions.settings``) read, declared here once: each function returns a fresh dataclass field
(a field object cannot be shared between two classes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.envvars import integer, secret, setting, text


def bot_host() -> Any:
    return setting("BOT_HOST", "127.0.0.1", help="interface every service binds to")


def action_port() -> Any:
    return setting("ACTION_PORT", 5055, parse=integer(0), help="action server")


def backend_port() -> Any:
    return setting("BACKEND_PORT", 8001, parse=integer(0), help="reference commerce backend")


def backend_url(host_field: str) -> Any:
    """``host_field``: the name the settings class gives ``BOT_HOST`` (the default's host)."""

    def derive(values: Mapping[str, Any]) -> str:
        return f"http://{values[host_field]}:{values['backend_port']}/api/v1"

    return setting(
        "BACKEND_URL",
        "http://127.0.0.1:8001/api/v1",
        parse=lambda name, raw: text(name, raw).rstrip("/"),
        shown="http://$BOT_HOST:$BACKEND_PORT/api/v1",
        derive=derive,
        help="the commerce backend the actions and the agent inbox's customer panel call",
    )


def backend_token() -> Any:
    return setting(
        "BACKEND_TOKEN", "", parse=secret, shown="generated", help="backend bearer token"
    )


def max_body_bytes() -> Any:
    return setting(
        "SANIC_REQUEST_MAX_SIZE", 1024 * 1024, parse=integer(1), help="larger bodies get a 413"
    )


def widget_token_secret() -> Any:
    return setting(
        "WIDGET_TOKEN_SECRET", "", parse=secret, shown="generated", help="customer-token secret"
    )
