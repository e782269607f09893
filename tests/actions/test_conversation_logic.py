"""The decisions behind digressions, eligibility first and delivery claims: what counts as an
answer, what leaves a form, what the backend already rules out before any question. Eligibility
runs against the real reference backend with its seed data."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.backend_client import BackendClient, Caller
from actions.delivery import problem_kind
from actions.digressions import digression_target, is_stop, slots_before_latest_message
from actions.formatting import amount
from actions.orders import ValidateAddressForm
from actions.resume import offer_resume
from actions.returns import ValidateReturnForm
from actions.validation import order_snapshot, without_cleared_candidates

ALEX = {"email": "alex.kim@example.com"}


def tracker(
    intent: str,
    confidence: float,
    requested: str | None,
    entities: list[str] = (),
    text: str = "some text",
) -> Tracker:
    message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": name, "value": "x"} for name in entities],
    }
    events = [
        {"event": "slot", "name": "order_id", "value": "10003"},
        {"event": "user", "text": "some text", "parse_data": message},
        {"event": "slot", "name": "order_id", "value": "10001"},
    ]
    return Tracker(
        "s", {"requested_slot": requested}, message, events, False, None, {"name": "x"}, ""
    )


def test_another_task_leaves_the_form_an_answer_does_not() -> None:
    assert digression_target(tracker("track_order", 0.9, "item"), "return_form") == (
        "track_order_form"
    )
    assert digression_target(tracker("faq", 0.8, "email"), "return_form") == (
        "action_answer_digression"
    )
    # the same intent as the form, a low confidence, or the asked-for entity: an answer
    assert digression_target(tracker("return_item", 0.9, "item"), "return_form") is None
    assert digression_target(tracker("track_order", 0.4, "item"), "return_form") is None
    assert (
        digression_target(tracker("track_order", 0.9, "order_id", ["order_id"]), "return_form")
        is None
    )
    # ... unless the customer takes back what they were doing
    changed = tracker(
        "track_order", 0.9, "order_id", ["order_id"], "hmm forget it, where is my order 20001"
    )
    assert digression_target(changed, "return_form") == "track_order_form"
    # the rating questions take everything as an answer
    assert (
        digression_target(tracker("track_order", 0.9, "feedback_comment"), "feedback_form") is None
    )


def test_a_slot_the_interrupted_form_cleared_is_no_answer_for_the_next_form() -> None:
    events = [
        {"event": "user", "text": "never mind, i want to return something"},
        {"event": "slot", "name": "order_id", "value": "never mind, i want to return something"},
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "order_id", "value": "never mind, i want to return something"},
        {"event": "slot", "name": "email", "value": "alex.kim@example.com"},
        {"event": "slot", "name": "order_id", "value": None},
    ]
    original = Tracker("s", {}, {}, events, False, None, {"name": "x"}, "")
    view = without_cleared_candidates(original)
    assert view.slots_to_validate() == {"email": "alex.kim@example.com"}
    assert view.events[:3] == events[:3]
    assert len(original.events) == 6  # the SDK's own tracker is left as it was
    untouched = Tracker("s", {}, {}, events[:5], False, None, {"name": "x"}, "")
    assert without_cleared_candidates(untouched) is untouched


def test_the_form_keeps_its_answers_from_before_the_digression() -> None:
    assert slots_before_latest_message(tracker("track_order", 0.9, "item")) == {"order_id": "10003"}


@pytest.mark.parametrize("text", ["stop", "Cancel", "forget it!", "never mind", "stop please"])
def test_stop_words(text: str) -> None:
    assert is_stop(text)


@pytest.mark.parametrize("text", ["cancel order 10002", "stop sending me emails", "no"])
def test_not_stop_words(text: str) -> None:
    assert not is_stop(text)


@pytest.mark.parametrize("text", ["yes", "ok", "No.", "where is order 10001?", "?"])
def test_implausible_return_reasons(text: str) -> None:
    assert not answers.plausible_reason(text)


@pytest.mark.parametrize("text", ["too small", "it leaks", "damaged", "wrong colour"])
def test_plausible_return_reasons(text: str) -> None:
    assert answers.plausible_reason(text)


@pytest.mark.parametrize(
    ("texts", "kind"),
    [
        (["my parcel was stolen from the porch"], "stolen"),
        (["the box arrived crushed"], "damaged"),
        (["it says delivered but i never got it"], "lost"),
        (["tracking hasn't moved in 3 days"], "late"),
    ],
)
def test_problem_kind(texts: list[str], kind: str) -> None:
    assert problem_kind(texts) == kind


def test_amounts_carry_the_currency() -> None:
    assert amount(120) == "$120.00"
    assert amount("18", "EUR") == "€18.00"
    assert amount(None) == "not known yet"


async def check(client: BackendClient, number: str) -> tuple[dict[str, Any], Any]:
    order = order_snapshot(await client.lookup_order(number, Caller(ALEX, "conv-eligibility")))
    return order, await ValidateReturnForm(client).check_order(order)


async def test_eligibility_is_decided_from_the_order_before_any_question(
    backend_client: BackendClient,
) -> None:
    assert (await check(backend_client, "10004"))[1] == {
        "code": "return_window_expired",
        "window_days": 30,
    }
    assert (await check(backend_client, "10001"))[1] == {"code": "not_delivered"}
    order, problem = await check(backend_client, "10003")
    assert problem is None and order["returns"] == []

    created = await backend_client.create_return(
        "10003", Caller(ALEX, "conv-eligibility"), "shoes", "too small", "exchange"
    )
    order, problem = await check(backend_client, "10003")
    assert problem is None  # the socks can still go back
    assert order["returns"][0]["rma"] == created["rma"]
    assert order["returns"][0]["label_url"].endswith(f"{created['rma']}.pdf")

    await backend_client.create_return(
        "10003", Caller(ALEX, "conv-eligibility"), "socks", "too big", "refund"
    )
    assert (await check(backend_client, "10003"))[1] == {"code": "already_returned"}


def named_item_tracker(order: dict[str, Any], **slots: Any) -> Tracker:
    values = {"order_id": order["order_id"], "verified_order": order, "item": "the shoes", **slots}
    return Tracker("s", values, {"text": "the shoes"}, [], False, None, {"name": "return_form"}, "")


def test_an_item_already_on_its_way_back_is_said_once() -> None:
    shoes = {"rma": "RMA-AAAA1111", "item": "Trail Running Shoes", "status": "requested"}
    order = {
        "order_id": "10003",
        "items": [{"name": "Trail Running Shoes"}, {"name": "Merino Running Socks"}],
        "returns": [shoes],
    }
    validator, said = ValidateReturnForm(), CollectingDispatcher()
    assert validator.after_validation(said, named_item_tracker(order)) == [SlotSet("item", None)]
    assert [m["response"] for m in said.messages] == ["utter_already_returned_rma"]

    # every item returned: the form's problem lists all returns, so the item's is not said first
    order["returns"].append({"rma": "RMA-BBBB2222", "item": "Merino Running Socks"})
    problem = {"code": "already_returned"}
    said = CollectingDispatcher()
    assert validator.after_validation(said, named_item_tracker(order, form_problem=problem)) == []
    assert said.messages == []


def asking_tracker(slots: dict[str, Any], events: list[dict[str, Any]]) -> Tracker:
    message = {"text": "yes", "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}
    return Tracker("s", slots, message, events, False, None, {}, "action_listen")


TWO_REQUESTS = {
    "event": "user",
    "text": "i want to cancel 20001 and also change my adress to 9 Lake View Drive",
    "parse_data": {
        "intent": {"name": "change_shipping_address", "confidence": 0.95},
        "entities": [
            {"entity": "order_id", "value": "20001", "start": 17, "end": 22},
            {"entity": "also_requested", "value": "cancel_order", "start": 0, "end": 22},
            {"entity": "address", "value": "9 Lake View Drive", "start": 51, "end": 68},
        ],
    },
}


def test_the_other_request_is_offered_with_what_its_clause_named() -> None:
    dispatcher = CollectingDispatcher()
    tracker = asking_tracker({"pending_request": "cancel_order"}, [TWO_REQUESTS])
    events = offer_resume(dispatcher, tracker, [])
    assert dispatcher.messages[0]["response"] == "utter_ask_also_requested"
    assert dispatcher.messages[0]["task"] == "cancel order 20001"
    phrase = "cancel order 20001"
    waiting = {"form": "cancel_order_form", "slots": {"order_id": "20001"}, "phrase": phrase}
    assert events == [
        SlotSet("pending_request", None),
        SlotSet("interrupted_task", waiting),  # the address stood in the other clause
        SlotSet("confirming", "resume_task"),
    ]


def test_a_task_left_for_a_digression_is_offered_first() -> None:
    dispatcher = CollectingDispatcher()
    left = {"form": "return_form", "slots": {"order_id": "10003"}}
    slots = {"pending_request": "cancel_order", "interrupted_task": left}
    events = offer_resume(dispatcher, asking_tracker(slots, [TWO_REQUESTS]), [])
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_continue_return_form"]
    assert events == [SlotSet("confirming", "resume_task")]  # the other request waits its turn


def test_no_offer_while_another_question_is_open_or_for_what_is_no_task() -> None:
    dispatcher = CollectingDispatcher()
    tracker = asking_tracker({"pending_request": "cancel_order"}, [TWO_REQUESTS])
    assert offer_resume(dispatcher, tracker, [SlotSet("confirming", "handoff")]) == []
    greeting = asking_tracker({"pending_request": "greet"}, [])
    assert offer_resume(dispatcher, greeting, []) == [SlotSet("pending_request", None)]
    assert dispatcher.messages == []


def test_an_address_tagged_in_pieces_is_kept_whole() -> None:
    text = "9 Lake View Drive, Austin, TX 78702"
    pieces = [("9 Lake View Drive", 0, 17), ("Austin", 19, 25), ("TX 78702", 27, 35)]
    message = {
        "text": text,
        "intent": {"name": "inform", "confidence": 0.9},
        "entities": [{"entity": "address", "value": v, "start": s, "end": e} for v, s, e in pieces],
    }
    tracker = Tracker("s", {"requested_slot": "address"}, message, [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    validated = ValidateAddressForm().validate_address("TX 78702", dispatcher, tracker, {})
    assert validated == {"address": text}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("asked", "answer"),
    [("faq/gift_wrap", "utter_faq/gift_wrap"), ("delivery_options", "utter_delivery_options")],
)
def test_a_second_question_with_one_answer_is_answered(asked: str, answer: str) -> None:
    dispatcher = CollectingDispatcher()
    events = offer_resume(dispatcher, asking_tracker({"pending_request": asked}, []), [])
    assert [m["response"] for m in dispatcher.messages] == ["utter_other_question", answer]
    assert events == [SlotSet("pending_request", None)]


def test_a_second_request_without_a_clause_is_offered_without_answers() -> None:
    placeless = {
        "event": "user",
        "parse_data": {"entities": [{"entity": "also_requested", "value": "cancel_order"}]},
    }
    dispatcher = CollectingDispatcher()
    tracker = asking_tracker({"pending_request": "cancel_order"}, [placeless])
    events = offer_resume(dispatcher, tracker, [])
    assert dispatcher.messages[0]["task"] == "cancel an order"
    assert events[1] == SlotSet(
        "interrupted_task", {"form": "cancel_order_form", "slots": {}, "phrase": "cancel an order"}
    )


def test_a_requested_task_offered_again_after_a_digression_is_still_asked_for() -> None:
    """Offered "cancel order 20001?", the customer asked something else first: the offer comes
    back in its own words, not as "go back to" a task that never started."""
    dispatcher = CollectingDispatcher()
    waiting = {"form": "cancel_order_form", "slots": {}, "phrase": "cancel order 20001"}
    events = offer_resume(dispatcher, asking_tracker({"interrupted_task": waiting}, []), [])
    assert dispatcher.messages[0]["response"] == "utter_ask_also_requested"
    assert dispatcher.messages[0]["task"] == "cancel order 20001"
    assert events == [SlotSet("confirming", "resume_task")]
