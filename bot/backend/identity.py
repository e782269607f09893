"""The identity check for order calls, and the per-conversation throttle on failed checks.

Failures live in the database (not in process memory) so the limit holds across several backend
instances. An unknown order counts as a failure exactly like a wrong email: both look the same.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.backend.errors import ApiError, order_not_found
from bot.backend.schema import customers, identity_failures, orders
from bot.backend.validation import Identity

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


async def seconds_until_allowed(
    conn: AsyncConnection, conversation_id: str, now: datetime
) -> int | None:
    """None while the conversation may try; else how long until its oldest counted failure ages
    out of the window."""
    recent = await conn.execute(
        select(identity_failures.c.created_at)
        .where(identity_failures.c.conversation_id == conversation_id)
        .where(identity_failures.c.created_at > now - FAILURE_WINDOW)
        .order_by(identity_failures.c.created_at.desc())
        .limit(MAX_FAILURES)
    )
    times = recent.scalars().all()
    if len(times) < MAX_FAILURES:
        return None
    return max(1, math.ceil((times[-1] + FAILURE_WINDOW - now).total_seconds()))


async def _record_failure(
    conn: AsyncConnection, conversation_id: str, order_id: str, now: datetime
) -> None:
    expired = identity_failures.c.created_at < now - FAILURE_WINDOW
    await conn.execute(delete(identity_failures).where(expired))
    await conn.execute(
        insert(identity_failures).values(
            conversation_id=conversation_id, order_id=order_id, created_at=now
        )
    )


def too_many_attempts(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        "Too many failed identity checks in this conversation; try again later.",
        extra={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


async def verify_order_identity(
    engine: AsyncEngine, order_id: str, identity: Identity, conversation_id: str, now: datetime
) -> None:
    """Raise 429 while throttled, 404 unless the order exists and belongs to ``identity``."""
    async with engine.begin() as conn:
        retry_after = await seconds_until_allowed(conn, conversation_id, now)
        verified = False
        if retry_after is None:
            owner = (
                await conn.execute(
                    select(customers.c.customer_id, customers.c.email)
                    .join(orders, orders.c.customer_id == customers.c.customer_id)
                    .where(orders.c.order_id == order_id)
                )
            ).first()
            verified = owner is not None and identity.matches(owner.customer_id, owner.email)
            if not verified:
                await _record_failure(conn, conversation_id, order_id, now)
    # Raised after the block so the recorded failure is committed, not rolled back.
    if retry_after is not None:
        raise too_many_attempts(retry_after)
    if not verified:
        raise order_not_found()
