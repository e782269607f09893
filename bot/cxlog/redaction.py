"""PII redaction for everything that reaches the CX log (texts, entities, feedback comments).

Runs before an event is spooled or stored, so no original ever lands on disk. Each kind can be
switched off (``CX_REDACT_PII``, ``CX_REDACT_KINDS``); the detectors live in
:mod:`bot.cxlog.pii`:

- email: ``local@domain.tld`` → ``[EMAIL]``
- card: 13–19 digits that pass the Luhn check, grouped by spaces (also no-break), dashes, dots
  or nothing → ``[CARD]``
- iban: country code, check digits and account, valid by length and mod 97 → ``[IBAN]``
- phone: numbers valid in their country's numbering plan (``phonenumbers``: ``+``/``00``
  international, national formats of ``CX_PHONE_REGIONS``), and any 7–15 digit number right
  after "call", "phone", "mobile"… → ``[PHONE]``
- address: the street line ("221B Baker Street", "Hauptstraße 5", "12 rue de Rivoli", PO
  boxes) with the city, region and postcode after it; UK/Canadian postcodes and "CA 94105"
  anywhere → ``[ADDRESS]``
- name: names from self-introductions ("my name is …", "I'm …") and the words of names known
  from name slots and name entities → ``[NAME]``

Every detector runs on the original text; overlapping spans are merged and replaced once.
Order numbers stay: the CX team needs them, and a bare run of digits (``#10001``,
``12345678``) without phone context is never touched. RMA numbers, prices and dates stay too;
``tests/cxlog/test_redaction_corpus.py`` measures both rates.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from bot.cxlog.pii import Span
from bot.cxlog.pii.addresses import find_addresses
from bot.cxlog.pii.cards import find_cards, luhn_valid
from bot.cxlog.pii.ibans import find_ibans
from bot.cxlog.pii.names import find_names
from bot.cxlog.pii.phones import find_phones
from bot.settings import DEFAULT_PHONE_REGIONS, REDACT_KINDS

__all__ = ["ALL_KINDS", "PII_ENTITY_KINDS", "Redaction", "Redactor", "luhn_valid", "name_digest"]

ALL_KINDS = frozenset(REDACT_KINDS)
PLACEHOLDERS = {kind: f"[{kind.upper()}]" for kind in ALL_KINDS}
# When spans of two kinds overlap, the merged span is replaced by the first kind listed here.
PRIORITY = ("card", "iban", "email", "phone", "address", "name")

EMAIL_RE = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")

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
    "iban": "iban",
    "bank_account": "iban",
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


def name_digest(sender_id: str, word: str) -> str:
    """Keyed per conversation, so equal names in two conversations give unrelated digests."""
    key = sender_id.encode("utf-8")
    return hmac.new(key, word.casefold().encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def name_words(value: str) -> list[str]:
    """The words of a name worth matching (initials and one-letter words would over-redact)."""
    return [word for word in WORD_RE.findall(value) if len(word) >= 2]


@dataclass(frozen=True)
class Redaction:
    """A redacted text, the spans of the original that were replaced (with their kind), and
    the names the customer introduced themselves with (to be learnt for the conversation)."""

    text: str
    spans: tuple[tuple[int, int, str], ...] = ()
    introduced_names: tuple[str, ...] = ()

    def kind_at(self, start: int, end: int) -> str | None:
        """The kind of the first redacted span that overlaps ``[start, end)``, if any."""
        for span_start, span_end, kind in self.spans:
            if span_start < end and start < span_end:
                return kind
        return None


@dataclass(frozen=True)
class Redactor:
    """Replaces personal data in free text with placeholders; ``kinds`` picks what to redact."""

    kinds: frozenset[str] = ALL_KINDS
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS

    def redact(self, text: str, sender_id: str = "", name_digests: Collection[str] = ()) -> str:
        return self.scan(text, sender_id, name_digests).text

    def scan(self, text: str, sender_id: str = "", name_digests: Collection[str] = ()) -> Redaction:
        if not self.kinds or not text:
            return Redaction(text)
        found: list[tuple[int, int, str]] = []
        for kind, spans in self._detect(text, sender_id, name_digests):
            found.extend((start, end, kind) for start, end in spans)
        merged = _merge(found)
        introduced = tuple(
            word
            for start, end, kind in merged
            if kind == "name"
            for word in name_words(text[start:end])
        )
        redacted = text
        for start, end, kind in reversed(merged):
            redacted = redacted[:start] + PLACEHOLDERS[kind] + redacted[end:]
        if "name" in self.kinds:
            redacted = REPEATED_NAME_RE.sub(PLACEHOLDERS["name"], redacted)
        return Redaction(redacted, tuple(merged), introduced)

    def entity_value(
        self,
        entity: dict[str, object],
        sender_id: str,
        digests: Collection[str],
        message: Redaction | None = None,
    ) -> object:
        """An entity's value as it may be stored.

        Personal entity types become their placeholder; so does an entity whose offsets (or, if
        it has none, whose value found in the message) overlap a span redacted in the message:
        the digit groups of a card tagged as ``order_id`` are the card. Any other string value
        goes through the redactor itself.
        """
        value = entity.get("value")
        kind = PII_ENTITY_KINDS.get(str(entity.get("entity", "")).lower())
        if kind in self.kinds:
            return PLACEHOLDERS[kind]
        if message is not None and (overlap := _overlapping_kind(entity, message)):
            return PLACEHOLDERS[overlap]
        if isinstance(value, str):
            return self.redact(value, sender_id, digests)
        return value

    def _detect(
        self, text: str, sender_id: str, digests: Collection[str]
    ) -> Iterable[tuple[str, list[Span]]]:
        if "card" in self.kinds:
            yield "card", find_cards(text)
        if "iban" in self.kinds:
            yield "iban", find_ibans(text)
        if "email" in self.kinds:
            yield "email", [match.span() for match in EMAIL_RE.finditer(text)]
        if "phone" in self.kinds:
            yield "phone", find_phones(text, self.phone_regions)
        if "address" in self.kinds:
            yield "address", find_addresses(text)
        if "name" in self.kinds:
            yield "name", find_names(text)
            if digests:
                yield "name", _known_names(text, sender_id, digests)


def _known_names(text: str, sender_id: str, digests: Collection[str]) -> list[Span]:
    return [
        match.span()
        for match in WORD_RE.finditer(text)
        if name_digest(sender_id, match.group()) in digests
    ]


def _merge(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans become one, of the kind that comes first in :data:`PRIORITY`."""
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(found):
        if merged and start < merged[-1][1]:
            last_start, last_end, last_kind = merged[-1]
            best = min(last_kind, kind, key=PRIORITY.index)
            merged[-1] = (last_start, max(end, last_end), best)
        else:
            merged.append((start, end, kind))
    return merged


def _overlapping_kind(entity: dict[str, object], message: Redaction) -> str | None:
    start, end = entity.get("start"), entity.get("end")
    if isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool):
        return message.kind_at(start, end)
    return None
