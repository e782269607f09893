"""Train the NLU pipeline on a fixed split of data/nlu/ and score it on the held-back part.

The split is derived, not stored: within each intent (FAQ sub-intents count separately) the
examples are ordered by a seeded hash of their text and the first fifth is held back. It is
stratified, identical on every machine, and adding an example moves at most one other across.
Both tests/nlu/test_nlu_split.py (the quality floor in ``make test``) and bench/nlu_report.py
(the per-intent table) use it, so they always measure the same thing.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.training.evaluate import (
    IntentReport,
    IntentScore,
    intent_report,
    label_of,
    predicted_label,
)

if TYPE_CHECKING:
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

SPLIT_SEED = "cx-nlu-split-1"
TEST_FRACTION = 0.2


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # the intent, or "faq/<name>" for retrieval intents
    entities: frozenset[tuple[str, int, int]]  # (entity, start, end)


@dataclass(frozen=True)
class Split:
    train: TrainingData
    test: list[Example]


@dataclass(frozen=True)
class SplitEvaluation:
    intents: IntentReport
    entities: dict[str, IntentScore]  # exact-span scores per entity type
    confusions: list[tuple[str, str, int]]  # (gold, predicted, count), most frequent first
    fallbacks: int  # held-back examples the FallbackClassifier turned into nlu_fallback
    train_examples: int
    test_examples: int
    train_seconds: float  # wall clock
    train_cpu_seconds: float  # all threads; steadier than wall clock on a busy machine


def _entity_spans(entities: list[dict] | None) -> frozenset[tuple[str, int, int]]:
    return frozenset((e["entity"], e["start"], e["end"]) for e in entities or [])


def _rank(text: str) -> str:
    return hashlib.sha256(f"{SPLIT_SEED}\0{text}".encode()).hexdigest()


def split_data(data_dir: Path, test_fraction: float = TEST_FRACTION) -> Split:
    """Hold back ``test_fraction`` of every intent; keep regexes, lookups, synonyms, responses."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = load_data(str(data_dir))
    by_label: dict[str, list[Message]] = {}
    for message in data.intent_examples:
        by_label.setdefault(label_of(message), []).append(message)

    train: list[Message] = []
    test: list[Example] = []
    for label in sorted(by_label):
        ranked = sorted(by_label[label], key=lambda m: _rank(m.get("text")))
        held_back = max(1, round(len(ranked) * test_fraction))
        train += ranked[held_back:]
        test += [
            Example(m.get("text"), label, _entity_spans(m.get("entities")))
            for m in ranked[:held_back]
        ]
    train_data = TrainingData(
        training_examples=train,
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
        responses=data.responses,
    )
    return Split(train_data, test)


def train_model(config: Path, train: TrainingData, work_dir: Path) -> tuple[Path, float, float]:
    """Train an NLU-only model on ``train``; return its path, wall and CPU seconds."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    data_file = work_dir / "train.yml"
    data_file.write_text(RasaYAMLWriter().dumps(train))
    started, started_cpu = time.perf_counter(), time.process_time()
    model = train_nlu(str(config), str(data_file), str(work_dir / "models"), fixed_model_name="nlu")
    if model is None:
        raise RuntimeError("rasa did not produce an NLU model (see its log above)")
    return Path(model), time.perf_counter() - started, time.process_time() - started_cpu


async def _parse_all(model: Path, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def entity_scores(gold: list[Example], parses: list[dict]) -> dict[str, IntentScore]:
    """Exact-span precision/recall/F1 per entity type."""
    hits: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for example, parse in zip(gold, parses, strict=True):
        predicted = _entity_spans(parse.get("entities"))
        expected.update(entity for entity, _, _ in example.entities)
        found.update(entity for entity, _, _ in predicted)
        hits.update(entity for entity, _, _ in example.entities & predicted)
    scores = {}
    for entity in sorted(expected | found):
        precision = hits[entity] / found[entity] if found[entity] else 0.0
        recall = hits[entity] / expected[entity] if expected[entity] else 0.0
        total = precision + recall
        f1 = 2 * precision * recall / total if total else 0.0
        scores[entity] = IntentScore(
            round(precision, 4), round(recall, 4), round(f1, 4), expected[entity]
        )
    return scores


def evaluate_split(config: Path, data_dir: Path, work_dir: Path) -> SplitEvaluation:
    """Train on the split's training part with ``config`` and score the held-back part."""
    split = split_data(data_dir)
    model, seconds, cpu_seconds = train_model(config, split.train, work_dir)
    parses = asyncio.run(_parse_all(model, [example.text for example in split.test]))
    gold = [example.label for example in split.test]
    predicted = [predicted_label(parse) for parse in parses]
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    return SplitEvaluation(
        intents=intent_report(gold, predicted),
        entities=entity_scores(split.test, parses),
        confusions=[(g, p, n) for (g, p), n in confusions.most_common()],
        fallbacks=predicted.count("nlu_fallback"),
        train_examples=len(split.train.intent_examples),
        test_examples=len(split.test),
        train_seconds=round(seconds, 1),
        train_cpu_seconds=round(cpu_seconds, 1),
    )
