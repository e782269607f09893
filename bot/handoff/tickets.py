"""Open a support ticket through the commerce backend when nobody can take a handoff live.

Uses the backend API contract (``POST /tickets``, docs/backend-api.md), so it works against the
reference backend or a company's own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

TICKET_CATEGORY = "human_handoff"
MAX_SUMMARY_CHARS = 500
# The contract caps ticket bodies at 64 KiB: keep the transcript's latest 40 KB.
MAX_TRANSCRIPT_BYTES = 40_000


@dataclass(frozen=True)
class TicketRequest:
    conversation_id: str
    reason: str | None
    transcript: str
    customer_id: str | None


def _summary(reason: str | None) -> str:
    text = f"Customer asked for a person; no agent was available. Reason: {reason or 'not given'}"
    return text[:MAX_SUMMARY_CHARS]


def _tail(text: str, max_bytes: int) -> str:
    return text.encode()[-max_bytes:].decode(errors="ignore")


class TicketClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token

    async def open_ticket(self, request: TicketRequest) -> str | None:
        """The new ticket's id, or ``None`` when the backend could not take it (logged)."""
        body: dict[str, Any] = {
            "conversation_id": request.conversation_id,
            "category": TICKET_CATEGORY,
            "summary": _summary(request.reason),
            "transcript": _tail(request.transcript, MAX_TRANSCRIPT_BYTES),
        }
        if request.customer_id:
            body["customer_id"] = request.customer_id
        try:
            async with self.session.post(
                f"{self.base_url}/tickets",
                data=json.dumps(body, ensure_ascii=False).encode(),
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                },
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                payload = await response.json(content_type=None)
                if response.status == 201 and isinstance(payload, dict):
                    return str(payload["ticket_id"])
                logger.error("backend refused the handoff ticket: %s %s", response.status, payload)
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
            logger.exception("could not open a handoff ticket")
        return None
