"""Payment card numbers: 13–19 digits that pass the Luhn check, grouped by any separator.

Customers type cards with spaces, dashes, dots, no separator at all, or the no-break spaces a
phone keyboard or a copy from a banking app inserts (U+00A0, U+202F, U+2009): ``\\s`` covers
the Unicode spaces.
"""

from __future__ import annotations

import re

from bot.cxlog.pii import Span

# Digit groups joined by one separator (or a dash with spaces around it).
DIGIT_RUN_RE = re.compile(r"(?<![\w.,])\d+(?:(?:\s?[-.]\s?|\s)\d+)*(?!\w)")
MIN_DIGITS, MAX_DIGITS = 13, 19


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def find_cards(text: str) -> list[Span]:
    """Spans of Luhn-valid numbers, also when one run of groups holds more than one number."""
    spans = []
    for run in DIGIT_RUN_RE.finditer(text):
        offset = run.start()
        groups = [(m.start() + offset, m.end() + offset) for m in re.finditer(r"\d+", run.group())]
        first = 0
        while first < len(groups):
            last = _longest_card_from(text, groups, first)
            if last is None:
                first += 1
                continue
            spans.append((groups[first][0], groups[last][1]))
            first = last + 1
    return spans


def _longest_card_from(text: str, groups: list[Span], first: int) -> int | None:
    digits = ""
    best = None
    for index in range(first, len(groups)):
        digits += text[groups[index][0] : groups[index][1]]
        if len(digits) > MAX_DIGITS:
            break
        if len(digits) >= MIN_DIGITS and luhn_valid(digits):
            best = index
    return best
