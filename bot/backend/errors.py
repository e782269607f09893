"""The one error type handlers raise; the error middleware turns it into the contract's JSON."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer for the client: ``{"error": code, "message": message, **extra}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


def invalid_request(fields: dict[str, str], message: str = "") -> ApiError:
    """400 naming every field that is wrong, so a client can fix them all at once."""
    summary = message or "Some fields are missing or invalid: " + ", ".join(sorted(fields)) + "."
    return ApiError(400, "invalid_request", summary, extra={"fields": fields})


def order_not_found() -> ApiError:
    # Identical for unknown orders and identity mismatches, so order numbers cannot be probed.
    return ApiError(
        404,
        "order_not_found",
        "No order matches this order number and identity.",
    )
