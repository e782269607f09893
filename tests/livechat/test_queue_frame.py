"""The inbox queue frame, built from the handoff service's live view (no servers needed)."""

from __future__ import annotations

import aiohttp

from bot.livechat.connections import SocketGroups
from bot.livechat.handoff import HandoffService
from bot.livechat.hours import parse_hours
from bot.livechat.rasa_client import RasaClient

SESSION = "web-" + "a" * 22


async def queued(reason: str | None) -> dict:
    async with aiohttp.ClientSession() as session:
        service = HandoffService(
            RasaClient(session, "http://127.0.0.1:9"),
            SocketGroups(),
            SocketGroups(),
            parse_hours("always", "UTC"),
            clock=lambda: 1_000.0,
        )
        await service.restore(SESSION, None, {"paused": True, "slots": {"handoff_reason": reason}})
        [entry] = service.queue_frame()["handoffs"]
    return entry


async def test_the_queue_carries_the_reason_in_words() -> None:
    entry = await queued("customer_request")
    assert entry["reason"] == "customer_request"
    assert entry["reason_text"] == "Customer asked for a person"


async def test_a_missing_or_new_reason_still_reads_as_words() -> None:
    assert (await queued(None))["reason_text"] == "Reason not recorded"
    assert (await queued("lost_parcel"))["reason_text"] == "Lost parcel"
