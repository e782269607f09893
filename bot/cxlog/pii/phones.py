"""Phone numbers: Google's libphonenumber rules (``phonenumbers``), plus context for the rest.

A number written with ``+`` or ``00`` is checked against its own country's numbering plan; a
national one (``07911 123456``, ``(415) 555-2671``, ``030 1234567``) against each region in
``CX_PHONE_REGIONS``. Only numbers valid in a plan count, which keeps order numbers, prices and
dates out. Two exceptions:

- a bare run of digits without a leading ``0`` or ``+`` could as well be an order number
  (``4155552671``), so it is a phone only after a word like "call", "phone" or "mobile";
- after such a word, any 7–15 digit number counts, valid or not (a typo is still a number).

Dates ("02.06.2020"), amounts ("1388.87 EUR") and service numbers (premium rate, shared cost,
pagers: "13 53 81", "164 175 100") are not a customer's own number and stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from bot.cxlog.pii import Span
from bot.settings import DEFAULT_PHONE_REGIONS

MIN_DIGITS = 7
CANDIDATE_RE = re.compile(r"(?<![\w#@+.,/-])(?:\+|\()?\d[\d\s().\-/]*\d\)?(?!\w)")
CONTEXT_RE = re.compile(
    r"\b(?:phone|mobile|cell|call|ring|tel|telephone|text|sms|whatsapp|reach me|contact|fax|"
    r"my number|landline|handy)\W*(?:\w+\W+){0,3}$",
    re.IGNORECASE,
)
DATE_RE = re.compile(r"^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$")
BARE_DIGITS_RE = re.compile(r"[1-9]\d*")
PERSONAL_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.VOIP,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    }
)
AMOUNT_AFTER_RE = re.compile(r"[.,]\d|\s?(?:€|\$|£|eur|usd|gbp|chf)\b", re.IGNORECASE)
AMOUNT_BEFORE_RE = re.compile(r"(?:€|\$|£|eur|usd|gbp|chf)\s?$", re.IGNORECASE)
# "call me about order 12345678": the word right before a number says what it is.
NOT_PHONE_RE = re.compile(
    r"(?:(?:order|orders|rma|invoice|tracking|ref|reference|item|sku)"
    r"(?:\s+(?:no|nr|number|id))?\W*|#\s*)$",
    re.IGNORECASE,
)


def find_phones(text: str, regions: Iterable[str] = DEFAULT_PHONE_REGIONS) -> list[Span]:
    spans = set()
    for candidate in CANDIDATE_RE.finditer(text):
        if sum(char.isdigit() for char in candidate.group()) < MIN_DIGITS:
            continue  # most messages: the matcher never runs
        # The matcher on the candidate alone: cheaper than on the whole text, once per region.
        for region in regions:
            spans.update(
                (candidate.start() + match.start, candidate.start() + match.end)
                for match in phonenumbers.PhoneNumberMatcher(
                    candidate.group(), region, leniency=phonenumbers.Leniency.VALID
                )
                if _is_personal_number(text, candidate.start(), match)
            )
    spans.update(_after_context(text))
    return sorted(spans)


def _is_personal_number(text: str, offset: int, match: phonenumbers.PhoneNumberMatch) -> bool:
    raw, start, end = match.raw_string, offset + match.start, offset + match.end
    before = text[max(0, start - 40) : start]
    if sum(char.isdigit() for char in raw) < MIN_DIGITS or DATE_RE.match(raw):
        return False
    if AMOUNT_AFTER_RE.match(text, end) or AMOUNT_BEFORE_RE.search(before):
        return False
    if phonenumbers.number_type(match.number) not in PERSONAL_TYPES:
        return False
    return not BARE_DIGITS_RE.fullmatch(raw) or _phone_context(before)


def _after_context(text: str) -> list[Span]:
    spans = []
    for candidate in CANDIDATE_RE.finditer(text):
        stripped = candidate.group().strip()
        digits = sum(char.isdigit() for char in stripped)
        if not MIN_DIGITS <= digits <= 15 or DATE_RE.match(stripped):
            continue
        if _phone_context(text[max(0, candidate.start() - 40) : candidate.start()]):
            spans.append(candidate.span())
    return spans


def _phone_context(before: str) -> bool:
    return bool(CONTEXT_RE.search(before)) and not NOT_PHONE_RE.search(before)
