"""The real reference backend as the action tests see it (their fixture starts it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from actions.settings import ActionSettings
from bot.testing.processes import ServerProcess


@dataclass(frozen=True)
class RunningBackend:
    url: str  # base URL ending in /api/v1, as BACKEND_URL
    token: str
    database_url: str
    process: ServerProcess

    def client_settings(self, **overrides: Any) -> ActionSettings:
        """Client settings for this backend (defaults as shipped unless overridden)."""
        return replace(ActionSettings(backend_url=self.url, backend_token=self.token), **overrides)
