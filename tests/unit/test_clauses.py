"""Where a message splits into clauses (bot/nlu/clauses.py)."""

from __future__ import annotations

import pytest

from bot.nlu.clauses import clause_spans


def clauses(text: str) -> list[str]:
    return [text[start:end] for start, end in clause_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i want to cancel 20001 and also change my adress",
         ["i want to cancel 20001", "change my adress"]),
        ("wheres my order 10001 and can i return the shoes",
         ["wheres my order 10001", "can i return the shoes"]),
        ("cancel 20001; change my address", ["cancel 20001", "change my address"]),
        ("track my order, then reset my password", ["track my order", "reset my password"]),
        ("refund for 10002 plus i need a human", ["refund for 10002", "i need a human"]),
        ("TRACK MY ORDER AND ALSO RESET MY PASSWORD", ["TRACK MY ORDER", "RESET MY PASSWORD"]),
    ],
)  # fmt: skip
def test_two_requests_split_into_their_clauses(text: str, expected: list[str]) -> None:
    assert clauses(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "where is my order 10001",
        "thanks and bye",  # one-word clauses are no requests
        "sandals and socks",
        "also reset my password",  # nothing before "also"
        "i bought sandals, they hurt",
        "a b and c d and e f and g h",  # more clauses than are worth a pass each
        "",
    ],
)
def test_what_does_not_split(text: str) -> None:
    assert clause_spans(text) == []
