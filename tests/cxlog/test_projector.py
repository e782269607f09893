"""Projector rules on scripted conversations (no database)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.cxlog.models import Feedback, Handoff, Turn
from bot.cxlog.projector import (
    Projection,
    close_if_silent,
    decide_outcome,
    timestamp_to_datetime,
)
from tests.cxlog.helpers import ABANDON_AFTER, project
from tests.cxlog.rasa_events import Chat


def turns(projection: Projection) -> list[Turn]:
    return [row for row in projection.new_rows if isinstance(row, Turn)]


def test_turns_collect_intent_actions_texts_and_latency() -> None:
    chat = Chat("s1")
    chat.session_start({"customer_id": "C-forged"}, customer_id="C-1")
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
    assert conversation.outcome == "open"


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


def handoffs(projection: Projection) -> list[Handoff]:
    return [row for row in projection.new_rows if isinstance(row, Handoff)]


def later(projection: Projection, minutes: int = 31) -> str:
    """The outcome once the conversation has been silent ``minutes``."""
    conversation = projection.conversation
    now = conversation.last_event_at + timedelta(minutes=minutes)
    return decide_outcome(conversation, now, ABANDON_AFTER)


def test_handoff_action_reason_slot_and_pause_make_one_handoff_which_resume_ends() -> None:
    chat = Chat("s1")
    chat.user("I want a human", "request_human")
    chat.action("action_handoff_to_human")
    chat.bot("Connecting you to a colleague.")
    chat.slot("handoff_reason", "customer_request")
    chat.pause()
    chat.resume()
    projection = project(chat)
    (handoff,) = handoffs(projection)
    assert handoff.reason == "customer_request"
    assert handoff.ended_at is not None
    assert projection.conversation.had_handoff
    assert projection.conversation.outcome == "open"
    assert later(projection) == "handed_off"


def test_a_second_handoff_has_its_own_reason() -> None:
    chat = Chat("s1")
    chat.user("where is my order", "track_order")
    chat.action("action_default_fallback")
    chat.slot("handoff_reason", "not_understood")
    chat.pause()
    chat.resume()
    chat.user("a person please", "request_human")
    chat.action("action_handoff_to_human")
    chat.slot("handoff_reason", "customer_request")
    chat.pause()
    first, second = handoffs(project(chat))
    assert (first.reason, second.reason) == ("not_understood", "customer_request")
    assert first.ended_at is not None and second.ended_at is None


def test_pause_alone_is_a_handoff_without_a_reason() -> None:
    chat = Chat("s1")
    chat.user("help", "complaint")
    chat.pause()
    projection = project(chat)
    assert handoffs(projection)[0].reason is None
    assert later(projection) == "handed_off"


def test_messages_while_a_person_has_the_conversation_are_for_the_agent() -> None:
    chat = Chat("s1")
    chat.user("a person please", "request_human")
    chat.action("action_handoff_to_human")
    chat.bot("Connecting you.")
    chat.pause()
    chat.user("my parcel 10001 is soaked", "nlu_fallback", confidence=0.2)
    chat.agent("dana", "Sorry to hear that, I'll send a new one.")
    chat.user("thanks a lot", "thank")
    chat.bot("You're back with the assistant now.", after=1.0)
    chat.resume(after=0.0)
    chat.user("hmm what", "nlu_fallback", confidence=0.2)
    projection = project(chat)
    _, soaked, thanks, after_resume = turns(projection)
    assert (soaked.to_agent, thanks.to_agent, after_resume.to_agent) == (True, True, False)
    assert not soaked.is_fallback and after_resume.is_fallback
    assert soaked.agent_texts == [
        {"agent": "dana", "text": "Sorry to hear that, I'll send a new one.", "after": 0}
    ]
    assert soaked.bot_texts == []
    assert thanks.bot_texts == ["You're back with the assistant now."]
    conversation = projection.conversation
    assert (conversation.turn_count, conversation.human_turn_count) == (4, 2)
    assert (conversation.fallback_count, conversation.intent_counts) == (1, {"request_human": 1})
    (handoff,) = handoffs(projection)
    assert handoff.accepted_by == "dana" and handoff.accepted_at is not None


def test_out_of_scope_answers_and_dialogue_fallbacks_count_as_not_understood() -> None:
    chat = Chat("s1")
    chat.user("sell me a car", "out_of_scope")
    chat.reply("utter_out_of_scope", "Sorry, that's not something I can help with.")
    chat.user("cheese", "track_order", confidence=0.5)
    chat.action("action_default_fallback")
    chat.user("fine", "affirm")
    chat.reply("utter_default", "Sorry, I didn't get that.")
    chat.user("ok", "affirm")
    chat.reply("utter_greet", "Hello!")
    projection = project(chat)
    assert [turn.is_fallback for turn in turns(projection)] == [True, True, True, False]
    assert projection.conversation.fallback_count == 3


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
    assert later(projection) == "resolved"


def test_low_csat_alone_does_not_resolve() -> None:
    chat = Chat("s1")
    chat.user("rate", "give_feedback")
    chat.slot("csat", 2)
    assert later(project(chat)) == "unresolved"  # the customer spoke last


def test_task_success_slot_resolves() -> None:
    chat = Chat("s1")
    chat.user("cancel #10001", "cancel_order")
    chat.action("action_cancel_order")
    chat.slot("task_succeeded", True)
    chat.bot("Cancelled.")
    projection = project(chat)
    assert projection.conversation.outcome == "open"
    assert later(projection) == "resolved"


def test_an_answer_that_stands_resolves_and_one_followed_by_a_complaint_does_not() -> None:
    chat = Chat("s1")
    chat.user("how long do refunds take", "faq")
    chat.reply("utter_faq", "Refunds take 5 days.")
    assert later(project(chat)) == "resolved"
    chat.user("that's useless", "complaint")
    chat.reply("utter_ask_complaint", "I'm sorry. What happened?")
    assert later(project(chat)) == "abandoned"


def test_goodbye_after_an_answer_resolves_and_ends() -> None:
    chat = Chat("s1")
    chat.user("what delivery options are there", "delivery_options")
    chat.reply("utter_delivery_options", "Standard or express.")
    chat.user("bye", "goodbye")
    conversation = project(chat).conversation
    assert conversation.outcome == "resolved"
    assert conversation.ended_at == conversation.last_event_at
    assert conversation.end_reason == "goodbye"


def test_goodbye_after_only_small_talk_or_fallback_is_unresolved() -> None:
    chat = Chat("s1")
    chat.user("hi", "greet")
    chat.reply("utter_greet", "Hello!")
    chat.user("zzz", "nlu_fallback", confidence=0.1)
    chat.action("action_two_stage_fallback")
    chat.bot("Sorry, I didn't get that.")
    chat.user("sell me a car", "out_of_scope")
    chat.reply("utter_out_of_scope", "Sorry, I can't help with that.")
    chat.user("where is 10001", "track_order")
    chat.reply("utter_ask_email", "What's your email?")
    chat.user("bye", "goodbye")
    conversation = project(chat).conversation
    assert conversation.outcome == "unresolved"
    assert conversation.ended_at is not None


def test_restart_ends_and_a_new_message_reopens() -> None:
    chat = Chat("s1")
    chat.user("hi", "greet")
    chat.restart()
    projection = project(chat)
    assert projection.conversation.ended_at is not None
    assert projection.conversation.outcome == "unresolved"
    reopened = Chat("s1", start=chat.clock)
    reopened.user("hello again", "greet")
    conversation = project(reopened, projection).conversation
    assert conversation.ended_at is None and conversation.outcome == "open"


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
    conversation = project(chat).conversation
    assert conversation.ended_at == last_event
    assert (conversation.end_reason, conversation.outcome) == ("session_expired", "abandoned")


def test_silence_after_the_bot_is_abandonment_after_the_customer_unresolved() -> None:
    chat = Chat("s1")
    chat.user("where is my order", "track_order")
    chat.reply("utter_ask_order_number", "What's the order number?")
    projection = project(chat)
    conversation = projection.conversation
    assert later(projection, 29) == "open" and later(projection, 30) == "abandoned"
    assert not close_if_silent(conversation, conversation.last_event_at, ABANDON_AFTER)
    silent_until = conversation.last_event_at + ABANDON_AFTER
    assert close_if_silent(conversation, silent_until, ABANDON_AFTER)
    assert (conversation.outcome, conversation.end_reason) == ("abandoned", "silence")
    assert conversation.ended_at == conversation.last_event_at
    chat.user("10001", "inform")
    assert later(project(chat), 30) == "unresolved"  # the assistant never answered


def test_only_our_customer_id_slot_names_the_customer() -> None:
    chat = Chat("s1")
    chat.session_start({"customer_id": "C-forged"})
    chat.user("hi", "greet", metadata={"customer_id": "C-forged"})
    assert project(chat).conversation.customer_id is None
    chat.slot("customer_id", "C-7")
    assert project(chat).conversation.customer_id == "C-7"


def test_widget_turns_record_the_channel_and_page() -> None:
    chat = Chat("web-1")
    page = {"cx_channel": "widget", "cx_page": "https://shop.example/help?x=1"}
    chat.user("hi", "greet", metadata=page)
    conversation = project(chat).conversation
    assert (conversation.channel, conversation.host_page) == ("widget", "https://shop.example/help")


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
    chat.session_start({"customer_token": "signed"}, customer_id="C1001")
    chat.user("hi", "greet")
    assert project(chat).conversation.customer_id == "C1001"
