"""Where a message splits into clauses (bot/nlu/clauses.py)."""

from __future__ import annotations

import pytest

from bot.nlu.clauses import clause_spans, head_before_comma


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


def test_the_head_of_a_clause_is_what_comes_before_its_comma() -> None:
    text = "i wanna cancel 20001 and also chnage my adress, this is so annoying"
    start, end = clause_spans(text)[1]
    head = head_before_comma(text, start, end)
    assert head is not None and text[head[0] : head[1]] == "chnage my adress"
    assert head_before_comma("thanks, bye now", 0, 15) is None  # one word before the comma
    assert head_before_comma("change my address", 0, 17) is None
