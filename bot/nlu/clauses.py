"""Where one customer message holds more than one request ("cancel 20001 and also change my
address"): the spans of its clauses, split at the words people join requests with.

A split is only a candidate: bot/deploy/clause_intents.py reads each clause with the live model
and keeps a second request only when that clause is confidently something else.
"""

from __future__ import annotations

import re

# "and", "and also", "and then", "also", "plus", "as well as", "then", a semicolon, or a comma
# before one of them; each must stand as a word ("sandals", "alsop" do not split).
SEPARATOR = re.compile(
    r"\s*(?:[,;]\s*)?\b(?:and\s+also|and\s+then|and|also|plus|as\s+well\s+as|then)\b\s*"
    r"|\s*;\s*",
    re.IGNORECASE,
)
# The entity a second request becomes: set by that reader, never marked or learned as an entity.
ALSO_REQUESTED = "also_requested"
MIN_WORDS = 2  # "and bye" or "also" alone is no request
MAX_CLAUSES = 3  # each clause costs a pass of the NLU pipeline


def clause_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of at least two words, in order; fewer than two clauses or
    more than ``MAX_CLAUSES`` give an empty list (nothing to split)."""
    spans, start = [], 0
    for separator in SEPARATOR.finditer(text):
        spans.append((start, separator.start()))
        start = separator.end()
    spans.append((start, len(text)))
    clauses = [(s, e) for s, e in spans if len(text[s:e].split()) >= MIN_WORDS]
    return clauses if 2 <= len(clauses) <= MAX_CLAUSES else []


def head_before_comma(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The part of clause ``text[start:end]`` before its first comma, if that part is a clause
    of its own: "chnage my adress, this is so annoying" -> "chnage my adress". The reader tries it
    when the whole clause was unsure (an angry tail pulls it towards a complaint)."""
    comma = text.find(",", start, end)
    if comma < 0 or len(text[start:comma].split()) < MIN_WORDS:
        return None
    return start, comma
