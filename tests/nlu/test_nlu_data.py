"""The NLU data keeps its promises: every intent well covered, FAQs answered, entities well
formed, no sentence taught as two intents, and the evaluation split fixed and stratified.

Fast checks (no training); the quality floor itself is tests/nlu/test_nlu_split.py.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.testing.processes import PROJECT_ROOT
from bot.training.nlu_eval import TEST_FRACTION, label_of, split_data

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
CATALOGUE = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "track_order",
    "cancel_order", "return_item", "refund_status", "change_shipping_address",
    "delivery_options", "payment_issue", "reset_password", "request_human", "complaint",
    "give_feedback", "out_of_scope", "inform",
}  # fmt: skip
ENTITIES = {"order_id", "email", "item", "return_reason", "address", "rma", "resolution"}
MIN_EXAMPLES = 40
MIN_FAQ_EXAMPLES = 20


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return load_data(str(NLU_DIR))


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def regex_patterns(data: TrainingData) -> dict[str, re.Pattern[str]]:
    """The RegexFeaturizer's patterns, compiled the way it does (case-insensitive)."""
    return {f["name"]: re.compile(f["pattern"], re.IGNORECASE) for f in data.regex_features}


def test_every_catalogue_intent_has_enough_examples(data: TrainingData) -> None:
    counts = Counter(label_of(message) for message in data.intent_examples)
    assert {intent: counts[intent] for intent in CATALOGUE if counts[intent] < MIN_EXAMPLES} == {}


def test_every_faq_has_examples_and_exactly_one_answer(data: TrainingData) -> None:
    faqs = Counter(label_of(m) for m in data.intent_examples if label_of(m).startswith("faq/"))
    answers = yaml.safe_load((NLU_DIR / "faq_responses.yml").read_text())["responses"]
    assert {f"utter_{faq}" for faq in faqs} == set(answers)
    assert [faq for faq, count in faqs.items() if count < MIN_FAQ_EXAMPLES] == []


def test_no_sentence_is_taught_as_two_intents(data: TrainingData) -> None:
    labels: defaultdict[str, set[str]] = defaultdict(set)
    for message in data.intent_examples:
        labels[normalise(message.get("text"))].add(label_of(message))
    assert {text: found for text, found in labels.items() if len(found) > 1} == {}


def test_entity_annotations_are_well_formed(data: TrainingData) -> None:
    patterns = regex_patterns(data)
    bad = []
    for message in data.intent_examples:
        for entity in message.get("entities") or []:
            name, value = entity["entity"], entity["value"]
            span = message.get("text")[entity["start"] : entity["end"]]
            well_formed = name in ENTITIES and span and span == span.strip()
            matches = name not in patterns or patterns[name].fullmatch(value)
            if not (well_formed and matches):
                bad.append((message.get("text"), name))
    assert bad == []


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("order_id", "where is order 10001", ["10001"]),
        ("order_id", "cancel #20001 please", ["#20001"]),
        ("order_id", "it's 48213.", ["48213"]),
        ("order_id", "mail alex10001@example.com", []),
        ("order_id", "RMA-AB123456", []),
        ("email", "my email is Alex.Kim@Example.com.", ["Alex.Kim@Example.com"]),
        ("email", "priya+shop@mail.co.uk", ["priya+shop@mail.co.uk"]),
        ("email", "not an email @ all", []),
        ("rma", "status of rma-7kd2pq9x?", ["rma-7kd2pq9x"]),
        ("rma", "RMA-12345", []),
    ],
)
def test_entity_regexes(data: TrainingData, name: str, text: str, expected: list[str]) -> None:
    assert [m.group(0) for m in regex_patterns(data)[name].finditer(text)] == expected


def test_split_is_fixed_disjoint_and_stratified(data: TrainingData) -> None:
    first, second = split_data(NLU_DIR), split_data(NLU_DIR)
    assert [e.text for e in first.test] == [e.text for e in second.test]

    totals = Counter(label_of(message) for message in data.intent_examples)
    held_back = Counter(example.label for example in first.test)
    assert set(held_back) == set(totals)
    for label, total in totals.items():
        assert held_back[label] == max(1, round(total * TEST_FRACTION)), label

    train_texts = {m.get("text") for m in first.train.intent_examples}
    assert train_texts.isdisjoint(e.text for e in first.test)
    assert len(train_texts) + len(first.test) == len(data.intent_examples)


def test_split_training_part_keeps_features_and_answers(data: TrainingData) -> None:
    train = split_data(NLU_DIR).train
    assert train.regex_features == data.regex_features
    assert train.lookup_tables == data.lookup_tables
    assert train.entity_synonyms == data.entity_synonyms
    assert train.responses == data.responses


def test_split_follows_the_data_directory(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n'
        + "".join(
            f"  - intent: {intent}\n    examples: |\n"
            + "".join(f"      - {intent} example {n}\n" for n in range(10))
            for intent in ("alpha", "beta")
        )
    )
    split = split_data(tmp_path)
    assert Counter(example.label for example in split.test) == {"alpha": 2, "beta": 2}
    assert len(split.train.intent_examples) == 16
