"""Novelty calibration on real sentence embeddings (all-MiniLM-L6-v2 from its wheel)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.testing.processes import PROJECT_ROOT
from bot.training.novelty import (
    Embedder,
    NoveltyModel,
    calibrate,
    novelty_model,
    only_placeholders,
    strip_placeholders,
    training_examples,
)

KEPT = ("faq/gift_wrap", "greet", "track_order")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def small_model(embedder: Embedder) -> NoveltyModel:
    texts, labels = training_examples(PROJECT_ROOT)
    kept = [i for i, label in enumerate(labels) if label in KEPT]
    return calibrate(embedder([texts[i] for i in kept]), [labels[i] for i in kept], 3, 15.0)


def test_placeholders_are_not_words() -> None:
    assert strip_placeholders("mail [EMAIL] or call [PHONE] please") == "mail or call please"
    assert only_placeholders("[EMAIL]") and only_placeholders(" [NAME], [PHONE]!")
    assert not only_placeholders("[EMAIL] is my address")


def test_every_intent_gets_a_threshold_and_faq_is_also_pooled(small_model: NoveltyModel) -> None:
    assert set(small_model.thresholds) == {*KEPT, "faq"}
    assert all(0.0 < value < 1.0 for value in small_model.thresholds.values())
    # greetings are worded alike, tracking questions less so: thresholds differ per intent
    assert small_model.thresholds["greet"] != small_model.thresholds["track_order"]


def test_a_neighbouring_topic_is_novel_and_rewordings_are_not(
    small_model: NoveltyModel, embedder: Embedder
) -> None:
    gift_card, wrap, note, late = embedder(
        [
            "how do i check the balance on my gift card",
            "could you wrap it as a present",
            "can i include a personal note with the gift",
            "my parcel still hasn't turned up, where is it",
        ]
    )
    assert small_model.is_novel(gift_card, "faq/gift_wrap")
    assert small_model.is_novel(gift_card, "faq")  # also when the FAQ answer was not recorded
    assert not small_model.is_novel(wrap, "faq/gift_wrap")
    assert not small_model.is_novel(note, "faq/gift_wrap")
    assert not small_model.is_novel(late, "track_order")
    assert small_model.is_novel(late, "greet")
    assert small_model.similarity(late, "no_such_intent") is None
    assert not small_model.is_novel(late, "no_such_intent")


def test_threshold_is_the_percentile_of_held_out_similarities(embedder: Embedder) -> None:
    texts, labels = training_examples(PROJECT_ROOT)
    greetings = [text for text, label in zip(texts, labels, strict=True) if label == "greet"]
    vectors = embedder(greetings)
    model = calibrate(vectors, ["greet"] * len(greetings), neighbours=1, percentile=20.0)
    similarities = vectors @ vectors.T
    np.fill_diagonal(similarities, -1.0)
    nearest = similarities.max(axis=1)
    below = float((nearest < model.thresholds["greet"]).mean())
    assert 0.15 <= below <= 0.25


def test_calibration_is_computed_once_per_training_data(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "data" / "nlu").mkdir(parents=True)
    for name in ("faq.yml", "faq_responses.yml"):
        shutil.copy(PROJECT_ROOT / "data" / "nlu" / name, project / "data" / "nlu" / name)
    cache = tmp_path / "cache"
    first = novelty_model(project, cache)
    assert len(list(cache.glob("novelty-*.npz"))) == 1
    again = novelty_model(project, cache)
    assert again.thresholds == first.thresholds
    assert len(list(cache.glob("novelty-*.npz"))) == 1

    faq = project / "data" / "nlu" / "faq.yml"
    faq.write_text(
        faq.read_text().replace(
            "      - do you offer gift wrapping\n",
            "      - do you offer gift wrapping\n      - could you giftwrap the scarf\n",
        )
    )
    changed = novelty_model(project, cache)
    assert len(list(cache.glob("novelty-*.npz"))) == 2
    assert len(changed.vectors["faq/gift_wrap"]) == len(first.vectors["faq/gift_wrap"]) + 1
    with np.load(cache / "training-embeddings.npz") as stored:
        assert "could you giftwrap the scarf" in stored["texts"].tolist()
