"""Signed customer tokens: only a genuine, unexpired token from the host site names a customer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from bot.customer_token import sign_customer_token, verify_customer_token

SECRET = "shop-and-assistant-share-this"
NOW = 1_800_000_000.0


def test_a_genuine_token_names_its_customer() -> None:
    token = sign_customer_token("C1001", SECRET, ttl_s=600, now=NOW)
    assert verify_customer_token(token, SECRET, now=NOW + 599) == "C1001"


def test_an_expired_token_is_ignored() -> None:
    token = sign_customer_token("C1001", SECRET, ttl_s=600, now=NOW)
    assert verify_customer_token(token, SECRET, now=NOW + 600) is None


def test_a_token_signed_with_another_secret_is_ignored() -> None:
    token = sign_customer_token("C1001", "someone-else's-secret", now=NOW)
    assert verify_customer_token(token, SECRET, now=NOW) is None


def test_swapping_the_customer_breaks_the_signature() -> None:
    token = sign_customer_token("C1001", SECRET, now=NOW)
    payload, signature = token.split(".")
    forged = base64.urlsafe_b64encode(
        json.dumps({"customer_id": "C1002", "exp": int(NOW) + 3600}).encode()
    )
    assert verify_customer_token(f"{forged.decode().rstrip('=')}.{signature}", SECRET) is None


def test_without_a_configured_secret_no_token_counts() -> None:
    token = sign_customer_token("C1001", SECRET, now=NOW)
    assert verify_customer_token(token, "", now=NOW) is None


@pytest.mark.parametrize(
    "token",
    [None, 42, "", ".", "no-dot", "é.é", "a" * 5000, "bm90IGpzb24.c2ln", "W10.c2ln", "...."],
)
def test_garbage_is_ignored_without_errors(token: object) -> None:
    assert verify_customer_token(token, SECRET, now=NOW) is None


def signed(payload: object) -> str:
    """Any payload signed like the module signs, to reach the checks behind the signature."""
    part = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    digest = hmac.new(SECRET.encode(), part.encode(), hashlib.sha256).digest()
    return f"{part}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def test_a_correctly_signed_payload_must_still_be_well_formed() -> None:
    assert (
        verify_customer_token(signed({"customer_id": "C1", "exp": NOW + 60}), SECRET, NOW) is None
    )
    assert verify_customer_token(signed({"customer_id": "C1", "exp": True}), SECRET, NOW) is None
    assert verify_customer_token(signed({"customer_id": "<x>", "exp": 2**40}), SECRET, NOW) is None
    assert verify_customer_token(signed(["C1", 2**40]), SECRET, NOW) is None
    assert verify_customer_token(signed({"customer_id": "C1", "exp": 2**40}), SECRET, NOW) == "C1"


def test_signing_refuses_what_verification_would_reject() -> None:
    with pytest.raises(ValueError):
        sign_customer_token("C1001", "")
    with pytest.raises(ValueError):
        sign_customer_token("not a customer id!", SECRET)
