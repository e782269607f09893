"""The actions read the customer's address only from where the REST channel wrote it."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.conversation import CLIENT_ADDRESS_KEY, client_address
from bot.channels.client_address import METADATA_KEY


def tracker_with(metadata: object) -> Tracker:
    return Tracker(
        "s1", {}, {"text": "hi", "metadata": metadata}, [], False, None, {}, "action_listen"
    )


def test_the_channel_and_the_actions_agree_on_the_key() -> None:
    assert CLIENT_ADDRESS_KEY == METADATA_KEY


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"client_address": "198.51.100.7"}, "198.51.100.7"),
        ({"client_address": "2001:0db8::0001"}, "2001:db8::1"),
        ({"client_address": "not an address"}, None),
        ({"client_address": 42}, None),
        ({}, None),
        (None, None),
        ("nonsense", None),
    ],
)
def test_client_address(metadata: object, expected: str | None) -> None:
    assert client_address(tracker_with(metadata)) == expected
