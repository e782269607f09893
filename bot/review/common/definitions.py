"""What each outcome and dashboard number means, in words a CX lead uses: the one source for
the dashboard's help popovers, the transcript's outcome label and README's review-app section
(a test checks README quotes every sentence here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    key: str
    label: str
    text: str


OUTCOMES = (
    Definition(
        "resolved",
        "Resolved",
        "The task the customer came for was done (an order tracked, cancelled or re-addressed, "
        "a return created, a refund status or a password reset given, a question answered and "
        "not followed by a complaint, a rephrase or a request for a person), or the customer "
        "confirmed it by thanking, saying goodbye or rating CSAT 4 or 5.",
    ),
    Definition(
        "handed_off",
        "Handed off",
        "The customer asked for a person, or was given one (even if no agent was free and a "
        "ticket was opened instead).",
    ),
    Definition(
        "abandoned",
        "Abandoned",
        "The customer went silent after the assistant's message for CX_ABANDON_MINUTES, "
        "without the task being done.",
    ),
    Definition(
        "unresolved",
        "Unresolved",
        "The conversation ended (goodbye, restart, or silence after the customer's own "
        "message) without the task being done and without a person.",
    ),
    Definition(
        "open",
        "Open",
        "Still going: active within the last CX_ABANDON_MINUTES and not ended. Open "
        "conversations are left out of every rate.",
    ),
)

METRICS = (
    Definition(
        "conversations",
        "Conversations",
        "Conversations started in the range, open ones included.",
    ),
    Definition(
        "open",
        "Open",
        "Conversations still going; every rate below is taken over the others (the decided ones).",
    ),
    Definition(
        "resolution",
        "Resolution rate",
        "Resolved conversations among decided conversations.",
    ),
    Definition(
        "containment",
        "Containment",
        "Decided conversations in which no person was involved (everything but handed off), "
        "among decided conversations.",
    ),
    Definition(
        "handoff",
        "Handoff rate",
        "Handed-off conversations among decided conversations.",
    ),
    Definition(
        "abandonment",
        "Abandonment rate",
        "Abandoned conversations among decided conversations.",
    ),
    Definition(
        "not-understood-messages",
        "Not understood (messages)",
        "Customer messages the assistant did not understand (NLU fallback, dialogue fallback "
        "or an out-of-scope answer), among the messages it handled in decided conversations; "
        "messages written to an agent are not counted.",
    ),
    Definition(
        "not-understood-conversations",
        "Not understood (conversations)",
        "Decided conversations with at least one message the assistant did not understand, "
        "among decided conversations.",
    ),
    Definition(
        "csat",
        "CSAT (1–5)",
        "Average customer satisfaction rating from 1 to 5, with the number of answers.",
    ),
    Definition(
        "nps",
        "NPS",
        "Net Promoter Score: % of promoters (9–10) minus % of detractors (0–6), from -100 to "
        "100, with the number of answers.",
    ),
)

OUTCOME_TEXT = {definition.key: definition.text for definition in OUTCOMES}
OUTCOME_LABEL = {definition.key: definition.label for definition in OUTCOMES}


@dataclass(frozen=True)
class FlowDefinition:
    """A flow on the dashboard's funnels; ``steps`` in the order of bot.cxlog.funnels."""

    key: str
    label: str
    steps: tuple[Definition, ...]


STARTED = Definition(
    "started",
    "Started",
    "The assistant took the task on: its form asked the first question (or answered at once "
    "when the first message said everything). Every share in the flow is of these.",
)
VERIFIED = Definition(
    "verified",
    "Identity verified",
    "The order number matched the email on the order, or the customer the widget signed in.",
)


def _done(text: str) -> Definition:
    return Definition("done", "Done", text)


FUNNELS = (
    FlowDefinition(
        "tracking", "Order tracking", (STARTED, VERIFIED, _done("The order's status was told."))
    ),
    FlowDefinition(
        "cancel",
        "Cancel an order",
        (
            STARTED,
            VERIFIED,
            Definition(
                "eligible",
                "Eligible",
                "The order had not left the warehouse, so the assistant asked whether to "
                "cancel it.",
            ),
            _done("The order was cancelled."),
        ),
    ),
    FlowDefinition(
        "return",
        "Return an item",
        (
            STARTED,
            VERIFIED,
            Definition(
                "eligible",
                "Eligible",
                "The order could be returned (delivered, within the return window, an item "
                "not returned yet), so the assistant asked what to return and why.",
            ),
            _done("The return was booked."),
        ),
    ),
    FlowDefinition(
        "refund_status",
        "Refund status",
        (
            STARTED,
            Definition(
                "verified",
                "Identity verified",
                "The order number matched the email on the order (or the customer the widget "
                "signed in), or the customer gave a return (RMA) number.",
            ),
            _done("The refund's status was told."),
        ),
    ),
    FlowDefinition(
        "address_change",
        "Change the delivery address",
        (
            STARTED,
            VERIFIED,
            Definition(
                "eligible",
                "Eligible",
                "The order had not shipped, so the assistant asked for the new address (or read "
                "a given one back for a yes).",
            ),
            _done("The new address was saved."),
        ),
    ),
    FlowDefinition(
        "complaint",
        "Complaint",
        (
            STARTED,
            Definition(
                "described",
                "Described",
                "The customer described what went wrong in enough words to act on.",
            ),
            _done("The complaint was filed as a ticket."),
        ),
    ),
    FlowDefinition(
        "delivery_problem",
        "Delivery problem",
        (
            STARTED,
            VERIFIED,
            _done(
                "The problem was answered (not shipped yet, cancelled) or filed as a claim with "
                "the carrier; a damaged parcel offered a free return instead stops before this."
            ),
        ),
    ),
)

FUNNEL_TERMS = (
    Definition(
        "funnel-share",
        "Share",
        "Conversations that reached the step, among the conversations that started the flow "
        "in the range; a step counts only when every step before it was reached.",
    ),
    Definition(
        "funnel-left",
        "Left here",
        "Conversations whose furthest step in the flow is this one, by the conversation's "
        "outcome (open ones are still going).",
    ),
)
