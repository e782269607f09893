"""Flow steps (bot.cxlog.funnels) on scripted conversations in Rasa's own events, through the
sanitizer and the projector, and through the store across event batches (and erasure)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.cxlog.broker import build_sanitizer
from bot.cxlog.funnels import FLOWS
from bot.cxlog.models import FlowProgress
from bot.cxlog.retention import Subject, delete_conversations
from bot.cxlog.store import CXStore
from bot.settings import load_settings
from tests.cxlog.helpers import project
from tests.cxlog.rasa_events import Chat

ORDER = {"order_id": "10001", "status": "processing", "items": [{"name": "Jacket"}]}


def progress(chat: Chat) -> dict[str, str]:
    rows = project(chat).new_rows
    return {row.flow: row.step for row in rows if isinstance(row, FlowProgress)}


def asked_for_an_order(chat: Chat, intent: str, form: str) -> Chat:
    chat.session_start()
    chat.user("I need help with my order", intent)
    chat.form(form, {}, asks="order_id", question="What's the order number?")
    return chat


def verified(chat: Chat, form: str, asks: str | None = None, question: str = "") -> Chat:
    chat.user("10001", "inform")
    chat.form(form, {"order_id": "10001"}, asks="email", question="And the email on it?")
    chat.user("anna@example.com", "inform")
    chat.form(form, {"email": "anna@example.com", "verified_order": ORDER}, asks, question)
    return chat


def succeeded(chat: Chat, action: str, reply: str | None = None) -> Chat:
    """The flow's last action ran (saying ``reply``) and reported the task done."""
    chat.action(action)
    if reply is not None:
        chat.bot(reply)
    chat.slot("task_succeeded", True)
    return chat


def test_tracking_counts_the_furthest_step_over_a_failed_lookup_and_a_retry() -> None:
    chat = asked_for_an_order(Chat("t"), "track_order", "track_order_form")
    chat.user("10009", "inform")
    chat.form("track_order_form", {"order_id": "10009"}, "email", "And the email?")
    chat.user("anna@example.com", "inform")
    not_found = {"order_id": None, "email": None, "verified_order": None}
    chat.form("track_order_form", not_found, "order_id", "I couldn't find that order.")
    assert progress(chat) == {"tracking": "started"}
    verified(chat, "track_order_form")
    assert progress(chat) == {"tracking": "verified"}
    succeeded(chat, "action_track_order", "Order 10001 is on its way.")
    assert progress(chat) == {"tracking": "done"}


def test_cancel_passes_each_step_in_order() -> None:
    chat = verified(
        asked_for_an_order(Chat("c"), "cancel_order", "cancel_order_form"), "cancel_order_form"
    )
    chat.action("action_confirm_cancel")
    chat.bot("Cancel order 10001 (Jacket)?")
    chat.slot("confirming", "cancel_order")
    assert progress(chat) == {"cancel": "eligible"}
    chat.user("yes", "affirm")
    chat.action("action_cancel_order")
    chat.slot("confirming", None)
    chat.bot("Order 10001 is cancelled.")
    chat.slot("task_succeeded", True)
    assert progress(chat) == {"cancel": "done"}


def test_a_step_is_never_skipped() -> None:
    """The task done without the identity check (a script, not our forms) stays at started."""
    chat = asked_for_an_order(Chat("s"), "cancel_order", "cancel_order_form")
    succeeded(chat, "action_cancel_order")
    assert progress(chat) == {"cancel": "started"}


def test_only_the_flows_own_actions_move_it_on() -> None:
    chat = asked_for_an_order(Chat("o"), "track_order", "track_order_form")
    # Set by slot extraction after a customer message: no action of the flow set it.
    chat.user("10001, anna@example.com", "inform")
    chat.slot("verified_order", ORDER)
    # Restored by "yes, go back" (actions/digressions.py): not the flow's check either.
    chat.action("action_resume_task")
    chat.slot("verified_order", ORDER)
    chat.slot("task_succeeded", True)
    assert progress(chat) == {"tracking": "started"}


def test_a_last_step_alone_starts_no_flow() -> None:
    chat = Chat("l")
    chat.session_start()
    chat.user("cancel 10001", "cancel_order")
    chat.action("action_cancel_order")
    chat.slot("verified_order", ORDER)
    chat.slot("task_succeeded", True)
    assert progress(chat) == {}


def handed_over(chat: Chat) -> Chat:
    """A "where is my parcel? It never came": the tracking form's first run hands the message to
    the delivery-problem form (actions/digressions.py: to_delivery_problem)."""
    chat.form("track_order_form", {"complaint_details": None})
    chat.form("delivery_problem_form", {}, "order_id", "Which order is it?")
    return chat


def test_a_form_that_hands_its_first_message_over_never_started() -> None:
    chat = Chat("h")
    chat.session_start()
    chat.user("where is my parcel, it never came", "track_order")
    assert progress(handed_over(chat)) == {"delivery_problem": "started"}


def test_a_flow_left_later_for_another_stays_started() -> None:
    chat = asked_for_an_order(Chat("k"), "track_order", "track_order_form")
    chat.user("it never came", "report_delivery_problem")
    assert progress(handed_over(chat)) == {"tracking": "started", "delivery_problem": "started"}


def test_a_return_with_everything_said_up_front_passes_eligible_and_done_at_once() -> None:
    chat = asked_for_an_order(Chat("r"), "return_item", "return_form")
    verified(chat, "return_form")  # item, reason and refund-or-exchange were in the first message
    succeeded(chat, "action_create_return", "Return R-1 is booked.")
    assert progress(chat) == {"return": "done"}


def test_a_return_past_its_window_stops_at_verified() -> None:
    chat = asked_for_an_order(Chat("w"), "return_item", "return_form")
    chat.user("10001", "inform")
    chat.form("return_form", {"order_id": "10001"}, "email", "And the email on it?")
    chat.user("anna@example.com", "inform")
    problem = {"code": "return_window_expired", "window_days": 30}
    chat.form("return_form", {"verified_order": ORDER, "form_problem": problem})
    chat.action("action_create_return")
    chat.bot("The 30-day window has passed. Shall I connect you with a colleague?")
    chat.slot("confirming", "handoff")
    assert progress(chat) == {"return": "verified"}


def test_address_change_is_eligible_once_the_new_address_is_asked_for() -> None:
    chat = asked_for_an_order(Chat("a"), "change_shipping_address", "address_form")
    verified(chat, "address_form", "address", "What's the new address?")
    assert progress(chat) == {"address_change": "eligible"}


def test_refund_status_by_return_number_and_a_complaint_by_its_description() -> None:
    refund = Chat("f")
    refund.session_start()
    refund.user("where is my refund", "refund_status")
    refund.form("refund_form", {}, "order_id", "The order or return number?")
    refund.user("R-12345", "inform")
    refund.form("refund_form", {"order_id": None, "rma": "R-12345"})
    assert progress(refund) == {"refund_status": "verified"}
    complaint = Chat("p")
    complaint.session_start()
    complaint.user("the driver was rude to me", "complaint")
    details = {"complaint_details": "the driver was rude to me"}
    complaint.form("complaint_form", details, "email", "Your email, so we can reply?")
    assert progress(complaint) == {"complaint": "described"}


def test_flow_slots_are_kept_without_what_the_customer_typed() -> None:
    chat = Chat("x")
    for name, value in (
        ("verified_order", ORDER),
        ("rma", "R-12345"),
        ("complaint_details", "call me on +44 20 7946 0958"),
        ("confirming", "cancel_order"),
        ("requested_slot", "address"),
        ("verified_order", None),
    ):
        chat.slot(name, value)
    events = build_sanitizer(load_settings()).sanitize_all(chat.events)
    assert [(event["name"], event["value"]) for event in events] == [
        ("verified_order", True),
        ("rma", True),
        ("complaint_details", True),
        ("confirming", "cancel_order"),
        ("requested_slot", "address"),
        ("verified_order", False),
    ]


def test_every_flow_starts_and_ends_alike() -> None:
    assert len({flow.form for flow in FLOWS}) == len(FLOWS) == 7
    for flow in FLOWS:
        assert flow.step_keys[0] == "started" and flow.step_keys[-1] == "done", flow.key


async def stored_progress(store: CXStore) -> list[tuple[Any, ...]]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(
            select(FlowProgress.flow, FlowProgress.step).order_by(FlowProgress.flow)
        )
        return [tuple(row) for row in rows]


async def test_the_store_follows_flows_across_batches_of_one_event(store: CXStore) -> None:
    chat = Chat("b")
    chat.session_start()
    chat.user("where is my parcel, it never came", "track_order")
    handed_over(chat)
    chat.user("10001", "inform")
    chat.form("delivery_problem_form", {"order_id": "10001"}, "email", "And the email on it?")
    chat.user("anna@example.com", "inform")
    chat.form("delivery_problem_form", {"email": "anna@example.com", "verified_order": ORDER})
    events = build_sanitizer(load_settings()).sanitize_all(chat.events)
    for event in events:
        await store.write([event])
    assert await stored_progress(store) == [("delivery_problem", "verified")]
    await store.write(events)  # a replay changes nothing
    assert await stored_progress(store) == [("delivery_problem", "verified")]
    assert await delete_conversations(store, Subject(sender_id="b")) == 1
    assert await stored_progress(store) == []  # erased with its conversation
