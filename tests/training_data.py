"""The project's NLU training texts, normalised, for tests that check a held-out or scripted
message is not one the assistant was trained on."""

from __future__ import annotations

from bot.testing.processes import PROJECT_ROOT
from bot.training.evaluate import load_examples


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def training_texts() -> set[str]:
    texts: set[str] = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        texts |= {normalise(text) for text, _ in load_examples(path)}
    return texts
