"""Login rate limiting: after a few failed sign-ins a username (or a client address) is locked for
a time that doubles with every further failure.

The counters live in the database (``review_login_throttle``), so restarting the app or running
several processes does not reset them. A successful sign-in clears the username's counter; the
address counter only forgets failures after a quiet hour, so one valid account cannot be used to
keep guessing others' passwords from the same address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.review.common.models import LoginThrottle


@dataclass(frozen=True)
class Policy:
    free_failures: int  # failures allowed before the first lockout
    first_lockout: timedelta
    max_lockout: timedelta
    forget_after: timedelta  # a key's failures older than this no longer count

    def lockout(self, failures: int) -> timedelta | None:
        """How long ``failures`` consecutive failures lock the key (None: not locked)."""
        if failures < self.free_failures:
            return None
        doublings = min(failures - self.free_failures, 20)
        return min(self.first_lockout * (2**doublings), self.max_lockout)


USER_POLICY = Policy(5, timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=1))
# Many colleagues may share an office address: a higher allowance, the same doubling.
ADDRESS_POLICY = Policy(20, timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=1))


def user_key(username: str) -> str:
    return f"user:{username.strip().lower()[:64]}"


def address_key(address: str | None) -> str:
    return f"ip:{(address or 'unknown')[:100]}"


async def locked_for(session: AsyncSession, key: str, now: datetime) -> timedelta | None:
    """Time left on the key's lockout, or None if it may try now."""
    row = await session.get(LoginThrottle, key)
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    return row.locked_until - now


async def record_failure(session: AsyncSession, key: str, policy: Policy, now: datetime) -> None:
    row = await session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, last_failure_at=now)
        session.add(row)
    elif now - row.last_failure_at > policy.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    lockout = policy.lockout(row.failures)
    row.locked_until = now + lockout if lockout else None


async def clear(session: AsyncSession, key: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
