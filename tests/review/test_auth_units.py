"""The pieces behind login: password hashing, cookie signatures, lockout timing, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.review.auth.passwords import check_policy, hash_password, verify_password
from bot.review.auth.throttle import USER_POLICY, Policy
from bot.review.common.models import ROLE_NAMES
from bot.review.common.roles import Role
from bot.review.common.state import CookieSigner


def test_passwords_are_argon2id_and_verify() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")
    assert not verify_password("not-a-hash", "correct horse battery")
    assert not verify_password(stored, "x" * 10_000)


@pytest.mark.parametrize("password", ["short", " leading space ok?", "x" * 257])
def test_weak_or_odd_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValueError):
        check_policy(password)


def test_cookie_signatures_bind_key_and_purpose() -> None:
    signer = CookieSigner("key-one-0123456789", "session")
    signed = signer.sign("token")
    assert signer.unsign(signed) == "token"
    assert CookieSigner("key-two-0123456789", "session").unsign(signed) is None
    assert CookieSigner("key-one-0123456789", "login").unsign(signed) is None
    assert signer.unsign(signed + "x") is None
    assert signer.unsign("token") is None
    assert signer.unsign(None) is None
    with pytest.raises(ValueError):
        CookieSigner("", "session")


def test_lockouts_start_after_the_free_failures_and_double_up_to_the_cap() -> None:
    policy = Policy(3, timedelta(seconds=10), timedelta(minutes=1), timedelta(hours=1))
    assert [policy.lockout(n) for n in range(3)] == [None, None, None]
    assert policy.lockout(3) == timedelta(seconds=10)
    assert policy.lockout(4) == timedelta(seconds=20)
    assert policy.lockout(5) == timedelta(seconds=40)
    assert policy.lockout(6) == timedelta(minutes=1)
    assert policy.lockout(10_000) == timedelta(minutes=1)
    assert USER_POLICY.lockout(USER_POLICY.free_failures - 1) is None


def test_roles_are_ordered_and_match_the_table_constraint() -> None:
    assert Role.VIEWER < Role.ANNOTATOR < Role.AGENT < Role.ADMIN
    assert tuple(role.label for role in Role) == ROLE_NAMES
    assert Role.parse(" Admin ") is Role.ADMIN
    with pytest.raises(ValueError, match="choose one of: viewer, annotator, agent, admin"):
        Role.parse("root")
