"""Slots that say who the customer is are set by our own actions only, after verification.

A ``from_entity`` or ``from_text`` mapping would let a message set them: Rasa turns an intent
payload such as ``/greet{"customer_id": "C1001"}`` into entities, and entities fill slots.
"""

from __future__ import annotations

import yaml

from bot.testing.processes import PROJECT_ROOT

# customer_id skips the email check; the names and email are shown back; verified_order holds
# order details; recent_order_id is the order offered to a signed-in customer.
IDENTITY_SLOTS = (
    "customer_id",
    "customer_first_name",
    "customer_email",
    "verified_order",
    "recent_order_id",
)


def test_identity_slots_have_only_custom_mappings() -> None:
    slots = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["slots"]
    for name in IDENTITY_SLOTS:
        assert slots[name]["mappings"] == [{"type": "custom"}], name


def test_no_entity_is_named_after_an_identity_slot() -> None:
    entities = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text()).get("entities") or []
    names = {entity if isinstance(entity, str) else next(iter(entity)) for entity in entities}
    assert not names & set(IDENTITY_SLOTS)
