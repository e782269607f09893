"""Flow funnels: what marks each step of each task flow in the CX events, in one place.

A flow (tracking, cancel, ...) is one of our forms and the actions that finish it. Its steps are
marked by CX events the flow's own actions produced: the form running, or a slot that its form
or its last step set (an action's ``SlotSet`` events follow its ``action`` event, before the next
action or customer message). A step counts only once every earlier step was reached, so one
event can pass several steps but never skip one. A conversation's progress in a flow is its
furthest step over every attempt (``flow_progress`` rows, written by :mod:`bot.cxlog.projector`).

A form that hands its very first message to another flow's form (a "where is my order" that
reports a lost parcel goes to the delivery-problem form) did not start: the customer never was
in that flow. What each step means to a CX lead is in :mod:`bot.review.common.definitions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Slots the flows' steps read; the sanitizer keeps them reduced to what is below, never values
# a customer typed (bot.cxlog.events).
VERIFIED_ORDER_SLOT = "verified_order"  # True once the form's check matched an order
RMA_SLOT = "rma"  # True once the refund form accepted a return number
COMPLAINT_DETAILS_SLOT = "complaint_details"  # True once the complaint form accepted them
CONFIRMING_SLOT = "confirming"  # the yes/no question now open (a code)
REQUESTED_SLOT = "requested_slot"  # the slot the form asks for next (a slot name)
# Actions set this to true when they completed the customer's task (order cancelled...).
TASK_SUCCESS_SLOT = "task_succeeded"
FLOW_SLOTS = frozenset(
    {VERIFIED_ORDER_SLOT, RMA_SLOT, COMPLAINT_DETAILS_SLOT, CONFIRMING_SLOT, REQUESTED_SLOT}
)
# The return form's questions after the order check (domain.yml: return_form).
RETURN_QUESTIONS = frozenset({"item", "return_reason", "resolution"})


def _slot_value(event: dict[str, Any], name: str) -> Any:
    """The value a slot event sets ``name`` to, or None for any other event."""
    if event["event"] != "slot" or event.get("name") != name:
        return None
    return event.get("value")


def started(flow: Flow, event: dict[str, Any]) -> bool:
    """The flow's form ran: the assistant took the task on and asked its first question (or
    answered at once, when the first message said everything)."""
    return event["event"] == "action" and event.get("name") == flow.form


def verified(_flow: Flow, event: dict[str, Any]) -> bool:
    """The form's identity check matched an order: the order number goes with the email on
    the order, or with the customer the widget signed in (``verified_order`` set)."""
    return _slot_value(event, VERIFIED_ORDER_SLOT) is True


def verified_or_rma(flow: Flow, event: dict[str, Any]) -> bool:
    """As :func:`verified`, or the refund form accepted a return (RMA) number, which only the
    customer has."""
    return verified(flow, event) or _slot_value(event, RMA_SLOT) is True


def described(_flow: Flow, event: dict[str, Any]) -> bool:
    """The complaint form accepted the customer's description (``complaint_details``, long
    enough to act on)."""
    return _slot_value(event, COMPLAINT_DETAILS_SLOT) is True


def cancellable(_flow: Flow, event: dict[str, Any]) -> bool:
    """The order had not left the warehouse, so the assistant asked "shall I cancel it?"
    (``confirming`` = ``cancel_order``)."""
    return _slot_value(event, CONFIRMING_SLOT) == "cancel_order"


def readdressable(_flow: Flow, event: dict[str, Any]) -> bool:
    """The order had not shipped, so the form asked for the new address (``requested_slot`` =
    ``address``) or read a given one back for a yes (``confirming`` = ``change_address``)."""
    return (
        _slot_value(event, REQUESTED_SLOT) == "address"
        or _slot_value(event, CONFIRMING_SLOT) == "change_address"
    )


def returnable(flow: Flow, event: dict[str, Any]) -> bool:
    """The order passed the return check (delivered, within the window, an item not returned
    yet), so the form asked which item, why or refund-or-exchange, or booked the return at once
    when the customer had said all that."""
    return _slot_value(event, REQUESTED_SLOT) in RETURN_QUESTIONS or done(flow, event)


def done(_flow: Flow, event: dict[str, Any]) -> bool:
    """The flow's last step completed the task (tracked, cancelled, booked, answered, filed):
    it set ``task_succeeded``."""
    return _slot_value(event, TASK_SUCCESS_SLOT) is True


StepRule = Callable[["Flow", dict[str, Any]], bool]


@dataclass(frozen=True)
class Step:
    key: str
    reached_by: StepRule


@dataclass(frozen=True)
class Flow:
    key: str
    form: str
    # Actions that finish the flow after its form; their slots count for the flow too.
    final_actions: tuple[str, ...]
    steps: tuple[Step, ...]

    @property
    def actions(self) -> frozenset[str]:
        return frozenset({self.form, *self.final_actions})

    @property
    def step_keys(self) -> tuple[str, ...]:
        return tuple(step.key for step in self.steps)

    def advance(self, reached: str, event: dict[str, Any]) -> str:
        """The furthest step after ``event``, from step ``reached`` (steps in order only)."""
        index = self.step_keys.index(reached)
        while index + 1 < len(self.steps) and self.steps[index + 1].reached_by(self, event):
            index += 1
        return self.steps[index].key


STARTED, VERIFIED, ELIGIBLE, DESCRIBED, DONE = (
    "started",
    "verified",
    "eligible",
    "described",
    "done",
)


def _flow(key: str, form: str, final: tuple[str, ...], *middle: Step) -> Flow:
    return Flow(key, form, final, (Step(STARTED, started), *middle, Step(DONE, done)))


FLOWS = (
    _flow("tracking", "track_order_form", ("action_track_order",), Step(VERIFIED, verified)),
    _flow(
        "cancel",
        "cancel_order_form",
        ("action_confirm_cancel", "action_cancel_order"),
        Step(VERIFIED, verified),
        Step(ELIGIBLE, cancellable),
    ),
    _flow(
        "return",
        "return_form",
        ("action_create_return",),
        Step(VERIFIED, verified),
        Step(ELIGIBLE, returnable),
    ),
    _flow(
        "refund_status", "refund_form", ("action_refund_status",), Step(VERIFIED, verified_or_rma)
    ),
    _flow(
        "address_change",
        "address_form",
        ("action_confirm_address", "action_change_address"),
        Step(VERIFIED, verified),
        Step(ELIGIBLE, readdressable),
    ),
    _flow("complaint", "complaint_form", ("action_file_complaint",), Step(DESCRIBED, described)),
    _flow(
        "delivery_problem",
        "delivery_problem_form",
        ("action_report_delivery_problem",),
        Step(VERIFIED, verified),
    ),
)
FLOW_BY_KEY = {flow.key: flow for flow in FLOWS}
FLOW_OF_ACTION = {action: flow for flow in FLOWS for action in flow.actions}
