"""The promotion gate: a candidate may replace the live model only if no known intent gets worse.

Both models are scored on the same held-out examples (evaluation/nlu_holdout.yml, plus held-out
examples of new intents when there are any). An intent the live model already knows may lose at
most ``margin`` F1; new intents cannot regress, so they only inform.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.training.evaluate import ModelEvaluation


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    margin: float
    deltas: dict[str, float]
    regressions: dict[str, float] = field(default_factory=dict)
    new_intents: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.promote:
            return f"promote: no known intent lost more than {self.margin:.2f} F1"
        worst = ", ".join(f"{name} {delta:+.3f}" for name, delta in self.regressions.items())
        return f"refuse: F1 dropped more than {self.margin:.2f} for {worst}"


def compare(current: ModelEvaluation, candidate: ModelEvaluation, margin: float) -> GateDecision:
    """Both evaluations must come from the same examples."""
    deltas = {
        intent: round(candidate.report.per_intent[intent].f1 - score.f1, 4)
        for intent, score in current.report.per_intent.items()
    }
    regressions = {
        intent: delta
        for intent, delta in deltas.items()
        if intent in current.known_intents and delta < -margin
    }
    new_intents = sorted(set(deltas) - current.known_intents)
    return GateDecision(
        promote=not regressions,
        margin=margin,
        deltas=deltas,
        regressions=dict(sorted(regressions.items(), key=lambda item: item[1])),
        new_intents=new_intents,
    )
