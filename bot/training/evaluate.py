"""Score a trained model the way a customer sees it: which answer each test question gets.

A label is an intent, or ``faq/<name>`` for a question the FAQ selector answers: a customer who
asks about gift wrap and gets the restock answer was not helped, although the intent (``faq``)
was right. Every prediction is kept, so the gate can list the questions whose answer changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rasa.shared.nlu.training_data.message import Message


@dataclass(frozen=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class IntentReport:
    per_intent: dict[str, IntentScore]
    macro_f1: float
    accuracy: float

    def as_dict(self) -> dict:
        return asdict(self)


def label_of(message: Message) -> str:
    return message.get("intent_response_key") or message.get("intent")


def predicted_label(parse: dict) -> str:
    """The intent, refined to ``faq/<name>`` when a response selector answered it."""
    intent = parse["intent"]["name"]
    selectors = parse.get("response_selector", {})
    if intent not in selectors.get("all_retrieval_intents", []):
        return intent
    # keyed by the selector's `retrieval_intent`, or "default" when it serves all of them
    selected = selectors.get(intent) or selectors["default"]
    return selected["response"]["intent_response_key"]


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs from a Rasa NLU YAML file; FAQ questions keep their ``faq/<name>``."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(str(path))
    return [(m.get("text"), label_of(m)) for m in data.intent_examples]


def intent_report(gold: list[str], predicted: list[str]) -> IntentReport:
    """Per-label precision/recall/F1 over the labels present in ``gold``."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    per_intent = {
        label: IntentScore(round(p, 4), round(r, 4), round(f, 4), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return IntentReport(
        per_intent=per_intent,
        macro_f1=round(float(f1.mean()), 4) if labels else 0.0,
        accuracy=round(correct / len(gold), 4) if gold else 0.0,
    )


def as_coarse_as(gold: str, predicted: str) -> str:
    """A live message labelled just ``faq`` is answered right by any FAQ answer."""
    return gold if "/" not in gold and predicted.startswith(f"{gold}/") else predicted


@dataclass(frozen=True)
class ModelEvaluation:
    report: IntentReport
    known_intents: frozenset[str]  # every label the model can give (intents and FAQ answers)
    predictions: tuple[str, ...] = ()  # per example, in the examples' order

    @classmethod
    def of(cls, gold: list[str], predicted: list[str], known: frozenset[str]) -> ModelEvaluation:
        predicted = [as_coarse_as(g, p) for g, p in zip(gold, predicted, strict=True)]
        return cls(intent_report(gold, predicted), known, tuple(predicted))


def domain_labels(intents: list[str], responses: dict) -> frozenset[str]:
    """The domain's intents and its retrieval answers (``utter_faq/gift_wrap`` -> ``faq/...``)."""
    answers = {name.removeprefix("utter_") for name in responses if "/" in name}
    return frozenset(intents) | answers


async def evaluate_model(model: Path, examples: list[tuple[str, str]]) -> ModelEvaluation:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predicted = [predicted_label(await agent.parse_message(text)) for text, _ in examples]
    known = domain_labels(agent.domain.intents, agent.domain.responses)
    return ModelEvaluation.of([label for _, label in examples], predicted, known)
