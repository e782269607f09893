"""The promotion gate's evaluation set must never leak into the training data."""

from __future__ import annotations

from pathlib import Path

from bot.training.evaluate import load_examples
from tests.support.processes import PROJECT_ROOT

EVALUATION = PROJECT_ROOT / "evaluation"


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def training_texts() -> set[str]:
    texts: set[str] = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        texts |= {normalise(text) for text, _ in load_examples(path)}
    return texts


def test_no_holdout_sentence_is_in_training_data() -> None:
    holdout_files: list[Path] = [
        EVALUATION / "nlu_holdout.yml",
        *EVALUATION.glob("new_intents/*.yml"),
    ]
    trained = training_texts()
    leaked = [
        text
        for path in holdout_files
        for text, _ in load_examples(path)
        if normalise(text) in trained
    ]
    assert leaked == []


def test_holdout_covers_every_catalogue_intent() -> None:
    intents = {intent for _, intent in load_examples(EVALUATION / "nlu_holdout.yml")}
    assert {"track_order", "cancel_order", "return_item", "refund_status", "complaint"} <= intents
    assert len(intents) == 18
