"""Candidate models as the training page sees them: the newest one, its comparison with the live
model (the decision file ``nlu compare`` writes), and whether it is already live."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings
from bot.training.candidate import JobState, latest_candidate
from bot.training.commands import decision_file, job_file
from bot.training.gate import topic_words
from bot.training.promote import ModelStore


def model_store(settings: Settings) -> ModelStore:
    return ModelStore(settings.models_dir.resolve())


def find_candidate(settings: Settings, name: str | None) -> Path | None:
    """The named candidate (a file name, never a path) or the newest one."""
    if not name:
        return latest_candidate(settings.models_dir)
    found = {
        path.name: path for path in (settings.models_dir / "candidates").glob("candidate-*.tar.gz")
    }
    return found.get(name)


def _fingerprint(model: Path) -> str:
    path = model.with_name(model.name.removesuffix(".tar.gz") + ".fingerprint")
    return path.read_text().strip() if path.exists() else ""


def is_live(settings: Settings, candidate: Path) -> bool:
    """The live model was trained on the same data: promoting it again would only overwrite the
    model a rollback needs."""
    fingerprint = _fingerprint(candidate)
    return bool(fingerprint) and fingerprint == _fingerprint(model_store(settings).current)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def comparison(settings: Settings, candidate: Path) -> dict[str, Any] | None:
    """How often each topic is picked right by the live model and the candidate, worst change
    first, and the test questions whose answer changed, in words."""
    path = decision_file(settings, candidate)
    if not path.exists():
        return None
    decision = json.loads(path.read_text())
    current = decision["current"]["per_intent"]
    challenger = decision["candidate_report"]["per_intent"]
    rows = [
        {
            "intent": label,
            "topic": topic_words(label),
            "support": current[label]["support"],
            "current_right": current[label]["recall"],
            "candidate_right": challenger[label]["recall"],
            "delta": delta,
            "regression": label in decision["regressions"],
            "new": label in decision["new_intents"],
            "neighbour": label in decision["takes_from"],
        }
        for label, delta in sorted(decision["deltas"].items(), key=lambda item: (item[1], item[0]))
    ]
    return {
        "candidate": candidate.name,
        "promote": decision["promote"],
        "summary": decision["summary"],
        "margin": decision["margin"],
        "current_accuracy": decision["current"]["accuracy"],
        "candidate_accuracy": decision["candidate_report"]["accuracy"],
        "test_questions": decision["test_questions"],
        "rows": rows,
        "changes": decision["changes"],
        "compared_at": _iso(path.stat().st_mtime),
    }


def training_job(settings: Settings) -> dict[str, Any]:
    """The training job file, with the model's file name instead of its path."""
    job = asdict(JobState.load(job_file(settings)))
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
