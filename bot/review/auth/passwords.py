"""Argon2id password hashes and the password policy.

Parameters are OWASP's recommended minimum for argon2id (19 MiB, 2 passes, 1 lane): tens of
milliseconds per hash here. argon2-cffi's default (64 MiB, 3 passes, 4 lanes) took about a
second per login on this 2-core machine, which would make the login form itself a way to exhaust
the CPU. Handlers run the hash in a worker thread so a login does not stall other requests.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_CHARS = 12
# Long enough for any passphrase, short enough that hashing it cannot be used to burn CPU.
MAX_PASSWORD_CHARS = 256

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the user does not exist, so "no such user" takes as long as "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


def check_policy(password: str) -> None:
    """``ValueError`` saying what is wrong with a new password."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"the password must have at most {MAX_PASSWORD_CHARS} characters")
    if password.strip() != password:
        raise ValueError("the password must not start or end with whitespace")


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; ``password_hash=None`` (unknown user) is always False."""
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
