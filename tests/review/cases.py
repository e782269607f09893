"""Cases the review-app tests share: the filters and what each finds among ``sample_chats()``
(SQLite and Postgres), and hostile conversations for the escaping tests (pages and browser)."""

from __future__ import annotations

from datetime import timedelta

from bot.testing.review_app import MARCH, Chat
from tests.support.bad_inputs import bad_inputs

FILTER_CASES = [
    ("from=2026-03-02&to=2026-03-03", ["c-confused", "c-refund"]),
    ("to=2026-03-01", ["c-track"]),
    ("intent=request_refund", ["c-email", "c-refund"]),
    ("intent=nlu_fallback", ["c-confused"]),
    ("outcome=handed_off", ["c-refund"]),
    ("outcome=abandoned", ["c-email", "c-confused"]),
    ("outcome=open", []),
    ("csat=1", ["c-confused"]),
    ("fallback=yes", ["c-confused"]),
    ("fallback=no", ["c-email", "c-refund", "c-track"]),
    ("handoff=yes", ["c-refund"]),
    ("q=refund", ["c-email", "c-refund"]),
    ("q=REFU", ["c-email", "c-refund"]),
    ("q=shoes refund", ["c-refund"]),
    ("q=jane", []),  # the email address was redacted before it was stored
    ("q=EMAIL", ["c-email"]),
    ('q="refund" OR blorp NEAR(x) *', []),  # FTS syntax is not interpreted
    ("intent=request_refund&q=shoes&handoff=yes&csat=2", ["c-refund"]),
]


EXTRA_PAYLOADS = (
    "</script><script>alert(document.domain)</script>",
    "';alert(1);//",
    '" autofocus onfocus="alert(1)',
    "{{ 7*7 }}{% raw %}",
    "<style>*{display:none}</style>",
)
MARKUP = set("<>\"'&")


def payloads() -> list[str]:
    corpus = [text for text in bad_inputs() if MARKUP & set(text) and len(text) < 500]
    return list(dict.fromkeys([*corpus, *EXTRA_PAYLOADS]))


def hostile_chats() -> list[Chat]:
    chats = []
    for number, payload in enumerate(payloads()):
        chat = (
            Chat(f"x{number}{payload}"[:255], MARCH + timedelta(minutes=number))
            .say(
                payload,
                f"intent{payload}"[:100],
                0.4,
                entities=[{"entity": "product", "value": payload}],
            )
            .slot("customer_id", payload[:64])
            .bot(f"You said: {payload}")
            .slot("csat", 2)
            .slot("feedback_comment", payload)
        )
        chats.append(chat)
    return chats
