"""The identity check for order calls, and the cooling-off after repeated failed checks.

Failed checks are counted per order number and per client address, not per conversation: a
guesser can open a new conversation for every try, but cannot change the order it is after, and
changes its address only at a cost. Failures live in the database (not in process memory) so
the limits hold across every backend instance and every action server that calls them. An
unknown order counts exactly like a wrong email, and while an order or an address cools off no
check is made at all, so the answers never tell whether an order or an email exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from bot.backend.errors import ApiError, order_not_found
from bot.backend.schema import customers, identity_failures, orders
from bot.backend.validation import Identity


@dataclass(frozen=True)
class IdentityLimits:
    """``max_failures`` per order and ``max_failures_per_address`` per client address within
    ``window``; then that order (or address) cools off until its failures age out."""

    max_failures: int = 5
    max_failures_per_address: int = 10
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.max_failures_per_address < 1:
            raise ValueError("IDENTITY_MAX_FAILURES(_PER_ADDRESS) must be at least 1")
        if self.window <= timedelta(0):
            raise ValueError("IDENTITY_WINDOW_MINUTES must be at least 1")


async def _cooling_off_s(
    conn: AsyncConnection, which: ColumnElement[bool], limit: int, window: timedelta, now: datetime
) -> int | None:
    """Seconds until the failures ``which`` selects drop below ``limit``; None if they are."""
    recent = await conn.execute(
        select(identity_failures.c.created_at)
        .where(which)
        .where(identity_failures.c.created_at > now - window)
        .order_by(identity_failures.c.created_at.desc())
        .limit(limit)
    )
    times = recent.scalars().all()
    if len(times) < limit:
        return None
    return max(1, math.ceil((times[-1] + window - now).total_seconds()))


async def seconds_until_allowed(
    conn: AsyncConnection,
    order_id: str,
    client_address: str | None,
    limits: IdentityLimits,
    now: datetime,
) -> int | None:
    """None while this order may be checked from this address; else how long until it may."""
    waits = [
        await _cooling_off_s(
            conn, identity_failures.c.order_id == order_id, limits.max_failures, limits.window, now
        )
    ]
    if client_address is not None:
        by_address = identity_failures.c.client_address == client_address
        waits.append(
            await _cooling_off_s(
                conn, by_address, limits.max_failures_per_address, limits.window, now
            )
        )
    counted = [wait for wait in waits if wait is not None]
    return max(counted) if counted else None


async def _record_failure(
    conn: AsyncConnection,
    order_id: str,
    client_address: str | None,
    conversation_id: str,
    limits: IdentityLimits,
    now: datetime,
) -> None:
    expired = identity_failures.c.created_at < now - limits.window
    await conn.execute(delete(identity_failures).where(expired))
    await conn.execute(
        insert(identity_failures).values(
            order_id=order_id,
            client_address=client_address,
            conversation_id=conversation_id,
            created_at=now,
        )
    )


def too_many_attempts(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        "Too many failed identity checks for this order or from this address; try again later.",
        extra={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


async def verify_order_identity(
    engine: AsyncEngine,
    order_id: str,
    identity: Identity,
    conversation_id: str,
    now: datetime,
    *,
    client_address: str | None = None,
    limits: IdentityLimits = IdentityLimits(),  # noqa: B008 (frozen, shared safely)
) -> None:
    """Raise 429 while the order or the address cools off, 404 unless the order exists and
    belongs to ``identity``."""
    async with engine.begin() as conn:
        retry_after = await seconds_until_allowed(conn, order_id, client_address, limits, now)
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
                await _record_failure(conn, order_id, client_address, conversation_id, limits, now)
    # Raised after the block so the recorded failure is committed, not rolled back.
    if retry_after is not None:
        raise too_many_attempts(retry_after)
    if not verified:
        raise order_not_found()


@dataclass(frozen=True)
class OrderCall:
    """Who asks about which order, from where, under which limits: what every identity-checked
    order call (lookup, cancel, address change, return) carries, so each takes it as one."""

    order_id: str
    identity: Identity
    conversation_id: str
    client_address: str | None = None
    limits: IdentityLimits = IdentityLimits()  # noqa: RUF009 (frozen, shared safely)

    async def verify(self, engine: AsyncEngine, now: datetime) -> None:
        """:func:`verify_order_identity` for this call."""
        await verify_order_identity(
            engine,
            self.order_id,
            self.identity,
            self.conversation_id,
            now,
            client_address=self.client_address,
            limits=self.limits,
        )
