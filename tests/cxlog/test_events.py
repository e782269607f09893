"""Raw Rasa events → redacted CX events."""

from __future__ import annotations

import json

from bot.cxlog.events import NameBook, Sanitizer, event_id
from bot.cxlog.redaction import Redactor
from tests.cxlog.rasa_events import Chat

NAME_SLOTS = frozenset({"customer_first_name", "customer_last_name"})


def sanitizer() -> Sanitizer:
    return Sanitizer(Redactor(), NAME_SLOTS)


def test_event_id_is_stable_and_depends_on_sender_and_content() -> None:
    chat = Chat("s1")
    chat.user("hi", "greet")
    raw = chat.events[0]
    reordered = json.loads(json.dumps(raw, sort_keys=True))
    assert event_id(raw) == event_id(reordered)
    assert event_id(raw) != event_id({**raw, "sender_id": "s2"})
    assert event_id(raw) != event_id({**raw, "timestamp": raw["timestamp"] + 1})


def test_user_event_keeps_nlu_results_and_redacts_text_and_entities() -> None:
    chat = Chat("s1")
    chat.user(
        "I'm Anna, mail anna@example.com about #10001",
        "inform",
        confidence=0.81,
        entities=[
            {"entity": "name", "value": "Anna", "start": 4, "end": 8, "extractor": "DIET"},
            {"entity": "email", "value": "anna@example.com", "start": 15, "end": 31},
            {"entity": "order_id", "value": "10001", "start": 39, "end": 44},
        ],
        metadata={"customer_id": "C-7", "model_id": "model-1"},
    )
    event = sanitizer().sanitize(chat.events[0])
    assert event is not None
    assert event["text"] == "I'm [NAME], mail [EMAIL] about #10001"
    assert event["intent"] == "inform" and event["confidence"] == 0.81
    assert event["entities"] == [
        {"entity": "name", "value": "[NAME]", "extractor": "DIET"},
        {"entity": "email", "value": "[EMAIL]"},
        {"entity": "order_id", "value": "10001"},
    ]
    assert event["intent_ranking"][0] == {"name": "inform", "confidence": 0.81}
    # Anyone can post metadata to the REST channel: a customer id from there is not believed.
    assert "customer_id" not in event and event["model_id"] == "model-1"
    assert event["channel"] == "rest" and event["host_page"] is None
    assert len(event["name_digests"]) == 1
    assert "Anna" not in json.dumps(event) and "anna@" not in json.dumps(event)


def test_a_retrieval_intent_keeps_the_answer_picked_and_its_score() -> None:
    chat = Chat("s1")
    chat.user("how much is left on my gift card", "faq", confidence=0.95)
    chat.events[0]["parse_data"]["response_selector"] = {
        "all_retrieval_intents": ["faq"],
        "faq": {
            "response": {
                "intent_response_key": "faq/gift_wrap", "confidence": 0.36,
                "responses": [{"text": "Gift wrap is 3.50"}],
            },
            "ranking": [{"intent_response_key": "faq/gift_wrap", "confidence": 0.36}],
        },
    }  # fmt: skip
    event = sanitizer().sanitize(chat.events[0])
    assert event is not None
    assert event["intent_ranking"][0] == {
        "name": "faq", "confidence": 0.95, "response": "faq/gift_wrap",
        "response_confidence": 0.36,
    }  # fmt: skip
    assert all("response" not in entry for entry in event["intent_ranking"][1:])
    assert "Gift wrap is" not in json.dumps(event)  # the answer text itself is not copied


def test_names_from_slots_redact_later_bot_and_user_texts() -> None:
    chat = Chat("s1")
    chat.slot("customer_first_name", "Marie")
    chat.slot("customer_last_name", "Dubois")
    chat.bot("Hello Marie Dubois, how can I help?")
    chat.user("marie here again", "greet")
    events = sanitizer().sanitize_all(chat.events)
    assert [event.get("name_digests") for event in events[:2]] != [[], []]
    assert "value" not in events[0]
    assert events[2]["text"] == "Hello [NAME], how can I help?"
    assert events[3]["text"] == "[NAME] here again"


def test_feedback_slots_are_kept_as_numbers_and_redacted_comment() -> None:
    chat = Chat("s1")
    chat.slot("csat", "5")
    chat.slot("nps", 9.0)
    chat.slot("feedback_comment", "great, call me on +44 20 7946 0958")
    chat.slot("csat", "five stars, I'm at 12 Oak Road")
    events = sanitizer().sanitize_all(chat.events)
    assert [event["value"] for event in events] == [
        5,
        9,
        "great, call me on [PHONE]",
        None,
    ]


def test_unneeded_events_and_other_slots_are_dropped() -> None:
    chat = Chat("s1")
    chat.session_start()
    chat.slot("shipping_address", "12 Oak Road")
    events = sanitizer().sanitize_all(chat.events)
    assert [event["event"] for event in events] == ["action", "session_started"]
    assert events[0]["name"] == "action_session_start"


def test_customer_id_only_from_the_slot_our_session_action_sets() -> None:
    chat = Chat("s1")
    chat.session_start({"customer_id": "C-9", "token": "secret"}, customer_id="C-3")
    events = sanitizer().sanitize_all(chat.events)
    slots = [event for event in events if event["event"] == "slot"]
    assert [(slot["name"], slot["value"]) for slot in slots] == [("customer_id", "C-3")]
    assert "C-9" not in json.dumps(events) and "secret" not in json.dumps(events)


def test_widget_turns_name_their_channel_and_page_without_query_string() -> None:
    chat = Chat("web-1")
    page = "https://shop.example/orders/10001?email=anna@example.com#top"
    chat.user("hi", "greet", metadata={"cx_channel": "widget", "cx_page": page})
    chat.user("hi", "greet", metadata={"cx_page": "javascript:alert(1)"})
    widget, other = sanitizer().sanitize_all(chat.events)
    assert (widget["channel"], widget["host_page"]) == (
        "widget",
        "https://shop.example/orders/10001",
    )
    assert (other["channel"], other["host_page"]) == ("rest", None)


def test_agent_messages_keep_the_agent_and_handoff_reasons_their_code() -> None:
    chat = Chat("s1")
    chat.slot("handoff_reason", "customer_request")
    chat.agent("dana", "I've refunded the parcel for you.", shown_as="Dana S.")
    chat.bot("Anything else?")
    reason, agent, bot = sanitizer().sanitize_all(chat.events)
    assert (reason["name"], reason["value"]) == ("handoff_reason", "customer_request")
    assert (agent["agent"], agent["text"]) == ("dana", "I've refunded the parcel for you.")
    assert agent["agent_name"] == "Dana S."
    assert bot["agent"] is None and bot["agent_name"] is None


def test_malformed_payloads_are_dropped_not_raised() -> None:
    clean = sanitizer()
    for raw in (
        {},
        {"event": "user", "timestamp": 1.0},
        {"sender_id": "", "event": "user", "timestamp": 1.0},
        {"sender_id": "s", "event": "user", "timestamp": "yesterday"},
        {"sender_id": "s", "event": "no_such_event", "timestamp": 1.0},
    ):
        assert clean.sanitize(raw) is None
    odd = clean.sanitize({"sender_id": "s", "event": "user", "timestamp": 1.0, "parse_data": "x"})
    assert odd is not None and odd["intent"] is None and odd["entities"] == []


def test_name_book_is_bounded_and_knows_which_conversations_were_loaded() -> None:
    book = NameBook(max_conversations=2)
    book.learn("a", "Anna")
    assert "a" not in book  # seen, but its stored names were never merged in
    for sender in ("a", "b", "c"):
        book.merge_stored(sender, [])
    assert "a" not in book and "b" in book and "c" in book


def test_digit_groups_of_a_card_tagged_as_order_ids_are_not_stored() -> None:
    chat = Chat("s1")
    text = "my card is 4111\u00a01111\u00a01111\u00a01111, order 10001"
    entities = [
        {"entity": "order_id", "value": group, "start": start, "end": start + 4}
        for group, start in (("4111", 11), ("1111", 16), ("1111", 21), ("1111", 26))
    ]
    entities.append({"entity": "order_id", "value": "10001", "start": 38, "end": 43})
    chat.user(text, "inform", entities=entities)
    event = sanitizer().sanitize(chat.events[0])
    assert event is not None
    assert event["text"] == "my card is [CARD], order 10001"
    assert [entity["value"] for entity in event["entities"]] == ["[CARD]"] * 4 + ["10001"]


def test_a_self_introduced_name_is_redacted_in_later_texts() -> None:
    chat = Chat("s1")
    chat.user("hi, my name is Siobhan Walsh", "greet")
    chat.bot("Nice to meet you, Siobhan! How can I help?")
    chat.user("Walsh is spelt W-A-L-S-H", "inform")
    events = sanitizer().sanitize_all(chat.events)
    texts = [event["text"] for event in events]
    assert texts == [
        "hi, my name is [NAME]",
        "Nice to meet you, [NAME]! How can I help?",
        "[NAME] is spelt W-A-L-S-H",
    ]
    assert len(events[0]["name_digests"]) == 2
    assert "Siobhan" not in json.dumps(events) and "Walsh" not in json.dumps(events)
