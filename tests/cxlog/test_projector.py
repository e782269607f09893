"""Projector rules on scripted conversations (no database)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.cxlog.events import Sanitizer
from bot.cxlog.models import Feedback, Handoff, Turn
from bot.cxlog.projector import (
    Projection,
    apply_event,
    decide_outcome,
    new_conversation,
    timestamp_to_datetime,
)
from bot.cxlog.redaction import Redactor
from tests.cxlog.rasa_events import Chat

ABANDON_AFTER = timedelta(minutes=30)


def project(chat: Chat, projection: Projection | None = None) -> Projection:
    sanitizer = Sanitizer(Redactor(), frozenset({"customer_first_name"}))
    events = sanitizer.sanitize_all(chat.events)
    if projection is None:
        start = timestamp_to_datetime(events[0]["timestamp"])
        projection = Projection(new_conversation(chat.sender_id, start))
    for event in events:
        apply_event(projection, event, ABANDON_AFTER)
    return projection


def turns(projection: Projection) -> list[Turn]:
    return [row for row in projection.new_rows if isinstance(row, Turn)]


def test_turns_collect_intent_actions_texts_and_latency() -> None:
    chat = Chat("s1")
    chat.session_start({"customer_token": "signed"}, verified_customer="C-1")
    chat.user("hello", "greet")
    chat.reply("utter_greet", "Hi! How can I help?")
    chat.user("where is #10001", "track_order", confidence=0.7)
    chat.action("action_track_order", after=0.2)
    chat.bot("It ships tomorrow.", after=0.3)
    chat.bot("Anything else?", after=0.1)
    projection = project(chat)
    greet, track = turns(projection)
    assert (greet.seq, greet.intent, greet.bot_actions) == (0, "greet", ["utter_greet"])
    assert greet.bot_texts == ["Hi! How can I help?"]
    assert greet.latency_ms == 150
    assert (track.seq, track.confidence, track.user_text) == (1, 0.7, "where is #10001")
    assert track.bot_actions == ["action_track_order"]
    assert track.bot_texts == ["It ships tomorrow.", "Anything else?"]
    assert track.latency_ms == 500
    assert track.intent_ranking[0] == {"name": "track_order", "confidence": 0.7}
    conversation = projection.conversation
    assert conversation.turn_count == 2
    assert conversation.customer_id == "C-1" and conversation.channel == "rest"
    assert conversation.first_intent == conversation.top_intent == "track_order"
    assert conversation.outcome == "unknown"


def test_top_intent_is_the_most_frequent_task_intent() -> None:
    chat = Chat("s1")
    for intent in ("greet", "track_order", "refund_status", "refund_status", "greet", "greet"):
        chat.user("text", intent)
    conversation = project(chat).conversation
    assert conversation.first_intent == "track_order"
    assert conversation.top_intent == "refund_status"


def test_bot_text_before_the_customer_speaks_gets_its_own_turn() -> None:
    chat = Chat("s1")
    chat.bot("Welcome to the shop!")
    chat.user("hi", "greet")
    opening, greet = turns(project(chat))
    assert opening.user_text is None and opening.latency_ms is None
    assert opening.bot_texts == ["Welcome to the shop!"] and greet.seq == 1


def test_nlu_fallback_and_fallback_actions_flag_the_turn_once() -> None:
    chat = Chat("s1")
    chat.user("asdf qwer", "nlu_fallback", confidence=0.2)
    chat.action("action_two_stage_fallback")
    chat.action("action_default_ask_affirmation")
    chat.user("blue cheese", "track_order")
    chat.action("action_default_fallback")
    projection = project(chat)
    first, second = turns(projection)
    assert first.is_fallback and second.is_fallback
    assert projection.conversation.had_fallback
    assert projection.conversation.fallback_count == 2
    assert projection.conversation.top_intent == "track_order"


def test_handoff_action_and_pause_make_one_handoff_which_resume_ends() -> None:
    chat = Chat("s1")
    chat.user("I want a human", "request_human")
    chat.action("action_handoff_to_human")
    chat.pause()
    chat.resume()
    projection = project(chat)
    handoffs = [row for row in projection.new_rows if isinstance(row, Handoff)]
    assert len(handoffs) == 1
    assert handoffs[0].reason == "request_human"
    assert handoffs[0].ended_at is not None
    assert projection.conversation.had_handoff
    assert projection.conversation.outcome == "handed_off"


def test_pause_alone_is_a_handoff() -> None:
    chat = Chat("s1")
    chat.user("help", "complain")
    chat.pause()
    assert project(chat).conversation.outcome == "handed_off"


def test_feedback_slots_fill_feedback_and_high_csat_resolves() -> None:
    chat = Chat("s1")
    chat.user("rate", "give_feedback")
    chat.slot("csat", 4)
    chat.slot("nps", 11)  # out of range: ignored
    chat.slot("nps", 8)
    chat.slot("feedback_comment", "quick, thanks")
    projection = project(chat)
    feedback = [row for row in projection.new_rows if isinstance(row, Feedback)]
    assert len(feedback) == 1
    assert (feedback[0].csat, feedback[0].nps, feedback[0].comment) == (4, 8, "quick, thanks")
    assert (projection.conversation.csat, projection.conversation.nps) == (4, 8)
    assert projection.conversation.outcome == "resolved"


def test_low_csat_alone_does_not_resolve() -> None:
    chat = Chat("s1")
    chat.user("rate", "give_feedback")
    chat.slot("csat", 2)
    assert project(chat).conversation.outcome == "unknown"


def test_task_success_slot_resolves() -> None:
    chat = Chat("s1")
    chat.user("cancel #10001", "cancel_order")
    chat.action("action_cancel_order")
    chat.slot("task_succeeded", True)
    assert project(chat).conversation.outcome == "resolved"


def test_goodbye_after_an_answer_resolves_and_ends() -> None:
    chat = Chat("s1")
    chat.user("where is #10001", "track_order")
    chat.reply("action_track_order", "It ships tomorrow.")
    chat.user("bye", "goodbye")
    conversation = project(chat).conversation
    assert conversation.outcome == "resolved"
    assert conversation.ended_at == conversation.last_event_at


def test_goodbye_after_only_small_talk_or_fallback_does_not_resolve() -> None:
    chat = Chat("s1")
    chat.user("hi", "greet")
    chat.reply("utter_greet", "Hello!")
    chat.user("zzz", "nlu_fallback", confidence=0.1)
    chat.action("action_default_fallback")
    chat.bot("Sorry, I didn't get that.")
    chat.user("sell me a car", "out_of_scope")
    chat.reply("utter_out_of_scope", "Sorry, I can't help with that.")
    chat.user("bye", "goodbye")
    conversation = project(chat).conversation
    assert conversation.outcome == "unknown"
    assert conversation.ended_at is not None


def test_restart_ends_and_a_new_message_reopens() -> None:
    chat = Chat("s1")
    chat.user("hi", "greet")
    chat.restart()
    projection = project(chat)
    assert projection.conversation.ended_at is not None
    reopened = Chat("s1", start=chat.clock)
    reopened.user("hello again", "greet")
    assert project(reopened, projection).conversation.ended_at is None


def test_a_new_session_ends_the_previous_one_at_its_last_event() -> None:
    chat = Chat("s1")
    chat.session_start()
    chat.user("hi", "greet")
    chat.action("utter_greet")
    chat.bot("Hello!")
    last_event = timestamp_to_datetime(chat.clock)
    chat.action("action_listen")
    chat.clock += 7200
    chat.session_start()
    assert project(chat).conversation.ended_at == last_event


def test_silence_makes_an_unresolved_conversation_abandoned() -> None:
    chat = Chat("s1")
    chat.user("where is my order", "track_order")
    chat.reply("utter_ask_order_number", "What's the order number?")
    conversation = project(chat).conversation
    later = conversation.last_event_at + ABANDON_AFTER
    assert decide_outcome(conversation, later - timedelta(seconds=1), ABANDON_AFTER) == "unknown"
    assert decide_outcome(conversation, later, ABANDON_AFTER) == "abandoned"
    conversation.task_succeeded = True
    assert decide_outcome(conversation, later, ABANDON_AFTER) == "resolved"


def test_names_from_entities_are_kept_only_as_digests() -> None:
    chat = Chat("s1")
    chat.user("I'm Anna", "inform", entities=[{"entity": "name", "value": "Anna"}])
    chat.slot("customer_first_name", "Anna")
    projection = project(chat)
    assert len(projection.conversation.name_digests) == 1
    assert "Anna" not in str(projection.conversation.name_digests)
    assert turns(projection)[0].user_text == "I'm [NAME]"


def test_unsigned_customer_id_in_metadata_links_no_customer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = Chat("forger")
    chat.session_start({"customer_id": "C1001"})
    chat.user("hi", "greet", metadata={"customer_id": "C1001"})
    chat.reply("utter_greet", "Hi! How can I help?")
    with caplog.at_level(logging.WARNING, logger="bot.cxlog.events"):
        conversation = project(chat).conversation
    assert conversation.customer_id is None
    assert "unsigned customer_id" in caplog.text


def test_verified_customer_slot_links_the_customer() -> None:
    chat = Chat("signed-in")
    chat.session_start({"customer_token": "signed"}, verified_customer="C1001")
    chat.user("hi", "greet")
    assert project(chat).conversation.customer_id == "C1001"
