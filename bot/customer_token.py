"""Signed customer tokens: how a shop's website tells the assistant who its logged-in customer is.

The host site signs ``{"customer_id", "exp"}`` with the shared ``WIDGET_TOKEN_SECRET`` and puts the
result in the widget's ``data-customer-token``; the widget forwards it as message metadata
``customer_token``. Anyone can put anything in a browser, so a token only counts when its
HMAC-SHA256 matches and it has not expired: a forged, altered or stale token is simply ignored and
the customer is treated as anonymous.

Format: ``base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, first part))``, unpadded.
Standard library only, so the action server, the widget gateway and any host site can share it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time

CUSTOMER_ID_PATTERN = re.compile(r"[A-Za-z0-9_.:@-]{1,64}")
MAX_TOKEN_CHARS = 1024


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload_part: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), payload_part.encode(), hashlib.sha256).digest()
    return _b64encode(digest)


def sign_customer_token(
    customer_id: str, secret: str, ttl_s: int = 3600, now: float | None = None
) -> str:
    """Token for ``customer_id`` valid for ``ttl_s`` seconds (what a host site's backend does)."""
    if not secret:
        raise ValueError("a customer token needs a non-empty secret")
    if not CUSTOMER_ID_PATTERN.fullmatch(customer_id):
        raise ValueError(f"customer_id must match {CUSTOMER_ID_PATTERN.pattern}")
    issued = time.time() if now is None else now
    payload = {"customer_id": customer_id, "exp": int(issued + ttl_s)}
    payload_part = _b64encode(json.dumps(payload, separators=(",", ":")).encode())
    return f"{payload_part}.{_signature(payload_part, secret)}"


def verify_customer_token(token: object, secret: str, now: float | None = None) -> str | None:
    """The customer id of a genuine, unexpired token; ``None`` for anything else.

    Without a configured secret no token can be trusted, so every token is ignored.
    """
    if not secret or not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        return None
    payload_part, dot, signature = token.partition(".")
    expected = _signature(payload_part, secret)
    if not dot or not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    try:
        payload = json.loads(_b64decode(payload_part))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    customer_id, expires = payload.get("customer_id"), payload.get("exp")
    if not isinstance(customer_id, str) or not CUSTOMER_ID_PATTERN.fullmatch(customer_id):
        return None
    if not isinstance(expires, int) or isinstance(expires, bool):
        return None
    if expires <= (time.time() if now is None else now):
        return None
    return customer_id
