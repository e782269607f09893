"""Review-app accounts: creating and changing them, and checking a sign-in.

Used by the login page, the admin page and ``python -m bot users add``; every function takes an
open session and leaves committing to the caller.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.review.auth import throttle
from bot.review.auth.passwords import hash_password, verify_password
from bot.review.auth.sessions import end_user_sessions
from bot.review.common.forms import folded_name
from bot.review.common.models import ReviewUser
from bot.review.common.roles import Role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
USERNAME_RULE = (
    "a username has 2-64 characters: letters, digits and . _ @ -, starting with a letter or digit"
)
MAX_DISPLAY_NAME_CHARS = 64


class UserError(ValueError):
    """Input that cannot become or change an account; the message says why."""


def normalise_username(raw: str) -> str:
    return folded_name(raw, USERNAME, UserError(USERNAME_RULE))


def normalise_display_name(raw: str | None) -> str | None:
    """Customers read it in the widget: one line of printable text; blank means "use the login"."""
    name = " ".join((raw or "").split())
    if not name:
        return None
    if len(name) > MAX_DISPLAY_NAME_CHARS or not name.isprintable():
        raise UserError(f"a display name has 1-{MAX_DISPLAY_NAME_CHARS} printable characters")
    return name


async def find_user(db: AsyncSession, username: str) -> ReviewUser | None:
    return await db.scalar(select(ReviewUser).where(ReviewUser.username == username))


async def create_user(
    db: AsyncSession,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    display_name: str | None = None,
) -> ReviewUser:
    name = normalise_username(username)
    shown = normalise_display_name(display_name)
    if await find_user(db, name) is not None:
        raise UserError(f"user {name!r} already exists")
    try:
        password_hash = await asyncio.to_thread(hash_password, password)
    except ValueError as error:
        raise UserError(str(error)) from None
    user = ReviewUser(
        username=name,
        display_name=shown,
        password_hash=password_hash,
        role=role.label,
        is_active=True,
        created_at=now,
    )
    db.add(user)
    await db.flush()
    return user


async def list_users(db: AsyncSession) -> list[ReviewUser]:
    return list(await db.scalars(select(ReviewUser).order_by(ReviewUser.username)))


async def _active_admins(db: AsyncSession) -> int:
    query = select(func.count()).where(ReviewUser.role == "admin", ReviewUser.is_active.is_(True))
    return await db.scalar(query) or 0


async def update_user(
    db: AsyncSession,
    user: ReviewUser,
    role: Role,
    is_active: bool,
    new_password: str | None,
    display_name: str | None = None,
) -> None:
    """Change an account; never leaves the app without an active admin."""
    shown = normalise_display_name(display_name)
    was_admin = user.role == "admin" and user.is_active
    if was_admin and (role != Role.ADMIN or not is_active) and await _active_admins(db) <= 1:
        raise UserError("this is the last active admin; make another admin first")
    if new_password:
        try:
            user.password_hash = await asyncio.to_thread(hash_password, new_password)
        except ValueError as error:
            raise UserError(str(error)) from None
    if new_password or (user.is_active and not is_active):
        await end_user_sessions(db, user.id)
    # Saving an account is also how an admin lifts a sign-in lockout.
    await throttle.clear(db, throttle.user_key(user.username))
    user.role = role.label
    user.is_active = is_active
    user.display_name = shown


@dataclass(frozen=True)
class LoginResult:
    user: ReviewUser | None = None
    locked_for: timedelta | None = None


async def authenticate(
    db: AsyncSession, username: str, password: str, address: str | None, now: datetime
) -> LoginResult:
    """Check a sign-in against the lockouts first, then the password; record the outcome."""
    name = username.strip().lower()[:64]
    keys = (throttle.user_key(name), throttle.address_key(address))
    waits = [wait for key in keys if (wait := await throttle.locked_for(db, key, now))]
    if waits:
        return LoginResult(locked_for=max(waits))
    user = await find_user(db, name)
    usable = user if user is not None and user.is_active else None
    stored_hash = usable.password_hash if usable is not None else None
    if not await asyncio.to_thread(verify_password, stored_hash, password):
        await throttle.record_failure(db, keys[0], throttle.USER_POLICY, now)
        await throttle.record_failure(db, keys[1], throttle.ADDRESS_POLICY, now)
        return LoginResult()
    await throttle.clear(db, keys[0])
    return LoginResult(user=usable)
