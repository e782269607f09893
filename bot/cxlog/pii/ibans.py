"""IBANs: a country code, two check digits and up to 30 letters or digits, in groups or not.

``stdnum.iban`` checks the country's length and BBAN format and the mod-97 check digits (not a
bank's own national check digit: a typo there still leaves personal data), so a word that merely
starts like an IBAN (``DE12 …``) is left alone.
"""

from __future__ import annotations

import re

from stdnum import iban

from bot.cxlog.pii import Span

START_RE = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}")
# After the start: letters or digits, with at most one space, no-break space or dash between them.
CHAR_RE = re.compile(r"[\s-]?[A-Za-z0-9]")
SEPARATOR_RE = re.compile(r"[\s-]")
MIN_LENGTH, MAX_LENGTH = 15, 34


def find_ibans(text: str) -> list[Span]:
    spans: list[Span] = []
    for start in START_RE.finditer(text):
        if spans and start.start() < spans[-1][1]:
            continue
        if (end := _longest_iban(text, start.start(), start.end())) is not None:
            spans.append((start.start(), end))
    return spans


def _longest_iban(text: str, start: int, position: int) -> int | None:
    """End of the longest valid IBAN from ``start`` that does not stop in the middle of a word."""
    ends = []
    compact = len(text[start:position])
    while compact < MAX_LENGTH and (char := CHAR_RE.match(text, position)):
        position = char.end()
        compact += 1
        if compact >= MIN_LENGTH and not (position < len(text) and text[position].isalnum()):
            ends.append(position)
    for end in reversed(ends):
        if iban.is_valid(SEPARATOR_RE.sub("", text[start:end]), check_country=False):
            return end
    return None
