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
        """In words for the people who decide, not in F1."""
        allowed = f"{self.margin * 100:.0f} points"
        if self.promote:
            return f"ready: no topic the assistant knows got worse by more than {allowed}"
        worse = ", ".join(
            f"{name} ({delta * 100:+.0f} points)" for name, delta in self.regressions.items()
        )
        return f"not ready: it recognises {worse} less well, by more than the allowed {allowed}"


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
