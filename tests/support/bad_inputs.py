"""The bad-input corpus (tests/data/bad_inputs.json), shared by every endpoint's security tests."""

from __future__ import annotations

import json
from functools import cache

from bot.testing.processes import PROJECT_ROOT

TEN_MEGABYTES = 10 * 1024 * 1024


@cache
def bad_inputs() -> tuple[str, ...]:
    """Every string of the corpus, flattened (categories are for humans reading the file)."""
    corpus = json.loads((PROJECT_ROOT / "tests" / "data" / "bad_inputs.json").read_text())
    return tuple(text for key, texts in corpus.items() if key != "_about" for text in texts)


def huge_string() -> str:
    return "A" * TEN_MEGABYTES
