"""The review app's one client for the Rasa server: chat turns, tracker reads, appended events.

The widget gateway and the agent inbox both run in the review app's process and reach Rasa only
through here, so the browser never talks to Rasa (nor learns anything about its HTTP API).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

TURN_TIMEOUT = aiohttp.ClientTimeout(total=30)
API_TIMEOUT = aiohttp.ClientTimeout(total=10)


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error; the caller tells the user plainly."""


class RasaClient:
    """Async calls to Rasa's REST channel and HTTP API over one shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str = "") -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        # Rasa's API checks ``?token=`` (RASA_AUTH_TOKEN); its REST channel ignores it.
        self.auth = {"token": token} if token else {}
        self.auth_token = token

    def _conversation_url(self, sender_id: str, suffix: str) -> str:
        return f"{self.base_url}/conversations/{quote(sender_id, safe='')}/{suffix}"

    async def _json(self, method: str, url: str, limit: aiohttp.ClientTimeout, **kw: Any) -> Any:
        try:
            async with self.session.request(method, url, timeout=limit, **kw) as response:
                if response.status >= 400:
                    detail = (await response.text())[:300]
                    raise RasaUnavailable(f"{method} {url} -> {response.status}: {detail}")
                return await response.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(f"{method} {url} failed: {error!r}") from error

    async def send_message(
        self, sender_id: str, text: str, metadata: dict[str, Any], client_ip: str | None
    ) -> list[dict[str, Any]]:
        """One customer turn through the (guarded) REST channel; returns the bot's messages.

        The customer's address goes along as ``X-Forwarded-For`` so Rasa limits messages and
        identity guesses per customer rather than per gateway. The REST channel believes it
        because the API token vouches for this caller (bot/channels/client_address.py); without
        a token every widget customer counts as the gateway's own address.
        """
        headers = {"X-Forwarded-For": client_ip} if client_ip else {}
        if self.auth_token:
            headers["Authorization"] = f"Bearer {self.auth_token}"
        body = {"sender": sender_id, "message": text, "metadata": metadata}
        url = f"{self.base_url}/webhooks/rest/webhook"
        replies = await self._json("POST", url, TURN_TIMEOUT, json=body, headers=headers)
        return replies if isinstance(replies, list) else []

    async def tracker(self, sender_id: str, with_events: bool = True) -> dict[str, Any]:
        """The conversation's state (``paused``, ``slots``) and, if asked, all its events."""
        verbosity = "AFTER_RESTART" if with_events else "NONE"
        url = self._conversation_url(sender_id, "tracker")
        params = {"include_events": verbosity, **self.auth}
        return await self._json("GET", url, API_TIMEOUT, params=params)

    async def trigger_intent(self, sender_id: str, intent: str) -> list[dict[str, Any]]:
        """Run the bot as if the customer had said ``intent``; returns the bot's messages."""
        url = self._conversation_url(sender_id, "trigger_intent")
        body = {"name": intent}
        reply = await self._json(
            "POST", url, TURN_TIMEOUT, json=body, params={"include_events": "NONE", **self.auth}
        )
        messages = reply.get("messages") if isinstance(reply, dict) else None
        return messages if isinstance(messages, list) else []

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Record events (agent messages, ``resume``) so the transcript and CX log see them."""
        url = self._conversation_url(sender_id, "tracker/events")
        params = {"include_events": "NONE", **self.auth}
        await self._json("POST", url, API_TIMEOUT, json=events, params=params)
