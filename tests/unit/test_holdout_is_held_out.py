"""Evaluation sets must never leak into the training data: neither our own holdout (the
promotion gate's) nor the public CLINC150 benchmark in ../shared/eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.testing.processes import PROJECT_ROOT
from bot.training.evaluate import load_examples
from tests.training_data import normalise, training_texts

EVALUATION = PROJECT_ROOT / "evaluation"
CLINC150 = PROJECT_ROOT.parent / "shared" / "eval" / "clinc150" / "data_full.json"
# One- and two-word stock phrases ("thank you", "no thanks") are the language, not copied sentences.
MIN_WORDS_OF_A_SENTENCE = 3


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
    assert len(intents) == 28  # every intent and FAQ answer in data/nlu/


def test_no_clinc150_sentence_is_in_our_data_or_holdout() -> None:
    if not CLINC150.exists():
        pytest.skip(f"{CLINC150} is not beside the project")
    splits = json.loads(CLINC150.read_text())
    benchmark = {normalise(text) for rows in splits.values() for text, _ in rows}
    ours = [*(PROJECT_ROOT / "data" / "nlu").glob("*.yml"), *EVALUATION.rglob("*.yml")]
    copied = [
        (path.name, text)
        for path in ours
        for text, _ in load_examples(path)
        if len(text.split()) >= MIN_WORDS_OF_A_SENTENCE and normalise(text) in benchmark
    ]
    assert copied == []
