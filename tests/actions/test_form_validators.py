"""Which questions a form still asks (``done_when``) and how an answer that does not parse is
refused (``checked_answer``), for the forms that add to the base validator."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ValidateFeedbackForm
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
