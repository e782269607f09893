"""Ten customer questions of one topic the assistant was never taught (a gift card's balance),
shared by the inbox and export tests and their fixtures."""

from __future__ import annotations

GIFT_CARD_MESSAGES = [
    "how much is left on my gift card",
    "whats the balance of my giftcard",
    "check gift card balance please",
    "can i see how much money is on my gift card",
    "gift card balance?",
    "is there still credit on my gift voucher card",
    "how do i check the remaining balance on a gift card",
    "my gift card balance",
    "what's my giftcard worth now",
    "how much credit does my gift card have left",
]
