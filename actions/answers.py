"""Reading the customer's answers to form questions: order numbers, emails, RMAs, ratings, items.

Plain functions (no I/O) so validators stay short and tests can call them directly. Each returns
the normalised value, or ``None`` when the answer is not usable.
"""

from __future__ import annotations

import re
from typing import Any

# Digits standing alone (optionally "#10001"), not part of an email, SKU or RMA.
ORDER_ID = re.compile(r"(?<![\w@.-])#?(\d{1,20})(?![\w@-])")
EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
RMA = re.compile(r"\bRMA-[A-Z0-9]{8}\b", re.IGNORECASE)
SMALL_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?![\d.])")
# Control characters the backend rejects (tab and newline are allowed).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_EMAIL_CHARS = 254

REFUND_WORDS = ("refund", "money back", "my money", "reimburse")
EXCHANGE_WORDS = ("exchange", "swap", "replace", "replacement", "another size", "different size")
SKIP_ANSWERS = {"skip", "no", "nope", "nothing", "none", "no thanks", "no thank you", "n/a", "-"}
# Words that say nothing about which item or what went wrong.
FILLER_WORDS = {
    "a", "about", "am", "an", "and", "are", "complain", "complaint", "file", "for", "have",
    "i", "i'd", "i'm", "is", "it", "like", "lodge", "make", "me", "my", "of", "one", "pair",
    "please", "raise", "return", "the", "these", "this", "those", "to", "wanna", "want",
    "with", "would", "you", "your",
}  # fmt: skip


def order_id(value: Any) -> str | None:
    """``"#10001"``, ``"it's order 10001."`` → ``"10001"``; none or several numbers → ``None``."""
    text = str(value or "")
    if RMA.search(text):
        return None
    found = set(ORDER_ID.findall(text))
    return found.pop() if len(found) == 1 else None


def email(value: Any) -> str | None:
    found = set(EMAIL.findall(str(value or "")))
    if len(found) != 1:
        return None
    address = found.pop()
    return address if len(address) <= MAX_EMAIL_CHARS else None


def rma(value: Any) -> str | None:
    found = RMA.search(str(value or ""))
    return found.group(0).upper() if found else None


def rating(value: Any, lowest: int, highest: int) -> int | None:
    """A whole number in range, from a button's ``"4"`` or text like ``"I'd say 9"``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        number = int(value)
    else:
        found = SMALL_NUMBER.findall(str(value or ""))
        if len(found) != 1:
            return None
        number = int(found[0])
    return number if lowest <= number <= highest else None


def free_text(value: Any, max_chars: int) -> str | None:
    """Customer text as the backend stores it: trimmed, no control characters, within limits."""
    text = CONTROL.sub(" ", str(value or "")).strip()
    if not text or text.startswith("/") or len(text) > max_chars:
        return None
    return text


# Replies that answer a yes/no question, not "why are you returning it?".
NOT_A_REASON = {
    "yes", "yeah", "yep", "yup", "y", "no", "nope", "n", "ok", "okay", "sure", "fine", "maybe",
    "idk", "dunno", "because", "why", "what", "hm", "hmm", "please", "thanks", "thank you",
    "yes please", "no reason", "nothing", "none", "k",
}  # fmt: skip
QUESTION = re.compile(r"^(where|what|when|how|why|who|which|can|could|is|are|do|does)\b.*\?\s*$")


def plausible_reason(text: str) -> bool:
    """A return reason says something about the item: not "yes", not a question back."""
    plain = text.strip().lower().strip(".!? ")
    return len(plain) >= 2 and plain not in NOT_A_REASON and not QUESTION.match(text.lower())


def resolution(value: Any) -> str | None:
    text = str(value or "").lower()
    wants_refund = any(word in text for word in REFUND_WORDS)
    wants_exchange = any(word in text for word in EXCHANGE_WORDS)
    if wants_refund == wants_exchange:
        return None
    return "refund" if wants_refund else "exchange"


def is_skip(text: str) -> bool:
    return text.strip().lower().strip(".!") in SKIP_ANSWERS


def content_words(text: str) -> list[str]:
    words = re.findall(r"[\w'-]+", text.lower())
    return [word for word in words if word not in FILLER_WORDS]


def matching_items(answer: str, items: list[dict[str, Any]]) -> list[str]:
    """Names of the order's items the answer means, like the backend matches them.

    An exact name or SKU wins; else the answer (without filler such as "the") inside a name or
    SKU; else every item that contains one of the answer's words.
    """
    wanted = answer.strip().lower()
    names = [str(item.get("name", "")) for item in items]
    skus = [str(item.get("sku", "")).lower() for item in items]
    for name, sku in zip(names, skus, strict=True):
        if wanted in (name.lower(), sku):
            return [name]
    words = content_words(wanted)
    phrase = " ".join(words)
    if not phrase:
        return []
    inside = [
        name
        for name, sku in zip(names, skus, strict=True)
        if phrase in name.lower() or phrase in sku
    ]
    if inside:
        return inside
    return [name for name in names if any(_word_in(word, name.lower()) for word in words)]


def _word_in(word: str, name: str) -> bool:
    """``shoe``/``shoes`` in "trail running shoes"; short words only as whole words."""
    stem = word[:-1] if len(word) > 3 and word.endswith("s") else word
    return stem in name if len(stem) >= 4 else word in re.findall(r"[\w'-]+", name)
