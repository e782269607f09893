"""How the backend client reads an answer: the contract's shapes and its error bodies.

A reply is trusted only when it carries the keys docs/backend-api.md promises ("Shapes"); an
error answer becomes the typed error (``actions.backend_errors``) an action can catch. Kept apart
from the transport so the contract is in one readable place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from actions.backend_errors import (
    BackendError,
    BackendProtocolError,
    BackendUnavailable,
    Conflict,
    InvalidRequest,
    NotFound,
    TooManyAttempts,
    Unauthorized,
)

# Keys each shape must carry (docs/backend-api.md, "Shapes"); a reply without them is not trusted.
CUSTOMER_KEYS = frozenset({"customer_id", "first_name", "last_name", "email"})
ORDER_KEYS = frozenset(
    {"order_id", "customer_id", "status", "carrier", "tracking_number", "tracking_url"}
    | {"expected_delivery", "delivered_at", "shipping_address", "created_at", "total", "items"}
)
RETURN_KEYS = frozenset(
    {"rma", "order_id", "item", "reason", "resolution", "status", "refund_method"}
    | {"refund_status", "refund_amount", "refund_eta", "refunded_at", "dropoff_instructions"}
    | {"label_url", "created_at"}
)
TICKET_KEYS = frozenset(
    {"ticket_id", "category", "summary", "status", "follow_up_due", "created_at"}
)
STATUS_KEYS = frozenset({"status"})


def interpret(status: int, raw: bytes, retry_after: str | None) -> Any:
    """The parsed body of a 2xx answer; every other answer raises its typed error."""
    if status >= 500:
        raise BackendUnavailable("server_error", f"HTTP {status}", status=status)
    if status in (401, 403):
        raise Unauthorized("the backend refused the service token (BACKEND_TOKEN)", status=status)
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BackendProtocolError(f"HTTP {status} with a body that is not JSON") from exc
    if 200 <= status < 300:
        return body
    raise _contract_error(status, body, retry_after)


def _contract_error(status: int, body: Any, retry_after: str | None) -> BackendError:
    """The typed error for a 4xx answer in the contract's ``{"error", "message", ...}`` form."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return BackendProtocolError(f"HTTP {status} without the contract's error body")
    code = body["error"]
    message = f"{code}: {body.get('message', '')}"
    details = {key: value for key, value in body.items() if key not in ("error", "message")}
    fields: dict[str, Any] = {"status": status, "code": code, "details": details}
    if status in (400, 413, 415, 422):
        return InvalidRequest(message, **fields)
    if status == 404:
        return NotFound(message, **fields)
    if status == 409:
        return Conflict(message, **fields)
    if status == 429:
        return TooManyAttempts(message, retry_after=_retry_after_s(details, retry_after), **fields)
    return BackendProtocolError(f"HTTP {status} is not in the contract ({code})", status=status)


def _retry_after_s(details: dict[str, Any], header: str | None) -> int | None:
    """From the body's ``retry_after``, else the ``Retry-After`` header (delta seconds)."""
    for candidate in (details.get("retry_after"), header):
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return max(0, candidate)
        if isinstance(candidate, str) and candidate.strip().isdigit():
            return int(candidate)
    return None


def shaped(keys: frozenset[str]) -> Callable[[Any], dict[str, Any]]:
    """A check that the body is a JSON object with all of ``keys``."""

    def check(body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BackendProtocolError(f"expected a JSON object, got {type(body).__name__}")
        missing = keys - body.keys()
        if missing:
            raise BackendProtocolError(f"reply lacks {', '.join(sorted(missing))}")
        return body

    return check


def listed(field: str, keys: frozenset[str]) -> Callable[[Any], list[dict[str, Any]]]:
    """A check that ``body[field]`` is a list of objects, each with all of ``keys``."""
    item_check = shaped(keys)

    def check(body: Any) -> list[dict[str, Any]]:
        items = shaped(frozenset({field}))(body)[field]
        if not isinstance(items, list):
            raise BackendProtocolError(f"{field} is not a list")
        return [item_check(item) for item in items]

    return check
