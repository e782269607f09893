"""The training contract: where the learning loop keeps its files, and the records it shares.

The command line (:mod:`bot.training.commands`), the training steps and the review app's NLU pages
all ask one :class:`ModelStore` for a path; none of them joins one itself::

    models/ (BOT_MODELS_DIR)                  var/training/ (BOT_VAR_DIR)
      assistant.tar.gz, .fingerprint  live      job.json                   the training (JobState)
      assistant.train.json  its training time   decision-<candidate>.json  the gate (Decision)
      previous.tar.gz, .fingerprint  rollback   train.log, compare.log     the review app's jobs
      live.json  which is live, since when, by whom
      candidates/candidate-<UTC time>.tar.gz, .fingerprint, .log; last-training.json

A fingerprint (:func:`bot.training.model.fingerprint`) is the hash of the data a model was
trained on; it moves with its model.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.training.evaluate import IntentReport, IntentScore

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.training.gate import GateDecision

MODEL_NAME = "assistant"
MODEL_SUFFIX = ".tar.gz"
CANDIDATE_PREFIX = "candidate-"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_atomically(path: Path, text: str) -> None:
    """Readers never see a half-written file: write beside it, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text)
    temp.replace(path)


def model_name(model: Path) -> str:
    """``candidate-20260504T090000.tar.gz`` -> ``candidate-20260504T090000``."""
    return model.name.removesuffix(MODEL_SUFFIX)


@dataclass
class JobState:
    """The training job file: what the training process writes and the review app shows."""

    status: str = "idle"  # idle | running | succeeded | failed
    stage: str = ""
    percent: int = 0
    started_at: str = ""
    finished_at: str = ""
    model: str = ""
    error: str = ""
    seconds_left: int | None = None  # estimate, from the last training's duration

    @classmethod
    def started(cls) -> JobState:
        return cls(status="running", stage="starting", started_at=utc_now())

    def fail(self, error: str) -> None:
        self.status, self.error, self.finished_at = "failed", error, utc_now()

    def save(self, path: Path) -> None:
        write_atomically(path, json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> JobState:
        return cls(**json.loads(path.read_text())) if path.exists() else cls()


class DecisionError(Exception):
    """A gate decision file that is missing or cannot be read: compare the candidate (again)."""


def _report(record: dict[str, Any]) -> IntentReport:
    per_intent = {label: IntentScore(**score) for label, score in record["per_intent"].items()}
    return IntentReport(per_intent, float(record["macro_f1"]), float(record["accuracy"]))


@dataclass(frozen=True)
class Decision:
    """What ``nlu compare`` decided about a candidate, as stored in its decision file: the gate's
    verdict (:class:`bot.training.gate.GateDecision`, its changes in words), how many test
    questions it was judged on, and both models' scores."""

    candidate: str  # the candidate's path when compared (or its file name)
    promote: bool
    margin: float
    deltas: dict[str, float]
    regressions: dict[str, float]
    new_intents: list[str]
    takes_from: list[str]
    too_few: list[str]
    changes: list[dict[str, Any]]  # AnswerChange fields and "words"
    summary: str
    test_questions: dict[str, int]  # {"held_out": n, "live": n}
    current: IntentReport
    candidate_report: IntentReport

    @classmethod
    def of(
        cls,
        candidate: Path | str,
        gate: GateDecision,
        current: IntentReport,
        challenger: IntentReport,
        held_out: int,
        live: int,
    ) -> Decision:
        return cls(
            candidate=str(candidate),
            **gate.as_dict(),
            test_questions={"held_out": held_out, "live": live},
            current=current,
            candidate_report=challenger,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            **vars(self),
            "current": self.current.as_dict(),
            "candidate_report": self.candidate_report.as_dict(),
        }

    def save(self, path: Path) -> None:
        write_atomically(path, json.dumps(self.as_dict(), indent=2))

    @classmethod
    def load(cls, path: Path) -> Decision:
        """Raises :class:`DecisionError` if the file is missing or is no decision."""
        try:
            record = json.loads(path.read_text())
        except FileNotFoundError:
            raise DecisionError(f"no gate decision at {path}: compare the candidate") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DecisionError(f"cannot read the gate decision {path}: {error}") from None
        try:
            return cls(
                **{
                    **record,
                    "current": _report(record["current"]),
                    "candidate_report": _report(record["candidate_report"]),
                }
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DecisionError(
                f"{path} is not a gate decision ({type(error).__name__}: {error}); "
                "compare the candidate again"
            ) from None


@dataclass(frozen=True)
class ModelStore:
    """Every file of the learning loop: models, candidates, fingerprints, history, the training
    job and the gate decisions."""

    models_dir: Path  # absolute: Rasa servers resolve the path on their side
    training_dir: Path  # the training job, gate decisions and the review app's job logs

    @classmethod
    def of(cls, settings: Settings) -> ModelStore:
        return cls(settings.models_dir.resolve(), (settings.var_dir / "training").resolve())

    # The live model, the one a rollback returns to, their fingerprints.

    @property
    def current(self) -> Path:
        return self.models_dir / f"{MODEL_NAME}{MODEL_SUFFIX}"

    @property
    def previous(self) -> Path:
        return self.models_dir / f"previous{MODEL_SUFFIX}"

    @property
    def train_record(self) -> Path:
        """How long the live model's last full training (``make train``) took."""
        return self.models_dir / f"{MODEL_NAME}.train.json"

    @staticmethod
    def fingerprint_file(model: Path) -> Path:
        return model.with_name(model_name(model) + ".fingerprint")

    def fingerprint_of(self, model: Path) -> str:
        """The fingerprint of the data ``model`` was trained on; "" when it has none."""
        path = self.fingerprint_file(model)
        return path.read_text().strip() if path.exists() else ""

    def stamp(self, model: Path, fingerprint: str) -> None:
        self.fingerprint_file(model).write_text(fingerprint + "\n")

    def is_live(self, model: Path) -> bool:
        """The live model was trained on the same data: promoting ``model`` would only overwrite
        the model a rollback needs."""
        fingerprint = self.fingerprint_of(model)
        return bool(fingerprint) and fingerprint == self.fingerprint_of(self.current)

    # Candidates.

    @property
    def candidates_dir(self) -> Path:
        return self.models_dir / "candidates"

    @property
    def last_candidate_run(self) -> Path:
        """Duration and component count of the last candidate training (the progress estimate)."""
        return self.candidates_dir / "last-training.json"

    def new_candidate(self) -> Path:
        """Where a candidate trained now goes (named for the UTC time)."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        return self.candidates_dir / f"{CANDIDATE_PREFIX}{stamp}{MODEL_SUFFIX}"

    @staticmethod
    def training_log(model: Path) -> Path:
        return model.with_name(model_name(model) + ".log")

    def candidates(self) -> list[Path]:
        """Oldest first."""
        return sorted(self.candidates_dir.glob(f"{CANDIDATE_PREFIX}*{MODEL_SUFFIX}"))

    def latest_candidate(self) -> Path | None:
        found = self.candidates()
        return found[-1] if found else None

    def candidate_named(self, name: str) -> Path | None:
        """The candidate with this file name (never a path), if there is one."""
        return next((path for path in self.candidates() if path.name == name), None)

    def candidate(self, name: str) -> Path:
        """A candidate given as a path, or as a file name in the candidates directory."""
        path = Path(name)
        return path if path.exists() else self.candidates_dir / name

    # The training job and the gate's decisions.

    @property
    def job_file(self) -> Path:
        return self.training_dir / "job.json"

    def job(self) -> JobState:
        return JobState.load(self.job_file)

    def save_job(self, state: JobState) -> None:
        state.save(self.job_file)

    def decision_file(self, candidate: Path) -> Path:
        return self.training_dir / f"decision-{model_name(candidate)}.json"

    def decision(self, candidate: Path) -> Decision | None:
        """The candidate's gate decision; None if it was never compared. Raises
        :class:`DecisionError` if the file is damaged."""
        path = self.decision_file(candidate)
        return Decision.load(path) if path.exists() else None

    def save_decision(self, decision: Decision) -> Path:
        path = self.decision_file(Path(decision.candidate))
        decision.save(path)
        return path

    def decided_at(self, candidate: Path) -> float | None:
        """When the candidate was last compared (the decision file's time), if ever."""
        path = self.decision_file(candidate)
        return path.stat().st_mtime if path.exists() else None

    def gate_passed(self, candidate: Path) -> bool:
        decision = self.decision(candidate)
        return decision is not None and decision.promote is True

    def decision_is_current(self, candidate: Path) -> bool:
        """A comparison counts only against the model that is live now (not one since replaced)."""
        decided = self.decided_at(candidate)
        return decided is not None and (
            not self.current.exists() or decided >= self.current.stat().st_mtime
        )

    # Installing and swapping models, and their history.

    def _copy(self, source: Path, target: Path) -> None:
        """Copy model and fingerprint; each file appears atomically under its final name."""
        fingerprints = (self.fingerprint_file(source), self.fingerprint_file(target))
        for src, dst in ((source, target), fingerprints):
            if src.exists():
                temp = dst.with_name(dst.name + ".tmp")
                shutil.copyfile(src, temp)
                temp.replace(dst)

    def install(self, candidate: Path) -> None:
        self.models_dir.mkdir(parents=True, exist_ok=True)
        if self.current.exists():
            self._copy(self.current, self.previous)
        self._copy(candidate, self.current)

    def swap_back(self) -> None:
        if not self.previous.exists():
            raise FileNotFoundError("no previous model to roll back to")
        staging = self.models_dir / f"rollback-staging{MODEL_SUFFIX}"
        self._copy(self.current, staging)
        self._copy(self.previous, self.current)
        self._copy(staging, self.previous)
        for leftover in (staging, self.fingerprint_file(staging)):
            leftover.unlink(missing_ok=True)

    @property
    def history(self) -> Path:
        """Which model is live and which one a rollback returns to: names, since when, by whom."""
        return self.models_dir / "live.json"

    def live(self) -> dict:
        """``{"current": {...}, "previous": {...}}``; a model never promoted here is described by
        its file's time and no author."""
        record = json.loads(self.history.read_text()) if self.history.exists() else {}
        if "current" not in record and self.current.exists():
            since = dt.datetime.fromtimestamp(self.current.stat().st_mtime, dt.UTC)
            record["current"] = {
                "model": self.current.name, "since": since.isoformat(timespec="seconds"),
                "by": None, "how": "installed",
            }  # fmt: skip
        return record

    def _write_history(self, record: dict) -> None:
        write_atomically(self.history, json.dumps(record, indent=2))

    def record(self, model: str, by: str, how: str, previous: dict | None) -> None:
        record = {"current": {"model": model, "since": utc_now(), "by": by, "how": how}}
        if previous:
            record["previous"] = previous
        self._write_history(record)

    def decide_data(self, intent: str, kept: bool, by: str) -> None:
        """After a rollback: whether the rolled-back intent's examples stay in the project. Kept
        until the next promotion or rollback rewrites the record."""
        record = self.live()
        record.setdefault("data_decisions", {})[intent] = {"kept": kept, "by": by, "at": utc_now()}
        self._write_history(record)
