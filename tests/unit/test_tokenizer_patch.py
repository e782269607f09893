"""The tokenizer with its pattern compiled once gives Rasa's tokens, text for text."""

from __future__ import annotations

import pytest
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.deploy import rasa_patches

rasa_patches.install()

TEXTS = [
    "where is my order 10001",
    "wheres my ordr #10001??? its LATE!!!",
    "alex.kim@example.com",
    "refund for 10'000.00 pls :)",
    ":) :(",
    "🙂",
    "I want to cancel order 10002 and change my address to 5 Main St., Apt. 3",
    "https://shop.example.com/orders/10001?x=1&y=2",
    "ok... thx!!",
    "- bullet - point -",
    "C'est où ma commande ?",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_are_rasas(text: str) -> None:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())

    def tokens(tokenize) -> list[tuple]:  # noqa: ANN001
        found = tokenize(tokenizer, Message(data={TEXT: text}), TEXT)
        return [(token.text, token.start, token.end) for token in found]

    assert tokens(rasa_patches._tokenize) == tokens(rasa_patches.ORIGINAL_TOKENIZE)
    assert WhitespaceTokenizer.tokenize is rasa_patches._tokenize
