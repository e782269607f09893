"""Handoff reason codes (the ``handoff_reason`` slot actions/ sets) in words for people."""

from __future__ import annotations

REASONS = {
    "customer_request": "Customer asked for a person",
    "not_understood": "The assistant did not understand the customer",
    "backend_unavailable": "Our systems were unavailable",
    "too_many_attempts": "Too many failed attempts (locked out for a while)",
    "asked_too_often": "The customer was asked the same question too often",
    "return_window_expired": "Return outside the return window",
    "ticket_failed": "A support ticket could not be opened",
    "payment_issue": "Payment problem",
    "complaint": "Complaint",
}
UNKNOWN_REASON = "Reason not recorded"


def reason_in_words(code: str | None) -> str:
    """Words for a reason code; a code not listed yet is shown readably rather than hidden."""
    if not code:
        return UNKNOWN_REASON
    return REASONS.get(code, code.replace("_", " ").capitalize())
