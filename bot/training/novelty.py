"""Novelty: is a logged message far from everything the model was taught for the intent it chose?

A never-taught question ("how much is left on my gift card") is often answered confidently by the
nearest known intent (the gift-wrap FAQ), so confidence alone never surfaces it. In the sentence
embedding space the model already uses (all-MiniLM-L6-v2, ``bot.nlu.sentence_embeddings``) such a
message is still farther from the chosen intent's training examples than those examples are from
each other. How far is "far" differs per intent (greetings are tight, ``out_of_scope`` is broad),
so each intent gets its own threshold: a low percentile of its examples' leave-one-out similarity
to their nearest siblings. The calibration is computed once per training data fingerprint and
kept on disk, together with an embedding cache keyed by text so a retraining after an export only
embeds the new examples.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*\]")
DEFAULT_NEIGHBOURS = 3
DEFAULT_PERCENTILE = 15.0
CALIBRATION_VERSION = 1


def strip_placeholders(text: str) -> str:
    """Redaction placeholders say nothing about the topic; they must not pull messages together."""
    return " ".join(PLACEHOLDER.sub(" ", text).split())


def only_placeholders(text: str) -> bool:
    return not re.search(r"\w", strip_placeholders(text))


class Embedder:
    """The model's sentence encoder with a bounded in-process cache (the inbox re-reads the log)."""

    def __init__(self, max_cached: int = 50_000) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._max = max_cached

    def __call__(self, texts: list[str]) -> np.ndarray:
        from bot.nlu.sentence_embeddings import embed

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, embed(missing), strict=True):
                self._cache[text] = vector
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._cache[text] for text in texts])


def training_examples(project_dir: Path) -> tuple[list[str], list[str]]:
    """Every NLU example and its label (the intent, or ``faq/<name>`` for retrieval intents)."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.training.nlu_eval import label_of

    data = load_data(str(project_dir / "data" / "nlu"))
    examples = [(m.get("text"), label_of(m)) for m in data.intent_examples if m.get("text")]
    return [text for text, _ in examples], [label for _, label in examples]


def _top_k_mean(similarities: np.ndarray, k: int) -> np.ndarray:
    """Mean of the ``k`` largest values of each row (fewer when a row is shorter)."""
    k = max(1, min(k, similarities.shape[1]))
    top = np.partition(similarities, similarities.shape[1] - k, axis=1)[:, -k:]
    return top.mean(axis=1)


@dataclass(frozen=True)
class NoveltyModel:
    """Training vectors per label and the similarity under which a message counts as novel."""

    vectors: dict[str, np.ndarray]  # label -> (examples, dim), L2-normalised
    thresholds: dict[str, float]
    neighbours: int

    def similarity(self, vector: np.ndarray, label: str) -> float | None:
        """Mean similarity to the label's ``neighbours`` closest examples; None if unknown."""
        examples = self.vectors.get(label)
        if examples is None:
            return None
        return float(_top_k_mean((examples @ vector)[np.newaxis, :], self.neighbours)[0])

    def is_novel(self, vector: np.ndarray, label: str) -> bool:
        similarity = self.similarity(vector, label)
        return similarity is not None and similarity < self.thresholds[label]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        labels = sorted(self.vectors)
        meta = {"labels": labels, "thresholds": self.thresholds, "neighbours": self.neighbours}
        arrays = {f"v{i}": self.vectors[label] for i, label in enumerate(labels)}
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> NoveltyModel:
        with np.load(path) as stored:
            meta = json.loads(str(stored["meta"]))
            vectors = {label: stored[f"v{i}"] for i, label in enumerate(meta["labels"])}
        return cls(vectors, meta["thresholds"], meta["neighbours"])


def calibrate(
    vectors: np.ndarray,
    labels: list[str],
    neighbours: int = DEFAULT_NEIGHBOURS,
    percentile: float = DEFAULT_PERCENTILE,
) -> NoveltyModel:
    """Per label: the ``percentile`` of each example's similarity to its closest siblings.

    FAQ sub-intents (``faq/x``) are calibrated on their own and also pooled under ``faq``, for
    logged turns whose answer key was not recorded.
    """
    groups: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, []).append(index)
        if "/" in label:
            groups.setdefault(label.split("/", 1)[0], []).append(index)
    by_label, thresholds = {}, {}
    for label, indices in groups.items():
        members = vectors[indices]
        if len(indices) < 2:
            continue
        similarities = members @ members.T
        np.fill_diagonal(similarities, -np.inf)  # leave each example out of its own neighbours
        held_out = _top_k_mean(similarities, min(neighbours, len(indices) - 1))
        by_label[label] = members
        thresholds[label] = float(np.percentile(held_out, percentile))
    return NoveltyModel(by_label, thresholds, neighbours)


def data_fingerprint(
    texts: list[str], labels: list[str], neighbours: int, percentile: float
) -> str:
    digest = hashlib.sha256(f"{CALIBRATION_VERSION}\0{neighbours}\0{percentile}".encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"\0{label}\0{text}".encode())
    return digest.hexdigest()[:24]


def novelty_model(
    project_dir: Path,
    cache_dir: Path,
    neighbours: int = DEFAULT_NEIGHBOURS,
    percentile: float = DEFAULT_PERCENTILE,
    embedder: Embedder | None = None,
) -> NoveltyModel:
    """The calibration for the project's current training data, computed once and cached."""
    texts, labels = training_examples(project_dir)
    path = cache_dir / f"novelty-{data_fingerprint(texts, labels, neighbours, percentile)}.npz"
    if path.exists():
        return NoveltyModel.load(path)
    vectors = _cached_vectors(texts, cache_dir / "training-embeddings.npz", embedder)
    model = calibrate(vectors, labels, neighbours, percentile)
    model.save(path)
    return model


def _cached_vectors(texts: list[str], path: Path, embedder: Embedder | None) -> np.ndarray:
    """Embeddings of training texts; only texts not embedded before are run through the encoder."""
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as stored:
            known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    if missing:
        fresh = (embedder or Embedder())(missing)
        known.update(zip(missing, fresh, strict=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        kept = list(dict.fromkeys(texts))
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, texts=np.array(kept), vectors=np.stack([known[t] for t in kept]))
        tmp.replace(path)
    return np.stack([known[text] for text in texts])
