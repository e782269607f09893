"""The NLU inbox picks the right messages, groups repeats and records decisions."""

from __future__ import annotations

import pytest

from bot.training.discovery import discover
from bot.training.inbox import (
    create_intent,
    ignore,
    inbox_items,
    label,
    mark_turn,
    text_key,
)
from tests.training.gift_cards import GIFT_CARD_MESSAGES

UNRELATED = [
    "do you sell socks", "is the shop open on sunday", "i like turtles", "can i pay in bitcoin",
    "where is my order", "can i change my email address", "my package never arrived",
    "do you have a student discount", "how do i unsubscribe from emails", "can i buy in bulk",
]  # fmt: skip


def test_text_key_ignores_case_spacing_punctuation_and_numbers() -> None:
    assert text_key("Where is  order 10001?") == text_key("where is order 20001")
    assert text_key("Gift card!!") == "gift card"


async def test_inbox_keeps_only_messages_worth_labelling(cx_session, log_turn) -> None:
    log_turn("where is order 10001", "track_order", 0.97)  # confident: not in the inbox
    log_turn("gift card balance?", "nlu_fallback", 0.3, fallback=True)
    log_turn("Gift card balance", "nlu_fallback", 0.28, fallback=True)
    log_turn("do you sell socks", "delivery_options", 0.45)
    log_turn("cancel or return?", "cancel_order", 0.5, second=0.45)
    await cx_session.commit()

    items = await inbox_items(cx_session)
    assert [item.key for item in items] == [
        "gift card balance",
        "cancel or return",
        "do you sell socks",
    ]
    assert items[0].count == 2 and items[0].reasons["fallback"] == 2
    assert items[1].reasons["ambiguous"] == 1
    assert items[2].reasons["low_confidence"] == 1
    assert items[2].suggested_intent == "delivery_options"


async def test_messages_to_agents_button_payloads_and_bare_placeholders_stay_out(
    cx_session, log_turn
) -> None:
    log_turn("my parcel arrived soaked", "nlu_fallback", 0.2, fallback=True, to_agent=True)
    log_turn('/choose_item{"item": "Waterproof Rain Jacket"}', "choose_item", 0.5)
    log_turn("[EMAIL]", "inform", 0.4)
    log_turn("[EMAIL], [PHONE]!", "inform", 0.4)
    log_turn("it's [EMAIL] thanks", "inform", 0.4)  # words around it: worth a look
    await cx_session.commit()
    assert [item.key for item in await inbox_items(cx_session)] == ["it's [email] thanks"]


async def test_marked_turn_enters_inbox_even_when_confident(cx_session, log_turn) -> None:
    turn = log_turn("my parcel went to the neighbour", "track_order", 0.99)
    await cx_session.commit()
    await mark_turn(cx_session, turn.id, "reviewer")
    items = await inbox_items(cx_session)
    assert [(item.key, dict(item.reasons)) for item in items] == [
        ("my parcel went to the neighbour", {"marked": 1})
    ]
    with pytest.raises(LookupError):
        await mark_turn(cx_session, 999_999, "reviewer")


async def test_labelled_and_ignored_items_leave_the_open_queue(cx_session, log_turn) -> None:
    for text in ("gift card balance", "do you sell socks", "blah"):
        log_turn(text, "nlu_fallback", 0.2, fallback=True)
    await cx_session.commit()
    await create_intent(cx_session, "gift_card_balance", "You can check it at /giftcards.", "ann")
    await label(cx_session, ["gift card balance"], "gift_card_balance", "ann")
    await ignore(cx_session, ["blah"], "ann")
    assert [item.key for item in await inbox_items(cx_session)] == ["do you sell socks"]
    done = {item.key: (item.status, item.intent) for item in await inbox_items(cx_session, True)}
    assert done["gift card balance"] == ("labelled", "gift_card_balance")
    assert done["blah"] == ("ignored", None)


async def test_bad_labels_are_refused(cx_session) -> None:
    with pytest.raises(ValueError):
        await label(cx_session, ["x"], "Bad Name!", "ann")
    with pytest.raises(ValueError):
        await label(
            cx_session,
            ["gift card"],
            "gift",
            "ann",
            {"gift card": [{"start": 3, "end": 99, "entity": "item"}]},
        )
    with pytest.raises(ValueError):
        await create_intent(cx_session, "nlu_fallback", "hi", "ann")
    with pytest.raises(ValueError):
        await create_intent(cx_session, "gift_card", "   ", "ann")


async def test_discovery_finds_the_gift_card_cluster(cx_session, log_turn) -> None:
    for text in GIFT_CARD_MESSAGES:
        log_turn(text, "nlu_fallback", 0.2, fallback=True)
    for text in UNRELATED:
        log_turn(text, "nlu_fallback", 0.2, fallback=True)
    await cx_session.commit()
    clusters = discover(await inbox_items(cx_session))
    biggest = clusters[0]
    assert biggest.size >= 8
    assert set(biggest.texts) <= set(GIFT_CARD_MESSAGES)
    assert biggest.suggested_name == "gift_card_balance"
    assert all(not set(cluster.texts) & set(GIFT_CARD_MESSAGES) for cluster in clusters[1:])
    assert biggest.representatives[0] in GIFT_CARD_MESSAGES
