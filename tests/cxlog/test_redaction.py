"""Redaction: specific formats, then catch rates on a seeded synthetic set of hundreds of cases."""

from __future__ import annotations

import pytest

from bot.cxlog.redaction import Redactor, luhn_valid, name_digest
from tests.cxlog.synthetic_pii import generate

REDACT_ALL = Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at anna.smith+shop@example.co.uk please", "mail me at [EMAIL] please"),
        ("card 4111 1111 1111 1111 exp 12/26", "card [CARD] exp 12/26"),
        ("4111-1111-1111-1111", "[CARD]"),
        ("amex 3782 822463 10005", "amex [CARD]"),
        ("call me on 4155552671", "call me on [PHONE]"),
        ("+44 20 7946 0958", "[PHONE]"),
        ("(415) 555-2671 or 415.555.2671", "[PHONE] or [PHONE]"),
        ("07700 900123", "[PHONE]"),
        ("+33 1 23 45 67 89", "[PHONE]"),
        ("I live at 221B Baker Street, London NW1 6XE", "I live at [ADDRESS], London [ADDRESS]"),
        ("12 Oak Road apt 4", "[ADDRESS]"),
        ("Hauptstraße 5, 10115 Berlin", "[ADDRESS], 10115 Berlin"),
        ("12 rue de Rivoli, Paris", "[ADDRESS], Paris"),
        ("send it to PO Box 1234", "send it to [ADDRESS]"),
    ],
)
def test_redacts_known_formats(text: str, expected: str) -> None:
    assert REDACT_ALL.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "my order #10001 is late",
        "order 12345678 and 1234567890",
        "orders 10001 10002",
        "ordered on 2024-03-15, delivered 15.03.2024 or 03/15/2024",
        "it costs 1,299.99 EUR for 5 items",
        "it's 2 days on the way",
        "4111 1111 1111 1112 fails the Luhn check",
        "track 1Z999AA10123456784",
    ],
)
def test_leaves_order_numbers_dates_and_amounts(text: str) -> None:
    assert REDACT_ALL.redact(text) == text


def test_a_card_inside_a_longer_digit_run_is_still_found() -> None:
    assert REDACT_ALL.redact("4111111111111111 12345") == "[CARD] 12345"


def test_names_known_from_digests_are_redacted_in_any_case_and_form() -> None:
    digests = {name_digest("s1", word) for word in ("Anna", "Schmidt", "Marie")}
    redacted = REDACT_ALL.redact(
        "Hi ANNA, Anna's parcel for anna schmidt and Anne-Marie", "s1", digests
    )
    assert redacted == "Hi [NAME], [NAME]'s parcel for [NAME] and Anne-[NAME]"


def test_name_digests_are_bound_to_their_conversation() -> None:
    digests = {name_digest("s1", "Anna")}
    assert REDACT_ALL.redact("Anna", "another-sender", digests) == "Anna"


def test_kinds_can_be_switched_off() -> None:
    only_email = Redactor(frozenset({"email"}))
    text = "a@b.example or +44 20 7946 0958"
    assert only_email.redact(text) == "[EMAIL] or +44 20 7946 0958"
    assert Redactor(frozenset()).redact(text) == text


def test_pii_entity_types_become_placeholders_whatever_their_value() -> None:
    assert REDACT_ALL.entity_value("email", "not an address", "s", set()) == "[EMAIL]"
    assert REDACT_ALL.entity_value("first_name", "Anna", "s", set()) == "[NAME]"
    assert REDACT_ALL.entity_value("order_id", "10001", "s", set()) == "10001"
    assert REDACT_ALL.entity_value("note", "call +44 20 7946 0958", "s", set()) == "call [PHONE]"


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


SYNTHETIC = generate()


def _caught(kind: str) -> float:
    cases = [case for case in SYNTHETIC if case.kind == kind]
    placeholder = f"[{kind.upper()}]"
    caught = [
        case
        for case in cases
        if case.secret not in (redacted := REDACT_ALL.redact(case.text)) and placeholder in redacted
    ]
    return len(caught) / len(cases)


def test_synthetic_set_is_large_and_deterministic() -> None:
    assert len(SYNTHETIC) >= 1000
    assert generate() == SYNTHETIC


@pytest.mark.parametrize("kind", ["email", "phone", "card"])
def test_at_least_99_percent_of_personal_data_is_caught(kind: str) -> None:
    assert _caught(kind) >= 0.99


def test_order_numbers_are_kept() -> None:
    orders = [case for case in SYNTHETIC if case.kind == "order"]
    kept = [case for case in orders if case.secret in REDACT_ALL.redact(case.text)]
    assert len(kept) / len(orders) >= 0.99
