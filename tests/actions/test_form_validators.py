"""Which questions a form still asks (``done_when``), how an answer that does not parse is
refused (``checked_answer``), and who the order changes are made for (``caller``)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import Caller
from actions.conversation import CLIENT_ADDRESS_KEY as CLIENT_ADDRESS
from actions.conversation import conversation_id
from actions.feedback import ValidateFeedbackForm
from actions.orders import ActionCancelOrder, ActionChangeAddress
from actions.returns import ValidateRefundForm, ValidateReturnForm

FEEDBACK = ["csat", "nps", "feedback_comment"]
REFUND = ["order_id", "email"]


def tracker(**slots: Any) -> Tracker:
    message = {"text": "3", "intent": {"name": "inform", "confidence": 0.9}, "entities": []}
    return Tracker("s", slots, message, [], False, None, {"name": "x"}, "")


async def asked(validator: Any, domain_slots: list[str], **slots: Any) -> list[str]:
    return await validator.required_slots(
        domain_slots, CollectingDispatcher(), tracker(**slots), {}
    )


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({}, FEEDBACK),
        ({"customer_id": "C1001"}, FEEDBACK),
        ({"feedback_skipped": True}, []),
        ({"form_problem": {"code": "backend_unavailable"}}, []),
    ],
)
async def test_feedback_form_questions(slots: dict[str, Any], expected: list[str]) -> None:
    assert await asked(ValidateFeedbackForm(), FEEDBACK, **slots) == expected


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({}, REFUND),
        ({"customer_id": "C1001"}, ["order_id"]),
        ({"rma": "RMA-AB12CD34"}, []),
        ({"form_problem": {"code": "backend_unavailable"}}, []),
    ],
)
async def test_refund_form_questions(slots: dict[str, Any], expected: list[str]) -> None:
    assert await asked(ValidateRefundForm(), REFUND, **slots) == expected


def test_an_answer_that_does_not_parse_is_refused_with_its_own_reprompt() -> None:
    dispatcher = CollectingDispatcher()
    validator = ValidateFeedbackForm()
    assert validator.validate_csat("4", dispatcher, tracker(), {}) == {"csat": 4}
    assert validator.validate_csat("banana", dispatcher, tracker(), {}) == {"csat": None}
    assert validator.validate_nps("11", dispatcher, tracker(), {}) == {"nps": None}
    returns = ValidateReturnForm()
    assert returns.validate_resolution("a refund please", dispatcher, tracker(), {}) == {
        "resolution": "refund"
    }
    assert returns.validate_resolution("hmm", dispatcher, tracker(), {}) == {"resolution": None}
    assert returns.validate_email("nope", dispatcher, tracker(), {}) == {"email": None}
    assert returns.validate_order_id("?", dispatcher, tracker(), {}) == {"order_id": None}
    assert [message["response"] for message in dispatcher.messages] == [
        "utter_invalid_csat",
        "utter_invalid_nps",
        "utter_invalid_resolution",
        "utter_invalid_email",
        "utter_invalid_order_id",
    ]


class RecordingBackend:
    """Stands in for the backend client: records the order calls, answers with one order."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def cancel_order(self, *args: Any) -> dict[str, Any]:
        self.calls.append(("cancel_order", *args))
        return {"order_id": args[0], "status": "cancelled", "items": []}

    async def change_shipping_address(self, *args: Any) -> dict[str, Any]:
        self.calls.append(("change_shipping_address", *args))
        return {"order_id": args[0], "status": "processing", "shipping_address": args[2]}


def order_tracker(**slots: Any) -> Tracker:
    message = {"text": "yes", "intent": {"name": "affirm"}, "metadata": {CLIENT_ADDRESS: "::1"}}
    return Tracker("chat-1", slots, message, [], False, None, {"name": "x"}, "")


async def test_order_changes_are_made_for_the_conversations_caller() -> None:
    backend = RecordingBackend()
    dispatcher = CollectingDispatcher()
    slots = {"order_id": "10002", "email": "alex.kim@example.com", "address": "1 Elm Street"}
    who = Caller({"email": "alex.kim@example.com"}, conversation_id(order_tracker()), "::1")
    await ActionCancelOrder(backend).run(dispatcher, order_tracker(**slots), {})
    await ActionChangeAddress(backend).run(dispatcher, order_tracker(**slots), {})
    assert backend.calls == [
        ("cancel_order", "10002", who),
        ("change_shipping_address", "10002", who, "1 Elm Street"),
    ]
    verified = {"order_id": "10002", "customer_id": "C1001", "address": "1 Elm Street"}
    await ActionCancelOrder(backend).run(dispatcher, order_tracker(**verified), {})
    assert backend.calls[-1] == (
        "cancel_order",
        "10002",
        Caller({"customer_id": "C1001"}, conversation_id(order_tracker()), "::1"),
    )
    backend.calls.clear()
    await ActionCancelOrder(backend).run(dispatcher, order_tracker(order_id="10002"), {})
    assert backend.calls == []  # no identity: nothing is sent
