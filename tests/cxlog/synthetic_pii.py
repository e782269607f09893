"""A seeded generator of customer messages with known personal data and order numbers.

The redaction tests measure catch rates on it; the generator, not a fixed list, decides the
formats, so a regression in any one format shows up as a rate drop.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

FIRST_NAMES = ["anna", "li", "jose", "marie", "o.brien", "kim", "sven", "aylin", "raj", "zoe"]
DOMAINS = ["example.com", "mail.example.org", "shop-test.co.uk", "posteo.de", "uni.example.edu"]
EMAIL_TEMPLATES = [
    "my email is {}",
    "please send the invoice to {} thanks",
    "{} is the address on my account",
    "Can you update my e-mail to {}?",
    "contact me via {}, not by phone",
]
PHONE_TEMPLATES = [
    "you can call me on {}",
    "my number is {}",
    "{} is my mobile",
    "Please ring {} after 5pm",
    "reach me at {} if the parcel is late",
    "new phone: {}",
]
CARD_TEMPLATES = [
    "I paid with card {}",
    "my card number is {} and it was declined",
    "{} was charged twice",
    "the payment with {} failed",
]
ORDER_TEMPLATES = [
    "where is my order #{}",
    "order {} has not arrived",
    "I want to return order number {}",
    "cancel {} please",
    "status of #{}?",
    "my order {} was charged twice, call me",
]


@dataclass(frozen=True)
class Case:
    text: str
    secret: str
    kind: str


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def email(rng: random.Random) -> str:
    local = rng.choice(FIRST_NAMES) + rng.choice(["", ".", "_", "+shop", "-", "."])
    local += rng.choice(["", _digits(rng, 2), "smith", "x"])
    local = local.strip(".") or "a"
    address = f"{local}@{rng.choice(DOMAINS)}"
    return address.upper() if rng.random() < 0.1 else address


def phone(rng: random.Random) -> str:
    style = rng.randrange(9)
    if style == 0:  # E.164
        return f"+{rng.choice(['1', '44', '49', '33', '91', '61'])}{_digits(rng, 10)}"
    if style == 1:  # international with spaces
        return f"+44 {_digits(rng, 2)} {_digits(rng, 4)} {_digits(rng, 4)}"
    if style == 2:
        return f"+1 ({_digits(rng, 3)}) {_digits(rng, 3)}-{_digits(rng, 4)}"
    if style == 3:
        return f"({_digits(rng, 3)}) {_digits(rng, 3)}-{_digits(rng, 4)}"
    if style == 4:
        sep = rng.choice(["-", ".", " "])
        return f"{_digits(rng, 3)}{sep}{_digits(rng, 3)}{sep}{_digits(rng, 4)}"
    if style == 5:  # UK mobile
        return f"07{_digits(rng, 3)} {_digits(rng, 6)}"
    if style == 6:  # German landline, 00 prefix
        return f"0049 {_digits(rng, 2)} {_digits(rng, 7)}"
    if style == 7:  # French
        return "0" + str(rng.randint(1, 9)) + "".join(f" {_digits(rng, 2)}" for _ in range(4))
    return f"+49-{_digits(rng, 3)}-{_digits(rng, 7)}"


def _luhn_complete(partial: str) -> str:
    for check in string.digits:
        candidate = partial + check
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("one check digit always works")


def card(rng: random.Random) -> str:
    brand = rng.randrange(3)
    if brand == 0:
        number = _luhn_complete("4" + _digits(rng, 14))
        groups = [number[i : i + 4] for i in range(0, 16, 4)]
    elif brand == 1:
        number = _luhn_complete(str(rng.randint(51, 55)) + _digits(rng, 13))
        groups = [number[i : i + 4] for i in range(0, 16, 4)]
    else:
        number = _luhn_complete(rng.choice(["34", "37"]) + _digits(rng, 12))
        groups = [number[:4], number[4:10], number[10:]]
    return rng.choice(["", " ", "-"]).join(groups)


def order_number(rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + _digits(rng, rng.randint(3, 9))


def generate(seed: int = 20261123, per_kind: int = 300) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for kind, make, templates in (
        ("email", email, EMAIL_TEMPLATES),
        ("phone", phone, PHONE_TEMPLATES),
        ("card", card, CARD_TEMPLATES),
        ("order", order_number, ORDER_TEMPLATES),
    ):
        for _ in range(per_kind):
            secret = make(rng)
            cases.append(Case(rng.choice(templates).format(secret), secret, kind))
    return cases
