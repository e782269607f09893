"""Intent discovery: cluster messages the assistant could not handle into candidate intents.

Messages are compared by meaning, in the sentence-embedding space the model itself uses
(all-MiniLM-L6-v2, ``bot.nlu.sentence_embeddings``): "what's left on my giftcard" and "gift voucher
balance" share few characters but one topic. Redaction placeholders ("[EMAIL]") are stripped first
so they never pull unrelated messages together. Average-linkage agglomerative clustering on cosine
distance with a distance threshold lets the number of clusters come from the data. Each cluster is
shown with its most typical messages (closest to its centre) and how many customers wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.training.inbox import InboxItem
from bot.training.novelty import Embedder, strip_placeholders

STOP_WORDS = {
    "a", "an", "the", "i", "my", "me", "is", "are", "to", "of", "for", "and", "or", "in", "on",
    "it", "can", "you", "do", "does", "how", "what", "where", "when", "please", "with", "have",
    "this", "that", "be", "your", "u", "im", "i'm", "there", "any", "at", "much", "get", "want",
}  # fmt: skip


@dataclass(frozen=True)
class Cluster:
    suggested_name: str
    size: int  # messages, counting repeats
    customers: int  # distinct customers (customer ids, else conversations) who wrote them
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
    items: list[InboxItem],
    distance_threshold: float = 0.5,
    min_size: int = 3,
    embedder: Embedder | None = None,
) -> list[Cluster]:
    """Clusters of at least ``min_size`` messages (repeats count), biggest first."""
    from sklearn.cluster import AgglomerativeClustering

    items = [item for item in items if strip_placeholders(item.text)]
    if len(items) < 2:
        return []
    texts = [item.text for item in items]
    vectors = (embedder or Embedder())([strip_placeholders(text) for text in texts])
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
                customers=len(set().union(*(items[i].customers for i in members))),
                representatives=member_texts[:5],
                texts=member_texts,
            )
        )
    return sorted(clusters, key=lambda cluster: (-cluster.size, -cluster.customers))
