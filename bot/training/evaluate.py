"""Score a trained model's intent classification on a fixed set of labelled examples."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


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


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def intent_report(gold: list[str], predicted: list[str]) -> IntentReport:
    """Per-intent precision/recall/F1 over the intents present in ``gold``."""
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


@dataclass(frozen=True)
class ModelEvaluation:
    report: IntentReport
    known_intents: frozenset[str]  # the intents in the model's domain


async def evaluate_model(model: Path, examples: list[tuple[str, str]]) -> ModelEvaluation:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predicted = [(await agent.parse_message(text))["intent"]["name"] for text, _ in examples]
    report = intent_report([intent for _, intent in examples], predicted)
    return ModelEvaluation(report, frozenset(agent.domain.intents))
