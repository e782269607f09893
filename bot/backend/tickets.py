"""Support tickets: what a human agent follows up on when the assistant cannot solve a problem."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backend.errors import ApiError, invalid_request
from bot.backend.formatting import iso_datetime
from bot.backend.schema import customers, support_tickets

# Ticket ids are the row id plus this offset, so the first ticket reads T-100001.
TICKET_NUMBER_OFFSET = 100_000
MAX_ROW_ID = 2**31 - 1  # Postgres INTEGER; larger ids would be a driver error, not a 404


def ticket_payload(row: Any) -> dict[str, Any]:
    return {
        "ticket_id": f"T-{row.id + TICKET_NUMBER_OFFSET}",
        "category": row.category,
        "summary": row.summary,
        "status": row.status,
        "follow_up_due": iso_datetime(row.follow_up_due),
        "created_at": iso_datetime(row.created_at),
    }


async def create_ticket(
    engine: AsyncEngine, fields: dict[str, Any], follow_up: timedelta, now: datetime
) -> dict[str, Any]:
    """Store a ticket from validated ``fields``; it is due for a human follow-up after
    ``follow_up``."""
    async with engine.begin() as conn:
        if fields["customer_id"] is not None:
            known = await conn.execute(
                select(customers.c.customer_id).where(
                    customers.c.customer_id == fields["customer_id"]
                )
            )
            if known.first() is None:
                raise invalid_request({"customer_id": "is not a known customer"})
        result = await conn.execute(
            insert(support_tickets).values(
                conversation_id=fields["conversation_id"],
                category=fields["category"],
                summary=fields["summary"],
                transcript=fields["transcript"],
                customer_id=fields["customer_id"],
                email=fields["email"],
                status="open",
                follow_up_due=now + follow_up,
                created_at=now,
            )
        )
        ticket_row_id = result.inserted_primary_key[0]
    return await get_ticket(engine, f"T-{ticket_row_id + TICKET_NUMBER_OFFSET}")


async def get_ticket(engine: AsyncEngine, ticket_id: str) -> dict[str, Any]:
    row_id = int(ticket_id.removeprefix("T-")) - TICKET_NUMBER_OFFSET
    row = None
    if 0 < row_id <= MAX_ROW_ID:
        async with engine.connect() as conn:
            query = select(support_tickets).where(support_tickets.c.id == row_id)
            row = (await conn.execute(query)).first()
    if row is None:
        raise ApiError(404, "ticket_not_found", f"No ticket with id {ticket_id}.")
    return ticket_payload(row)
