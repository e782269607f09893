"""The customer's tasks as the dialogue knows them: the form each task intent starts, and the
answers a form keeps while the customer is away (shared by digressions, resume and validation).
"""

from __future__ import annotations

# The form each task intent starts.
TASK_FORMS = {
    "track_order": "track_order_form",
    "cancel_order": "cancel_order_form",
    "return_item": "return_form",
    "refund_status": "refund_form",
    "change_shipping_address": "address_form",
    "reset_password": "password_form",
    "complaint": "complaint_form",
    "report_delivery_problem": "delivery_problem_form",
}
# Answers a form keeps while the customer is away.
TASK_SLOTS = (
    "order_id", "email", "item", "return_reason", "resolution", "address",
    "complaint_details", "verified_order", "rma", "ticket_category",
)  # fmt: skip
# How the assistant names each task back to the customer ("You also asked me to ...").
TASK_PHRASES = {
    "track_order": "track an order",
    "cancel_order": "cancel an order",
    "return_item": "return something",
    "refund_status": "check on a refund",
    "change_shipping_address": "change a delivery address",
    "reset_password": "reset your password",
    "complaint": "pass on a complaint",
    "report_delivery_problem": "sort out a problem with a delivery",
}
# The same, naming the order when the request named one.
TASK_PHRASES_WITH_ORDER = {
    "track_order": "track order {order_id}",
    "cancel_order": "cancel order {order_id}",
    "return_item": "return something from order {order_id}",
    "refund_status": "check on the refund for order {order_id}",
    "change_shipping_address": "change the delivery address of order {order_id}",
    "report_delivery_problem": "sort out the problem with order {order_id}",
}


def task_phrase(intent: str, slots: dict[str, object]) -> str:
    order = slots.get("order_id")
    if order and intent in TASK_PHRASES_WITH_ORDER:
        return TASK_PHRASES_WITH_ORDER[intent].format(order_id=order)
    return TASK_PHRASES[intent]
