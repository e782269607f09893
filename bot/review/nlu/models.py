"""Candidate models as the training page sees them: the newest one, its comparison with the live
model (the decision ``nlu compare`` writes), the training job; and how the page starts a command."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings
from bot.training.gate import topic_words
from bot.training.store import ModelStore


def find_candidate(store: ModelStore, name: str | None) -> Path | None:
    """The named candidate (a file name, never a path) or the newest one."""
    return store.candidate_named(name) if name else store.latest_candidate()


def comparison(store: ModelStore, candidate: Path) -> dict[str, Any] | None:
    """How often each topic is picked right by the live model and the candidate, worst change
    first, and the test questions whose answer changed, in words."""
    decision, decided_at = store.decision(candidate), store.decided_at(candidate)
    if decision is None or decided_at is None:
        return None
    current = decision.current.per_intent
    challenger = decision.candidate_report.per_intent
    rows = [
        {
            "intent": label,
            "topic": topic_words(label),
            "support": current[label].support,
            "current_right": current[label].recall,
            "candidate_right": challenger[label].recall,
            "delta": delta,
            "regression": label in decision.regressions,
            "new": label in decision.new_intents,
            "neighbour": label in decision.takes_from,
        }
        for label, delta in sorted(decision.deltas.items(), key=lambda item: (item[1], item[0]))
    ]
    return {
        "candidate": candidate.name,
        "promote": decision.promote,
        "summary": decision.summary,
        "margin": decision.margin,
        "current_accuracy": decision.current.accuracy,
        "candidate_accuracy": decision.candidate_report.accuracy,
        "test_questions": decision.test_questions,
        "rows": rows,
        "changes": decision.changes,
        "compared_at": datetime.fromtimestamp(decided_at, UTC).isoformat(timespec="seconds"),
    }


def training_job(store: ModelStore) -> dict[str, Any]:
    """The training job file, with the model's file name instead of its path."""
    job = asdict(store.job())
    job["model"] = Path(job["model"]).name if job["model"] else ""
    return job


def nlu_command(*arguments: str) -> list[str]:
    """``python -m bot nlu ...`` with this interpreter (the project's venv)."""
    return [sys.executable, "-m", "bot", "nlu", *arguments]


def child_environment(settings: Settings) -> dict[str, str]:
    """The app's environment plus the settings the command must share with this app (tests and
    staging run the app on another project, model and var directory than the defaults)."""
    return {
        **os.environ,
        "BOT_PROJECT_DIR": str(settings.project_dir.resolve()),
        "BOT_MODELS_DIR": str(settings.models_dir.resolve()),
        "BOT_VAR_DIR": str(settings.var_dir.resolve()),
        "CX_DATABASE_URL": settings.cx_database_url,
        "NLU_GATE_MARGIN": str(settings.nlu_gate_margin),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
