"""The promotion gate: judge a candidate the way customers would, then allow it or not.

Both models answer the same test questions (evaluation/nlu_holdout.yml, held-back examples of new
intents, and labelled live messages never exported into training). For every topic, each intent
and each FAQ answer (``faq/<name>``), the gate measures how often the model picks the right topic
for questions about it (recall: a customer asking about gift wrap is helped only by the gift-wrap
answer). A topic the live model already knows may lose at most ``margin`` of that; new intents
cannot regress, so they only inform. A new intent takes its questions from its neighbours (what
the live model answered them with): each neighbour needs ``MIN_TEST_QUESTIONS`` test questions,
or the gate cannot tell whether it got worse and refuses. Every question whose answer changed is
listed, grouped and in words ("12 questions that got the gift wrap answer now get ...").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from bot.training.evaluate import ModelEvaluation

MIN_TEST_QUESTIONS = 5
NOT_A_TOPIC = frozenset({"nlu_fallback"})
EXAMPLES_PER_CHANGE = 5


def topic_words(label: str) -> str:
    """``faq/gift_wrap`` -> "the gift wrap answer"; ``nlu_fallback`` -> "no answer"."""
    if label in NOT_A_TOPIC:
        return "no answer (“I did not understand”)"
    return f"the {label.split('/')[-1].replace('_', ' ')} answer"


@dataclass(frozen=True)
class AnswerChange:
    """Test questions that got ``before`` from the live model and ``after`` from the candidate."""

    before: str
    after: str
    count: int
    now_right: int
    now_wrong: int
    examples: tuple[str, ...]

    def words(self) -> str:
        questions, get = (
            ("1 question", "gets") if self.count == 1 else (f"{self.count} questions", "get")
        )
        text = (
            f"{questions} that got {topic_words(self.before)} now {get} {topic_words(self.after)}"
        )
        if self.now_right == self.count:
            return text + " (right now)"
        if self.now_wrong == self.count:
            return text + " (wrong now)"
        return text + f" ({self.now_right} right now, {self.now_wrong} wrong now)"


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    margin: float
    deltas: dict[str, float]  # label -> change in how often it is picked right (0..1 scale)
    regressions: dict[str, float] = field(default_factory=dict)
    new_intents: list[str] = field(default_factory=list)
    takes_from: list[str] = field(default_factory=list)  # known topics next to the new ones
    too_few: list[str] = field(default_factory=list)  # of those, the ones it cannot judge
    changes: list[AnswerChange] = field(default_factory=list)

    def summary(self) -> str:
        """In words for the people who decide."""
        allowed = f"{self.margin * 100:.0f} points"
        if self.too_few:
            few = ", ".join(topic_words(label) for label in self.too_few)
            return (
                f"cannot tell yet: fewer than {MIN_TEST_QUESTIONS} test questions about {few}, "
                "which the new topic sits next to"
            )
        if self.promote:
            return (
                "ready: no topic the assistant knows is picked right less often "
                f"by more than {allowed}"
            )
        worse = ", ".join(
            f"{topic_words(label)} ({delta * 100:+.0f} points)"
            for label, delta in self.regressions.items()
        )
        return f"not ready: it picks {worse} right less often, more than the allowed {allowed}"

    def as_dict(self) -> dict:
        record = asdict(self)
        record["summary"] = self.summary()
        record["changes"] = [{**asdict(c), "words": c.words()} for c in self.changes]
        return record


def answer_changes(
    texts: list[str], gold: list[str], before: tuple[str, ...], after: tuple[str, ...]
) -> list[AnswerChange]:
    """Questions whose answer differs between the models, grouped, the largest group first."""
    groups: dict[tuple[str, str], list[int]] = {}
    for n, (old, new) in enumerate(zip(before, after, strict=True)):
        if old != new:
            groups.setdefault((old, new), []).append(n)
    changes = [
        AnswerChange(
            old, new, len(rows),
            now_right=sum(gold[n] == new for n in rows),
            now_wrong=sum(gold[n] == old for n in rows),
            examples=tuple(texts[n] for n in rows[:EXAMPLES_PER_CHANGE]),
        )
        for (old, new), rows in groups.items()
    ]  # fmt: skip
    return sorted(changes, key=lambda change: (-change.count, change.before, change.after))


def _neighbours(
    gold: list[str], current: ModelEvaluation, candidate: ModelEvaluation, new: set[str]
) -> set[str]:
    """Known topics a new intent takes from: what the live model answered the new intent's
    questions with, and the topics whose questions the candidate now gives a new answer."""
    taken = {old for label, old in zip(gold, current.predictions, strict=True) if label in new}
    taken |= {label for label, now in zip(gold, candidate.predictions, strict=True) if now in new}
    return (taken - new - NOT_A_TOPIC) & current.known_intents


def compare(
    current: ModelEvaluation,
    candidate: ModelEvaluation,
    margin: float,
    examples: list[tuple[str, str]],
) -> GateDecision:
    """Both evaluations must come from the same ``examples`` ((text, label), in order)."""
    per_label = current.report.per_intent
    deltas = {
        label: round(candidate.report.per_intent[label].recall - score.recall, 4)
        for label, score in per_label.items()
    }
    regressions = {
        label: delta
        for label, delta in deltas.items()
        if label in current.known_intents and delta < -margin
    }
    new_intents = sorted(set(deltas) - current.known_intents)
    texts, gold = [text for text, _ in examples], [label for _, label in examples]
    takes_from = _neighbours(gold, current, candidate, set(new_intents))
    changes = answer_changes(texts, gold, current.predictions, candidate.predictions)
    support = Counter({label: score.support for label, score in per_label.items()})
    too_few = sorted(label for label in takes_from if support[label] < MIN_TEST_QUESTIONS)
    return GateDecision(
        promote=not regressions and not too_few,
        margin=margin,
        deltas=deltas,
        regressions=dict(sorted(regressions.items(), key=lambda item: item[1])),
        new_intents=new_intents,
        takes_from=sorted(takes_from),
        too_few=too_few,
        changes=changes,
    )
