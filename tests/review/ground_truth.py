"""Ground truth: 63 scripted conversations with outcomes counted by hand, replayed as Rasa's own
events (its event classes, in the order its processor logs them) through the real pipeline
(sanitizer and redaction → store → the sweep with a fake clock) and read back from the review
app's JSON. Every per-conversation field and every dashboard and funnel number is compared with
the hand count written below, not with anything computed from the same rules. 45 run on 4 May;
18 go through the seven flows' forms on 3 May and stop at different steps (FUNNELS_ON_3_MAY).

How Rasa logs a turn: ``UserUttered``, then per action ``ActionExecuted`` followed by the events
the action returned (``BotUttered``, ``SlotSet``, ``ConversationPaused``), then ``action_listen``.
While a conversation is paused Rasa still logs the customer's messages but runs no action; the
agent inbox appends agent messages as ``BotUttered`` tagged with the agent and ends a handoff
with a notice and ``ConversationResumed``. A real-stack subset is in test_ground_truth_stack.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.cxlog.broker import build_sanitizer
from bot.cxlog.models import OUTCOMES
from bot.cxlog.store import CXStore
from bot.review.common.definitions import FUNNELS
from bot.settings import Settings
from tests.cxlog.rasa_events import Chat

DAY = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
# The sweep runs at NOW: conversations whose last activity is 30+ minutes earlier are decided.
NOW = DAY + timedelta(hours=10)
WIDGET = {"cx_channel": "widget", "cx_page": "https://shop.example/help?utm=x"}
WIDGET_PAGE = "https://shop.example/help"


@dataclass(frozen=True)
class Expected:
    """The hand count for one conversation."""

    outcome: str
    messages: int  # customer messages
    not_understood: int = 0
    to_agent: int = 0
    end: str | None = None  # end_reason
    handoffs: tuple[str | None, ...] = ()  # reason codes, in order
    csat: int | None = None
    nps: int | None = None
    channel: str = "rest"
    customer_id: str | None = None


class Script(Chat):
    """A conversation in Rasa's words, with shorthands for the steps the assistant takes."""

    def __init__(self, sender_id: str, minute: float, channel: str = "rest") -> None:
        super().__init__(sender_id, start=(DAY + timedelta(minutes=minute)).timestamp())
        self.channel = channel
        self.session_start()

    def says(self, text: str, intent: str, confidence: float = 0.93) -> Script:
        metadata = WIDGET if self.channel == "widget" else None
        self.user(text, intent, confidence, metadata=metadata, channel="rest")
        return self

    def does(self, action: str, text: str, *slots: tuple[str, Any]) -> Script:
        """An action runs, says ``text`` and sets ``slots`` (another action follows)."""
        self.action(action)
        self.bot(text, utter_action=action if action.startswith("utter_") else None)
        for name, value in slots:
            self.slot(name, value)
        return self

    def answers(self, action: str, text: str, *slots: tuple[str, Any]) -> Script:
        """An action runs, says ``text`` and sets ``slots``; then Rasa listens."""
        self.does(action, text, *slots)
        self.action("action_listen", after=0.01)
        return self

    def fills(
        self, form: str, slots: dict[str, Any], asks: str | None = None, question: str = ""
    ) -> Script:
        """A form's turn: its validation's slots, then its next question or its end."""
        self.form(form, slots, asks, question)
        return self

    def agent(self, name: str, text: str, after: float = 5.0) -> Script:
        super().agent(name, text, after)
        return self

    def pause(self) -> Script:
        super().pause()
        return self

    def hands_off(self, reason: str, action: str = "action_handoff_to_human") -> Script:
        self.action(action)
        self.bot("I'm passing you to a colleague now.")
        self.slot("handoff_reason", reason)
        self.pause()
        return self

    def agent_ends(self, agent: str) -> Script:
        self.bot("You're back with the assistant now. Anything else?", after=2.0)
        self.metadata_of_last("handoff_notice", f"ended by {agent}")
        self.resume(after=0.0)
        return self

    def no_agent_free(self) -> Script:
        self.bot("No one is online; I've opened ticket T-1.", after=1.0)
        self.resume(after=0.0)
        return self

    def rates(self, csat: int, nps: int | None = None) -> Script:
        self.says(str(csat), "rate")
        self.action("feedback_form")
        self.slot("csat", csat)
        if nps is not None:
            self.bot("And how likely are you to recommend us, 0 to 10?")
            self.action("action_listen", after=0.01)
            self.says(str(nps), "rate")
            self.action("feedback_form")
            self.slot("nps", nps)
        self.bot("Thank you for the feedback!")
        self.action("action_listen", after=0.01)
        return self

    def bye(self) -> Script:
        return self.says("bye", "goodbye").answers("utter_goodbye", "Goodbye!")

    def metadata_of_last(self, key: str, value: str) -> None:
        self.events[-1]["metadata"] = {**self.events[-1].get("metadata", {}), key: value}


def track(sender: str, minute: float, channel: str = "rest") -> Script:
    return (
        Script(sender, minute, channel)
        .says("where is my order 10001", "track_order")
        .answers("utter_ask_email", "What's the email on the order?")
        .says("anna@example.com", "inform")
        .answers("action_track_order", "Order 10001 is on its way.", ("task_succeeded", True))
    )


# The funnel conversations run the day before (Sunday 3 May), through our forms as Rasa logs
# them; the check's order is reduced to "matched" by the sanitizer.
EVE = -24 * 60
ORDER = {"order_id": "10001", "status": "processing", "items": [{"name": "Jacket"}]}
TRACK, CANCEL, RETURN, REFUND = (
    "track_order_form",
    "cancel_order_form",
    "return_form",
    "refund_form",
)
ADDRESS, COMPLAINT, DELIVERY = "address_form", "complaint_form", "delivery_problem_form"
COMPLAINT_TEXT = "the driver was rude to me at the door"
# What the customer says first, its intent and the form it starts.
CANCELS = ("cancel my order", "cancel_order", CANCEL)
RETURNS = ("I want to return something", "return_item", RETURN)
ADDRESSES = ("change my delivery address", "change_shipping_address", ADDRESS)


def asks_order(script: Script, text: str, intent: str, form: str) -> Script:
    return script.says(text, intent).fills(form, {}, "order_id", "What's the order number?")


def gives_order(
    script: Script,
    form: str,
    asks: str | None = None,
    question: str = "",
    problem: str | None = None,
) -> Script:
    """Order number, then the email on it: the form's check matches the order (and finds the
    ``problem`` that stops the form, if any)."""
    checked: dict[str, Any] = {"email": "anna@example.com", "verified_order": ORDER}
    if problem:
        checked["form_problem"] = {"code": problem}
    return (
        script.says("10001", "inform")
        .fills(form, {"order_id": "10001"}, "email", "And the email on the order?")
        .says("anna@example.com", "inform")
        .fills(form, checked, asks, question)
    )


def signed_in(sender: str, minute: float, customer_id: str) -> Script:
    script = Script(sender, minute, "widget")
    script.slot("customer_id", customer_id)
    return script


def signed_in_order(script: Script, asked: tuple[str, str, str], question: str) -> Script:
    """A signed-in customer asks (text, intent, form) and gives the order number; the form
    checks it against their account, so no email is asked."""
    text, intent, form = asked
    return (
        script.says(text, intent)
        .fills(form, {}, "order_id", question)
        .says("10001", "inform")
        .fills(form, {"order_id": "10001", "verified_order": ORDER})
    )


def funnel_scripts() -> list[tuple[Script, Expected]]:
    """18 conversations through the seven flows on 3 May, stopping at different steps; the
    step each reaches is in FUNNELS_ON_3_MAY."""
    s: list[tuple[Script, Expected]] = []

    def add(script: Script, expected: Expected) -> None:
        s.append((script, expected))

    # --- tracking: done after a failed lookup; left at started; left verified for a person --
    not_found = {"order_id": None, "email": None, "verified_order": None}
    retried = (
        asks_order(Script("gt-f-track-done", EVE), "where is my order", "track_order", TRACK)
        .says("10009", "inform")
        .fills(TRACK, {"order_id": "10009"}, "email", "And the email on the order?")
        .says("anna@example.com", "inform")
        .fills(TRACK, not_found, "order_id", "I couldn't find that order. Its number?")
    )
    add(
        gives_order(retried, TRACK)
        .answers("action_track_order", "Order 10001 is on its way.", ("task_succeeded", True))
        .bye(),
        Expected("resolved", 6, end="goodbye"),
    )
    add(
        asks_order(Script("gt-f-track-silent", EVE + 5), "where's my parcel", "track_order", TRACK),
        Expected("abandoned", 1, end="silence"),
    )
    add(
        signed_in_order(
            signed_in("gt-f-track-human", EVE + 10, "C-50"),
            ("where is my order", "track_order", TRACK),
            "Which order?",
        )
        .answers(
            "action_track_order",
            "Our order system is down. Shall I connect you with a colleague?",
            ("confirming", "handoff"),
        )
        .says("yes", "affirm")
        .hands_off("backend_unavailable")
        .no_agent_free(),
        Expected(
            "handed_off",
            3,
            end="silence",
            handoffs=("backend_unavailable",),
            channel="widget",
            customer_id="C-50",
        ),
    )
    # --- a lost parcel worded as "where is it": tracking hands it over and never starts -----
    add(
        Script("gt-f-parcel-lost", EVE + 15)
        .says("my parcel never arrived, where is it", "track_order")
        .fills(TRACK, {"complaint_details": None})
        .fills(DELIVERY, {}, "order_id", "Sorry to hear that. Which order is it?"),
        Expected("abandoned", 1, end="silence"),
    )
    # --- cancel: done; not cancellable any more; cancellable, then a person -----------------
    add(
        gives_order(asks_order(Script("gt-f-cancel-done", EVE + 20), *CANCELS), CANCEL)
        .answers("action_confirm_cancel", "Cancel order 10001?", ("confirming", "cancel_order"))
        .says("yes", "affirm")
        .answers(
            "action_cancel_order",
            "Order 10001 is cancelled.",
            ("confirming", None),
            ("task_succeeded", True),
        )
        .says("thanks", "thank")
        .answers("utter_you_are_welcome", "You're welcome!"),
        Expected("resolved", 5, end="silence"),
    )
    add(
        gives_order(asks_order(Script("gt-f-cancel-shipped", EVE + 25), *CANCELS), CANCEL)
        .answers(
            "action_confirm_cancel",
            "Order 10001 has shipped, so it can't be cancelled any more.",
            ("confirming", None),
        )
        .bye(),
        Expected("unresolved", 4, end="goodbye"),
    )
    add(
        gives_order(asks_order(Script("gt-f-cancel-human", EVE + 30), *CANCELS), CANCEL)
        .answers("action_confirm_cancel", "Cancel order 10001?", ("confirming", "cancel_order"))
        .says("I'd rather talk to a person", "request_human")
        .hands_off("customer_request")
        .agent("sam", "Hi, Sam here. I can help with that.")
        .agent_ends("sam"),
        Expected("handed_off", 4, end="silence", handoffs=("customer_request",)),
    )
    # --- return: booked; past the window; eligible, then silent -----------------------------
    add(
        gives_order(
            asks_order(Script("gt-f-return-done", EVE + 35), *RETURNS), RETURN, "item", "Which?"
        )
        .says("the jacket", "inform")
        .fills(RETURN, {"item": "Jacket"}, "return_reason", "Why are you returning it?")
        .says("it is too small", "inform")
        .fills(RETURN, {"return_reason": "too small"}, "resolution", "Refund or exchange?")
        .says("refund", "inform")
        .fills(RETURN, {"resolution": "refund"})
        .answers("action_create_return", "Return R-1 is booked.", ("task_succeeded", True)),
        Expected("resolved", 6, end="silence"),
    )
    add(
        gives_order(
            asks_order(Script("gt-f-return-late", EVE + 40), *RETURNS),
            RETURN,
            problem="return_window_expired",
        ).answers(
            "action_create_return",
            "The 30-day return window has passed. Shall I connect you with a colleague?",
            ("confirming", "handoff"),
        ),
        Expected("abandoned", 3, end="silence"),
    )
    add(
        gives_order(
            asks_order(Script("gt-f-return-left", EVE + 45), *RETURNS), RETURN, "item", "Which?"
        ),
        Expected("abandoned", 3, end="silence"),
    )
    # --- refund status: by return number; restarted at the first question -------------------
    add(
        Script("gt-f-refund-rma", EVE + 50)
        .says("where is my refund", "refund_status")
        .fills(REFUND, {}, "order_id", "The order or the return number?")
        .says("R-12345", "inform")
        .fills(REFUND, {"order_id": None, "rma": "R-12345"})
        .answers(
            "action_refund_status",
            "The refund for R-12345 was paid on Monday.",
            ("rma", None),
            ("task_succeeded", True),
        )
        .bye(),
        Expected("resolved", 3, end="goodbye"),
    )
    restarted = (
        Script("gt-f-refund-restart", EVE + 55)
        .says("refund status please", "refund_status")
        .fills(REFUND, {}, "order_id", "The order or the return number?")
    )
    restarted.restart()
    add(restarted, Expected("unresolved", 1, end="restart"))
    # --- address change: saved; shipped already -------------------------------------------
    add(
        gives_order(
            asks_order(Script("gt-f-address-done", EVE + 60), *ADDRESSES),
            ADDRESS,
            "address",
            "What's the new address?",
        )
        .says("12 Oak Road, Leeds", "inform")
        .fills(ADDRESS, {"address": "12 Oak Road, Leeds"})
        .answers(
            "action_confirm_address",
            "Send it to the new address?",
            ("confirming", "change_address"),
        )
        .says("yes", "affirm")
        .answers(
            "action_change_address",
            "Done: the new address is saved.",
            ("confirming", None),
            ("task_succeeded", True),
        ),
        Expected("resolved", 5, end="silence"),
    )
    add(
        gives_order(
            asks_order(Script("gt-f-address-locked", EVE + 65), *ADDRESSES),
            ADDRESS,
            problem="address_locked",
        )
        .answers(
            "action_confirm_address",
            "Order 10001 has shipped, so its address can't change any more.",
            ("confirming", None),
        )
        .bye(),
        Expected("unresolved", 4, end="goodbye"),
    )
    # --- complaint: filed; described, then a person -----------------------------------------
    add(
        Script("gt-f-complaint-done", EVE + 70)
        .says(COMPLAINT_TEXT, "complaint")
        .fills(COMPLAINT, {"complaint_details": COMPLAINT_TEXT}, "email", "Your email, please?")
        .says("anna@example.com", "inform")
        .fills(COMPLAINT, {"email": "anna@example.com"})
        .answers(
            "action_file_complaint",
            "I'm sorry. Ticket T-7 is open. Shall I connect you with a colleague?",
            ("complaint_details", None),
            ("confirming", "handoff"),
            ("task_succeeded", True),
        ),
        Expected("resolved", 2, end="silence"),
    )
    add(
        Script("gt-f-complaint-human", EVE + 75)
        .says(COMPLAINT_TEXT, "complaint")
        .fills(COMPLAINT, {"complaint_details": COMPLAINT_TEXT}, "email", "Your email, please?")
        .says("just get me a person", "request_human")
        .hands_off("customer_request")
        .agent("lee", "Hi, Lee here. What happened?")
        .says("the driver shouted at me", "complaint")
        .agent_ends("lee"),
        Expected("handed_off", 3, to_agent=1, end="silence", handoffs=("customer_request",)),
    )
    # --- delivery problem: a claim for a signed-in customer; damaged, a return instead ------
    add(
        signed_in_order(
            signed_in("gt-f-delivery-claim", EVE + 80, "C-51"),
            ("my parcel never arrived", "report_delivery_problem", DELIVERY),
            "Which order is it?",
        )
        .answers(
            "action_report_delivery_problem",
            "I've opened claim T-8 with the carrier.",
            ("task_succeeded", True),
        )
        .bye(),
        Expected("resolved", 3, end="goodbye", channel="widget", customer_id="C-51"),
    )
    damaged = asks_order(
        Script("gt-f-damaged-return", EVE + 85),
        "my parcel arrived damaged",
        "report_delivery_problem",
        DELIVERY,
    )
    add(
        gives_order(damaged, DELIVERY)
        .answers(
            "action_report_delivery_problem",
            "Sorry it arrived damaged. Shall I book a free return?",
            ("confirming", "return_instead"),
        )
        .says("yes please", "affirm")
        .does("action_start_return", "Let's book the return.", ("confirming", None))
        # The return form checks the order it already has, then asks for the item.
        .fills(RETURN, {"order_id": "10001", "verified_order": ORDER}, "item", "Which item?"),
        Expected("abandoned", 4, end="silence"),
    )
    return s


def scripts() -> list[tuple[Script, Expected]]:
    s: list[tuple[Script, Expected]] = []

    def add(script: Script, expected: Expected) -> None:
        s.append((script, expected))

    # --- resolved: a task action succeeded (12) --------------------------------------------
    add(track("gt-track-bye", 0).bye(), Expected("resolved", 3, end="goodbye"))
    add(track("gt-track-silent", 5), Expected("resolved", 2, end="silence"))
    add(
        track("gt-track-rated", 10).rates(5, 10),
        Expected("resolved", 4, end="silence", csat=5, nps=10),
    )
    add(
        Script("gt-cancel", 15)
        .says("cancel order 10002", "cancel_order")
        .answers("utter_ask_cancel_confirm", "Cancel order 10002, are you sure?")
        .says("yes", "affirm")
        .answers("action_cancel_order", "Order 10002 is cancelled.", ("task_succeeded", True))
        .says("thanks", "thank")
        .answers("utter_you_are_welcome", "You're welcome!"),
        Expected("resolved", 3, end="silence"),
    )
    add(
        Script("gt-return", 20)
        .says("I want to return the jacket", "return_item")
        .answers("action_create_return", "Return R-1 is created.", ("task_succeeded", True))
        .bye(),
        Expected("resolved", 2, end="goodbye"),
    )
    add(
        Script("gt-address", 25)
        .says("change the delivery address of 10003", "change_shipping_address")
        .answers(
            "action_change_address", "Done: the new address is saved.", ("task_succeeded", True)
        ),
        Expected("resolved", 1, end="silence"),
    )
    add(
        Script("gt-refund", 30)
        .says("where is my refund", "refund_status")
        .answers(
            "action_refund_status", "Your refund was paid on Monday.", ("task_succeeded", True)
        )
        .rates(4, 9),
        Expected("resolved", 3, end="silence", csat=4, nps=9),
    )
    add(
        Script("gt-password", 35)
        .says("I forgot my password", "reset_password")
        .answers("action_reset_password", "I've sent a reset link.", ("task_succeeded", True)),
        Expected("resolved", 1, end="silence"),
    )
    for n in range(3):
        add(
            track(f"gt-widget-{n}", 40 + n, channel="widget").bye(),
            Expected("resolved", 3, end="goodbye", channel="widget"),
        )
    verified = Script("gt-widget-known", 45, "widget")
    verified.slot("customer_id", "C-42")
    add(
        verified.says("where is my latest order", "track_order").answers(
            "action_track_order", "Order 10009 arrives tomorrow.", ("task_succeeded", True)
        ),
        Expected("resolved", 1, end="silence", channel="widget", customer_id="C-42"),
    )

    # --- resolved: an answer that stood, or confirmed (5) -----------------------------------
    add(
        Script("gt-faq", 50)
        .says("how long do refunds take", "faq")
        .answers("utter_faq", "Refunds take up to 5 working days."),
        Expected("resolved", 1, end="silence"),
    )
    add(
        Script("gt-delivery", 55)
        .says("what delivery options do you have", "delivery_options")
        .answers("utter_delivery_options", "Standard (3 days) or express (1 day).")
        .says("thanks!", "thank")
        .answers("utter_you_are_welcome", "You're welcome!"),
        Expected("resolved", 2, end="silence"),
    )
    add(
        Script("gt-faq-bye", 60)
        .says("do you ship abroad", "faq")
        .answers("utter_faq", "We ship to the EU and the UK.")
        .bye(),
        Expected("resolved", 2, end="goodbye"),
    )
    add(
        Script("gt-fallback-then-faq", 65)
        .says("blorp the flumox", "nlu_fallback", 0.2)
        .answers("action_two_stage_fallback", "Sorry, did you mean returns?")
        .says("how do returns work", "faq")
        .answers("utter_faq", "You have 30 days to return an item."),
        Expected("resolved", 2, not_understood=1, end="silence"),
    )
    add(
        Script("gt-csat-confirms", 70)
        .says("is the shop open on sunday", "out_of_scope")
        .answers("utter_out_of_scope", "Sorry, that's not something I can help with.")
        .rates(5),
        Expected("resolved", 2, not_understood=1, end="silence", csat=5),
    )

    # --- handed off (10) --------------------------------------------------------------------
    for n, agent in enumerate(("dana", "lee", "sam")):
        add(
            Script(f"gt-human-{n}", 75 + 5 * n)
            .says("I want to talk to a person", "request_human")
            .hands_off("customer_request")
            .says("my parcel arrived broken", "nlu_fallback", 0.3)
            .says("order 10004", "inform")
            .agent(agent, "Sorry about that, I'm sending a new one today.")
            .agent_ends(agent)
            .bye(),
            Expected("handed_off", 4, to_agent=2, end="goodbye", handoffs=("customer_request",)),
        )
    add(
        Script("gt-human-widget", 90, "widget")
        .says("agent please", "request_human")
        .hands_off("customer_request")
        .says("hello?", "greet")
        .agent("dana", "Hi, Dana here. How can I help?")
        .says("my card was charged twice", "payment_issue")
        .agent("dana", "I've refunded the second charge.")
        .agent_ends("dana")
        .rates(4, 8),
        Expected(
            "handed_off",
            5,
            to_agent=2,
            end="silence",
            handoffs=("customer_request",),
            csat=4,
            nps=8,
            channel="widget",
        ),
    )
    add(
        Script("gt-no-agent", 95)
        .says("I need a human", "request_human")
        .hands_off("customer_request")
        .no_agent_free(),
        Expected("handed_off", 1, end="silence", handoffs=("customer_request",)),
    )
    add(
        Script("gt-second-handoff", 100)
        .says("zzzz qqq", "nlu_fallback", 0.1)
        .answers("action_two_stage_fallback", "Sorry, did you mean tracking?")
        .says("nope wrong", "nlu_fallback", 0.1)
        .hands_off("not_understood", action="action_default_fallback")
        .says("are you there", "nlu_fallback", 0.2)
        .agent("lee", "Yes, what do you need?")
        .agent_ends("lee")
        .says("track order 10005", "track_order")
        .answers("utter_ask_email", "What's the email on the order?")
        .says("get me a person again", "request_human")
        .hands_off("customer_request")
        .says("thanks", "thank"),
        Expected(
            "handed_off",
            6,
            not_understood=2,
            to_agent=2,
            end="silence",
            handoffs=("not_understood", "customer_request"),
        ),
    )
    add(
        Script("gt-complaint-offer", 105)
        .says("this is the worst service", "complaint")
        .answers("action_file_complaint", "I'm sorry. Shall I connect you with a colleague?")
        .says("yes", "affirm")
        .hands_off("complaint")
        .agent("dana", "I'm sorry. I've noted it and refunded the delivery fee.")
        .agent_ends("dana")
        .rates(1, 0),
        Expected("handed_off", 4, end="silence", handoffs=("complaint",), csat=1, nps=0),
    )
    known = Script("gt-no-agent-widget", 112, "widget")
    known.slot("customer_id", "C-43")
    add(
        known.says("a human please", "request_human").hands_off("customer_request").no_agent_free(),
        Expected(
            "handed_off",
            1,
            end="silence",
            handoffs=("customer_request",),
            channel="widget",
            customer_id="C-43",
        ),
    )
    add(
        Script("gt-backend-down", 110)
        .says("cancel 10006", "cancel_order")
        .answers("action_cancel_order", "Our order system is down. Shall I connect you?")
        .says("yes", "affirm")
        .hands_off("backend_unavailable")
        .agent("sam", "I've cancelled it for you.")
        .agent_ends("sam"),
        Expected("handed_off", 2, end="silence", handoffs=("backend_unavailable",)),
    )
    add(
        Script("gt-pause-only", 115)
        .says("I need help with an invoice", "payment_issue")
        .answers("action_offer_payment_help", "Payments are handled by a colleague.")
        .pause(),
        Expected("handed_off", 1, end="silence", handoffs=(None,)),
    )

    # --- abandoned: silent after the assistant's message, nothing done (8) ------------------
    for n in range(4):
        add(
            Script(f"gt-abandon-{n}", 120 + 5 * n)
            .says("where is my order", "track_order")
            .answers("utter_ask_order_id", "What's the order number?"),
            Expected("abandoned", 1, end="silence"),
        )
    add(
        Script("gt-abandon-oos", 140)
        .says("can you book me a flight", "out_of_scope")
        .answers("utter_out_of_scope", "Sorry, that's not something I can help with."),
        Expected("abandoned", 1, not_understood=1, end="silence"),
    )
    add(
        Script("gt-abandon-fallback", 145)
        .says("xkcd fnord", "nlu_fallback", 0.15)
        .answers("action_two_stage_fallback", "Sorry, did you mean returns?"),
        Expected("abandoned", 1, not_understood=1, end="silence"),
    )
    add(
        Script("gt-abandon-challenged-faq", 150)
        .says("how long do refunds take", "faq")
        .answers("utter_faq", "Refunds take up to 5 working days.")
        .says("that's not what I asked", "deny")
        .answers("utter_ask_rephrase", "Could you put that another way?"),
        Expected("abandoned", 2, not_understood=1, end="silence"),
    )
    add(
        Script("gt-abandon-low-csat", 155)
        .says("change my address", "change_shipping_address")
        .answers("utter_ask_order_id", "Which order?")
        .rates(2, 3),
        Expected("abandoned", 3, end="silence", csat=2, nps=3),
    )

    # --- unresolved: ended without the task done and without a person (5) ------------------
    for n in range(2):
        add(
            Script(f"gt-oos-bye-{n}", 160 + 5 * n)
            .says("what's the weather tomorrow", "out_of_scope")
            .answers("utter_out_of_scope", "Sorry, that's not something I can help with.")
            .bye(),
            Expected("unresolved", 2, not_understood=1, end="goodbye"),
        )
    add(
        Script("gt-question-bye", 170)
        .says("where is my order", "track_order")
        .answers("utter_ask_order_id", "What's the order number?")
        .bye(),
        Expected("unresolved", 2, end="goodbye"),
    )
    restart = (
        Script("gt-restart", 175)
        .says("I want to return something", "return_item")
        .answers("utter_ask_order_id", "Which order?")
    )
    restart.restart()
    add(restart, Expected("unresolved", 1, end="restart"))
    add(
        Script("gt-no-reply", 180).says("hello? anyone?", "greet"),
        Expected("unresolved", 1, end="silence"),
    )

    # --- open: active within 30 minutes of NOW (4) ------------------------------------------
    for n in range(3):
        add(
            Script(f"gt-open-{n}", 600 - 10 + n)
            .says("where is order 10007", "track_order")
            .answers("utter_ask_email", "What's the email on the order?"),
            Expected("open", 1),
        )
    add(
        track("gt-open-done", 600 - 5),  # task done but still going: not decided yet
        Expected("open", 2),
    )
    add(asks_order(Script("gt-open-cancel", 600 - 3), *CANCELS), Expected("open", 1))
    return s + funnel_scripts()


# Hand count of funnel_scripts() on 3 May: per flow, how many reached each step (in the order
# of bot.review.definitions.FUNNELS), and the outcomes of those whose furthest step it was.
FUNNELS_ON_3_MAY = {
    "tracking": ((3, 2, 1), ({"abandoned": 1}, {"handed_off": 1})),
    "cancel": ((3, 3, 2, 1), ({}, {"unresolved": 1}, {"handed_off": 1})),
    "return": ((4, 4, 3, 1), ({}, {"abandoned": 1}, {"abandoned": 2})),
    "refund_status": ((2, 1, 1), ({"unresolved": 1}, {})),
    "address_change": ((2, 2, 1, 1), ({}, {"unresolved": 1}, {})),
    "complaint": ((2, 2, 1), ({}, {"handed_off": 1})),
    "delivery_problem": ((3, 2, 1), ({"abandoned": 1}, {"abandoned": 1})),
}
# 4 May: only gt-open-cancel starts a flow (the other scripts run no form).
FUNNELS_ON_4_MAY = {"cancel": ((1, 0, 0, 0), ({"open": 1}, {}, {}))}
# Both days.
FUNNELS_ON_BOTH = {
    **FUNNELS_ON_3_MAY,
    "cancel": ((4, 3, 2, 1), ({"open": 1}, {"unresolved": 1}, {"handed_off": 1})),
}


def assert_outcomes(data: dict, conversations: int, **outcomes: int) -> None:
    """/api/dashboard (``data``) counts ``conversations``, split by outcome as hand-counted."""
    assert data["conversations"] == conversations
    assert data["outcomes"] == outcomes


def assert_rates(
    data: dict, resolution: float, containment: float, handoff: float, abandonment: float
) -> None:
    """The dashboard's four rates (``data`` is /api/dashboard) equal the hand count's."""
    assert data["resolution_rate"] == pytest.approx(resolution)
    assert data["containment_rate"] == pytest.approx(containment)
    assert data["handoff_rate"] == pytest.approx(handoff)
    assert data["abandonment_rate"] == pytest.approx(abandonment)


def assert_not_understood(
    data: dict,
    messages: int,
    handled_messages: int,
    message_rate: Any,
    conversations: int,
    conversation_rate: Any,
) -> None:
    """The dashboard's "not understood" numbers equal the hand count's."""
    assert data["not_understood"] == {
        "messages": messages,
        "handled_messages": handled_messages,
        "message_rate": message_rate,
        "conversations": conversations,
        "conversation_rate": conversation_rate,
    }


def share(part: int, whole: int) -> Any:
    return pytest.approx(part / whole) if whole else None


def expected_funnels(hand_count: dict[str, tuple[tuple[int, ...], tuple[dict, ...]]]) -> list:
    """The /api/funnels flows for a hand count (flows it leaves out started nowhere)."""
    flows = []
    for flow in FUNNELS:
        reached, left = hand_count.get(
            flow.key, ((0,) * len(flow.steps), ({},) * (len(flow.steps) - 1))
        )
        started = reached[0]
        flows.append(
            {
                "flow": flow.key,
                "label": flow.label,
                "started": started,
                "steps": [
                    {
                        "step": step.key,
                        "label": step.label,
                        "conversations": count,
                        "share": share(count, started),
                    }
                    for step, count in zip(flow.steps, reached, strict=True)
                ],
                "left": [
                    {
                        "step": step.key,
                        "conversations": sum(outcomes.values()),
                        "share": share(sum(outcomes.values()), started),
                        "outcomes": {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
                    }
                    for step, outcomes in zip(flow.steps, left, strict=False)
                ],
            }
        )
    return flows


async def replay(database_url: str, chats: list[Chat]) -> None:
    sanitizer = build_sanitizer(Settings())
    store = CXStore.from_url(database_url, abandon_minutes=30)
    try:
        for chat in chats:
            events = sanitizer.sanitize_all(chat.events)
            # Rasa publishes events one by one: write in small batches like the writer does.
            for start in range(0, len(events), 3):
                await store.write(events[start : start + 3])
        await store.sweep_abandoned(NOW)
    finally:
        await store.close()
