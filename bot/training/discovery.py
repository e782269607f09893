"""Intent discovery: cluster messages the assistant could not handle into candidate intents.

TF-IDF over word 1-2-grams and character 3-5-grams (robust to typos), then average-linkage
agglomerative clustering on cosine distance with a distance threshold, so the number of clusters
comes from the data. Everything is scikit-learn, computed on the spot; nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.training.inbox import InboxItem

STOP_WORDS = {
    "a", "an", "the", "i", "my", "me", "is", "are", "to", "of", "for", "and", "or", "in", "on",
    "it", "can", "you", "do", "does", "how", "what", "where", "when", "please", "with", "have",
    "this", "that", "be", "your", "u", "im", "i'm", "there", "any", "at", "much", "get", "want",
}  # fmt: skip


@dataclass(frozen=True)
class Cluster:
    suggested_name: str
    size: int  # messages, counting repeats
    representatives: list[str]  # closest to the centre first
    texts: list[str]  # every distinct message in the cluster


def _suggest_name(texts: list[str], weights: list[int]) -> str:
    """The three most frequent content words, in the order customers write them."""
    counts: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    for text, weight in zip(texts, weights, strict=True):
        for position, raw in enumerate(text.lower().split()):
            word = raw.strip(".,!?'\"()")
            if word.isalpha() and word not in STOP_WORDS and len(word) > 2:
                counts[word] = counts.get(word, 0) + weight
                first_seen[word] = min(first_seen.get(word, position), position)
    top = sorted(counts, key=lambda word: (-counts[word], word))[:3]
    return "_".join(sorted(top, key=lambda word: first_seen[word])) or "new_intent"


def discover(
    items: list[InboxItem], distance_threshold: float = 0.9, min_size: int = 3
) -> list[Cluster]:
    """Clusters of at least ``min_size`` messages (repeats count), biggest first."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion
    from sklearn.preprocessing import normalize

    if len(items) < 2:
        return []
    texts = [item.text for item in items]
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ]
    )
    vectors = normalize(features.fit_transform(texts)).toarray()
    labels = AgglomerativeClustering(
        n_clusters=None,
        distance_threshold=distance_threshold,
        affinity="cosine",
        linkage="average",
    ).fit_predict(vectors)
    clusters = []
    for label in set(labels):
        members = np.flatnonzero(labels == label)
        weights = [items[i].count for i in members]
        if sum(weights) < min_size:
            continue
        centre = vectors[members].mean(axis=0)
        order = members[np.argsort(-(vectors[members] @ centre))]
        member_texts = [texts[i] for i in order]
        clusters.append(
            Cluster(
                suggested_name=_suggest_name(member_texts, [items[i].count for i in order]),
                size=sum(weights),
                representatives=member_texts[:5],
                texts=member_texts,
            )
        )
    return sorted(clusters, key=lambda cluster: -cluster.size)
