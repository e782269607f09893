"""Redaction of specific formats; rates on a large generated corpus are in test_redaction_corpus."""

from __future__ import annotations

import pytest

from bot.cxlog.redaction import Redactor, luhn_valid, name_digest

REDACT_ALL = Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at anna.smith+shop@example.co.uk please", "mail me at [EMAIL] please"),
        ("card 4111 1111 1111 1111 exp 12/26", "card [CARD] exp 12/26"),
        ("4111-1111-1111-1111", "[CARD]"),
        ("card 4111\u00a01111\u00a01111\u00a01111", "card [CARD]"),
        ("card 4111\u202f1111\u202f1111\u202f1111", "card [CARD]"),
        ("4111.1111.1111.1111", "[CARD]"),
        ("amex 3782 822463 10005", "amex [CARD]"),
        ("iban DE89 3704 0044 0532 0130 00 please", "iban [IBAN] please"),
        ("gb82west12345698765432", "[IBAN]"),
        ("call me on 4155552671", "call me on [PHONE]"),
        ("+44 20 7946 0958", "[PHONE]"),
        ("(415) 555-2671 or 415.555.2671", "[PHONE] or [PHONE]"),
        ("my mobile is 07911 123456", "my mobile is [PHONE]"),
        ("07911 123456 is my number", "[PHONE] is my number"),
        ("+33 1 23 45 67 89", "[PHONE]"),
        ("ruf an: 030 12345678", "ruf an: [PHONE]"),
        ("I live at 221B Baker Street, London NW1 6XE", "I live at [ADDRESS]"),
        ("12 Oak Road apt 4", "[ADDRESS]"),
        ("742 Evergreen Terrace, Springfield, IL 62704 thanks", "[ADDRESS] thanks"),
        ("742 evergreen terrace, springfield, il 62704", "[ADDRESS]"),
        ("Hauptstraße 5, 10115 Berlin", "[ADDRESS]"),
        ("12 rue de Rivoli, 75001 Paris", "[ADDRESS]"),
        ("send it to PO Box 1234", "send it to [ADDRESS]"),
        ("my postcode is SW1A 1AA", "my postcode is [ADDRESS]"),
        ("my name is Anna Schmidt", "my name is [NAME]"),
        ("hi, i'm anna from leeds", "hi, i'm [NAME] from leeds"),
        ("This is Jan van der Berg from Acme", "This is [NAME] from Acme"),
        ("thanks, Priya", "thanks, [NAME]"),
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
        "please call me about order 10001",
        "return RMA-7KX3PQ9M",
        "ordered on 2024-03-15, delivered 15.03.2024 or 03/15/2024 at 14:30",
        "it costs 1,299.99 EUR for 5 items, € 1.299,00 or $25.50",
        "I paid 25 50 100",
        "it's 2 days on the way",
        "4111 1111 1111 1112 fails the Luhn check",
        "voucher XX12 ABCD EFGH IJKL MN is no IBAN",
        "track 1Z999AA10123456784",
        "I'm angry, I'm looking for my order and this is taking forever",
        "the parcel is in 10001",
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


def test_an_introduction_reports_the_name_to_learn() -> None:
    assert REDACT_ALL.scan("hello, my name is Anna Schmidt").introduced_names == (
        "Anna",
        "Schmidt",
    )


def test_kinds_can_be_switched_off() -> None:
    only_email = Redactor(frozenset({"email"}))
    text = "a@b.example or +44 20 7946 0958"
    assert only_email.redact(text) == "[EMAIL] or +44 20 7946 0958"
    assert Redactor(frozenset()).redact(text) == text


def test_phone_regions_decide_national_formats() -> None:
    text = "ruf an 030 12345678"
    assert Redactor(phone_regions=("DE",)).redact("030 12345678") == "[PHONE]"
    # Without Germany among the regions, only the word "ruf" (not a phone word) is left to go by.
    assert Redactor(phone_regions=("US",)).redact(text) == text


def test_pii_entity_types_become_placeholders_whatever_their_value() -> None:
    def value(entity: str, raw: str) -> object:
        return REDACT_ALL.entity_value({"entity": entity, "value": raw}, "s", set())

    assert value("email", "not an address") == "[EMAIL]"
    assert value("first_name", "Anna") == "[NAME]"
    assert value("iban", "whatever") == "[IBAN]"
    assert value("order_id", "10001") == "10001"
    assert value("note", "call +44 20 7946 0958") == "call [PHONE]"


def test_entities_inside_a_redacted_span_take_its_placeholder() -> None:
    text = "my card 4111 1111 1111 1111 and order 10001"
    message = REDACT_ALL.scan(text)
    groups = [
        {"entity": "order_id", "value": "4111", "start": 8, "end": 12},
        {"entity": "order_id", "value": "1111", "start": 23, "end": 27},
        {"entity": "order_id", "value": "10001", "start": 38, "end": 43},
    ]
    values = [REDACT_ALL.entity_value(entity, "s", set(), message) for entity in groups]
    assert values == ["[CARD]", "[CARD]", "10001"]


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
