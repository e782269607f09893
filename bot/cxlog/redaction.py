"""PII redaction for everything that reaches the CX log (texts, entities, feedback comments).

Runs before an event is spooled or stored, so no original ever lands on disk. Each kind can be
switched off (``CX_REDACT_PII``, ``CX_REDACT_KINDS``):

- email: ``local@domain.tld`` → ``[EMAIL]``
- card: 13–19 digits, optionally grouped by spaces or dashes, that pass the Luhn check → ``[CARD]``
- phone: ``+``/``00`` international numbers, grouped numbers like ``(415) 555-2671`` or
  ``07700 900123``, runs of 11–15 digits, and shorter runs right after words like "call" or
  "phone" → ``[PHONE]``
- address: "221B Baker Street", "Hauptstraße 5", "12 rue de Rivoli", PO boxes, UK postcodes →
  ``[ADDRESS]``
- name: words of the customer's name, known from name slots and name entities → ``[NAME]``

Order numbers stay: the CX team needs them, and a run of 4–10 digits (``#10001``, ``12345678``)
without phone context is never touched. Dates (``2024-03-15``, ``15.03.2024``) stay too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection
from dataclasses import dataclass

ALL_KINDS = frozenset({"email", "phone", "card", "address", "name"})
PLACEHOLDERS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}

EMAIL_RE = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")

# A run of digits with single spaces or dashes between them: card candidates.
DIGIT_RUN_RE = re.compile(r"(?<![\w.,])\d+(?:[ -]\d+)*(?![\w])")

# Phone candidates: an optional + or (, digits, and the separators phone numbers are written with.
PHONE_CANDIDATE_RE = re.compile(r"(?<![\w#@+.,/-])(?:\+|\()?\d[\d ().\-/]*\d\)?(?![\w])")
DATE_RE = re.compile(r"^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$")
PHONE_CONTEXT_RE = re.compile(
    r"(?:phone|mobile|cell|call|ring|tel|telephone|text|sms|whatsapp|reach me|contact|fax)"
    r"\W*(?:\w+\W+){0,3}$",
    re.IGNORECASE,
)

STREET_SUFFIXES = (
    "street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
    "terrace|close|crescent|square|sq|parkway|pkwy|highway|hwy|circle|cir|row|gardens|grove|"
    "walk|mews|alley|trail|plaza"
)
# Words that never stand between a house number and a street suffix ("2 days on the way").
ADDRESS_STOPWORD_TEXT = (
    "a an the my your our on in at of to for from is are was be and or but with by it this "
    "that i you he she we they me order orders item items days weeks hours minutes"
)
ADDRESS_STOPWORDS = frozenset(ADDRESS_STOPWORD_TEXT.split())
ENGLISH_ADDRESS_RE = re.compile(
    rf"\b\d{{1,5}}[a-z]?(?:[-/]\d{{1,4}})?,?\s+((?:[^\W\d_][\w'.-]*\s+){{1,3}})"
    rf"(?:{STREET_SUFFIXES})\b\.?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|flat|floor|fl)\.?\s*#?\w{1,5})?",
    re.IGNORECASE,
)
GERMAN_ADDRESS_RE = re.compile(
    r"\b[^\W\d_][\w-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer)"
    r"\s+\d{1,4}\s?[a-z]?\b",
    re.IGNORECASE,
)
FRENCH_ADDRESS_RE = re.compile(
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|bd|chemin|place|allée|impasse|"
    r"quai|route)\s+(?:(?:de|du|des|la|le|l'|d')\s*)*[^\W\d_][\w'-]*",
    re.IGNORECASE,
)
PO_BOX_RE = re.compile(r"\bP\.?\s?O\.?\s*Box\s+\d{1,6}\b", re.IGNORECASE)
UK_POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)

# Letters only: "Anna's" and "Anne-Marie" still match the names "Anna", "Anne" and "Marie".
WORD_RE = re.compile(r"[^\W\d_]+")
REPEATED_NAME_RE = re.compile(r"\[NAME\](?:[\s-]+\[NAME\])+")

# Entity types whose values are personal data of one kind, whatever the value looks like.
PII_ENTITY_KINDS = {
    "email": "email",
    "email_address": "email",
    "phone": "phone",
    "phone_number": "phone",
    "card_number": "card",
    "credit_card": "card",
    "address": "address",
    "street_address": "address",
    "name": "name",
    "first_name": "name",
    "last_name": "name",
    "person": "name",
    "customer_name": "name",
    "customer_first_name": "name",
    "customer_last_name": "name",
}


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


def name_digest(sender_id: str, word: str) -> str:
    """Keyed per conversation, so equal names in two conversations give unrelated digests."""
    key = sender_id.encode("utf-8")
    return hmac.new(key, word.casefold().encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def name_words(value: str) -> list[str]:
    """The words of a name worth matching (initials and one-letter words would over-redact)."""
    return [word for word in WORD_RE.findall(value) if len(word) >= 2]


def _card_spans(text: str) -> list[tuple[int, int]]:
    """Spans of Luhn-valid 13–19 digit numbers, also when a run holds more than one number."""
    spans = []
    for run in DIGIT_RUN_RE.finditer(text):
        groups = [
            (m.start() + run.start(), m.end() + run.start())
            for m in re.finditer(r"\d+", run.group())
        ]
        start_index = 0
        while start_index < len(groups):
            match_end = _longest_card_from(text, groups, start_index)
            if match_end is None:
                start_index += 1
                continue
            spans.append((groups[start_index][0], groups[match_end][1]))
            start_index = match_end + 1
    return spans


def _longest_card_from(text: str, groups: list[tuple[int, int]], first: int) -> int | None:
    digits = ""
    best = None
    for index in range(first, len(groups)):
        digits += text[groups[index][0] : groups[index][1]]
        if len(digits) > 19:
            break
        if len(digits) >= 13 and luhn_valid(digits):
            best = index
    return best


def _looks_like_phone(candidate: str, before: str) -> bool:
    stripped = candidate.strip()
    digits = re.sub(r"\D", "", stripped)
    if not 7 <= len(digits) <= 15 or DATE_RE.match(stripped):
        return False
    if stripped.startswith("+") or (stripped.startswith("00") and len(digits) >= 10):
        return True
    if stripped.isdigit():
        # Order numbers are 4–10 digits: only context ("call me on ...") makes such a run a phone.
        return len(digits) >= 11 or bool(PHONE_CONTEXT_RE.search(before))
    groups = re.findall(r"\d+", stripped)
    only_spaces = re.fullmatch(r"[\d ]+", stripped) is not None
    two_numbers = only_spaces and len(groups) == 2 and all(len(g) >= 4 for g in groups)
    if two_numbers and not groups[0].startswith("0"):
        return bool(PHONE_CONTEXT_RE.search(before))  # "orders 10001 10002"
    return True


@dataclass(frozen=True)
class Redactor:
    """Replaces personal data in free text with placeholders; ``kinds`` picks what to redact."""

    kinds: frozenset[str] = ALL_KINDS

    def redact(self, text: str, sender_id: str = "", name_digests: Collection[str] = ()) -> str:
        if not self.kinds or not text:
            return text
        if "card" in self.kinds:
            text = _replace_spans(text, _card_spans(text), PLACEHOLDERS["card"])
        if "email" in self.kinds:
            text = EMAIL_RE.sub(PLACEHOLDERS["email"], text)
        if "phone" in self.kinds:
            text = self._redact_phones(text)
        if "address" in self.kinds:
            text = self._redact_addresses(text)
        if "name" in self.kinds and name_digests:
            text = self._redact_names(text, sender_id, name_digests)
        return text

    def entity_value(
        self, entity_type: str, value: object, sender_id: str, digests: Collection[str]
    ) -> object:
        """An entity's value as it may be stored: personal types become their placeholder."""
        kind = PII_ENTITY_KINDS.get(entity_type.lower())
        if kind in self.kinds:
            return PLACEHOLDERS[kind]
        if isinstance(value, str):
            return self.redact(value, sender_id, digests)
        return value

    @staticmethod
    def _redact_phones(text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            candidate = match.group()
            before = text[max(0, match.start() - 40) : match.start()]
            return PLACEHOLDERS["phone"] if _looks_like_phone(candidate, before) else candidate

        return PHONE_CANDIDATE_RE.sub(replace, text)

    @staticmethod
    def _redact_addresses(text: str) -> str:
        def english(match: re.Match[str]) -> str:
            words = match.group(1).lower().split()
            if any(word.strip(".,") in ADDRESS_STOPWORDS for word in words):
                return match.group()
            return PLACEHOLDERS["address"]

        text = ENGLISH_ADDRESS_RE.sub(english, text)
        for pattern in (GERMAN_ADDRESS_RE, FRENCH_ADDRESS_RE, PO_BOX_RE, UK_POSTCODE_RE):
            text = pattern.sub(PLACEHOLDERS["address"], text)
        return text

    @staticmethod
    def _redact_names(text: str, sender_id: str, digests: Collection[str]) -> str:
        def replace(match: re.Match[str]) -> str:
            word = match.group()
            return PLACEHOLDERS["name"] if name_digest(sender_id, word) in digests else word

        text = WORD_RE.sub(replace, text)
        return REPEATED_NAME_RE.sub(PLACEHOLDERS["name"], text)


def _replace_spans(text: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + placeholder + text[end:]
    return text
