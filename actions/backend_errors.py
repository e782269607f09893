"""The backend client's typed errors: what an action catches to tell the customer why.

Each contract answer the customer must hear differently has its own class (``NotFound``,
``Conflict``, ``TooManyAttempts``, ...); everything that leaves the action with nothing usable
derives from ``BackendError``, so one ``except BackendError`` is always the last resort.
They live apart from the client so actions can name them without the transport.
"""

from __future__ import annotations

from typing import Any, Literal


class BackendError(Exception):
    """Base of every failure. ``code`` is the contract's error code when the backend sent one,
    ``details`` the error body's other fields (``status``, ``window_days``, ``items``, ...)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details or {}


UnavailableReason = Literal["unreachable", "timeout", "server_error", "circuit_open"]


class BackendUnavailable(BackendError):
    """No usable answer: nothing listening, too slow, a 5xx, or the circuit is open (not tried)."""

    def __init__(self, reason: UnavailableReason, message: str, *, status: int | None = None):
        super().__init__(message, status=status)
        self.reason = reason


class BackendProtocolError(BackendError):
    """The backend answered something the contract does not allow (not JSON, wrong shape)."""


class Unauthorized(BackendError):
    """The backend refused our service token: a deployment mistake, not the customer's."""


class InvalidRequest(BackendError):
    """The backend (or this client) refused the input; ``fields`` maps each bad field to why."""

    @property
    def fields(self) -> dict[str, str]:
        fields = self.details.get("fields")
        return fields if isinstance(fields, dict) else {}


class NotFound(BackendError):
    """No such resource; for orders also "not this customer's" (the two are indistinguishable)."""


class Conflict(BackendError):
    """The resource's state forbids the change; ``code`` and ``details`` say why."""


class TooManyAttempts(BackendError):
    """Too many failed identity checks for the order or from the customer's address;
    ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: int | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
