"""Train a candidate model in the background and report its progress in a small JSON file.

The review app starts ``python -m bot nlu train-candidate`` as a separate process and polls
the job file; the command line prints the same progress. Candidates go to models/candidates/
and never replace the live model by themselves (see :mod:`bot.training.promote`).

Progress is one number over the whole training, not Rasa's per-component bars that restart at
0 %: the components already trained (and the epochs of the current one) out of as many as the last
training had, and never behind the time elapsed out of the last training's duration, which also
gives the time estimate. Stages are named for what the assistant learns, not by component.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.training.config import load_config, with_epochs, write_config
from bot.training.model import fingerprint
from bot.training.store import JobState, ModelStore, model_name, utc_now

COMPONENT_STARTED = re.compile(r"Starting to train component '([^']+)'")
EPOCH_PROGRESS = re.compile(r"Epochs:\s+(\d+)%")
# What a CX person reads while a component trains (matched on the component's name).
STAGE_WORDS = (
    ("Tokenizer", "reading the examples"),
    ("Featurizer", "reading the examples"),
    ("Classifier", "learning the topics"),
    ("EntityExtractor", "learning to spot order numbers and other details"),
    ("EntitySynonymMapper", "learning to spot order numbers and other details"),
    ("Selector", "learning which FAQ answer fits"),
    ("Policy", "learning how conversations go"),
)


def stage_words(component: str) -> str:
    return next((words for key, words in STAGE_WORDS if key in component), "preparing")


@dataclass
class Progress:
    """Overall progress from the component log lines, against the last training's totals."""

    expected_components: int = 0
    expected_seconds: float = 0.0
    components: int = 0
    epoch_percent: int = 0
    started: float = field(default_factory=time.monotonic)

    def percent(self) -> int:
        done = 0.0
        if self.expected_components:
            current = self.epoch_percent / 100 if self.components else 0.0
            done = (max(self.components - 1, 0) + current) / self.expected_components
        if self.expected_seconds:
            done = max(done, (time.monotonic() - self.started) / self.expected_seconds)
        return min(99, int(done * 100))

    def seconds_left(self, percent: int) -> int | None:
        elapsed = time.monotonic() - self.started
        if self.expected_seconds and elapsed < self.expected_seconds:
            return round(self.expected_seconds - elapsed)
        return round(elapsed * (100 - percent) / percent) if percent >= 5 else None


def _follow(
    process: subprocess.Popen[bytes], state: JobState, store: ModelStore, log, progress: Progress
) -> None:
    """Parse Rasa's log and progress bars (carriage-return separated) into the job state."""
    buffer = b""
    last_saved = 0.0
    assert process.stdout is not None
    while chunk := process.stdout.read1(4096):  # type: ignore[attr-defined]
        log.write(chunk)
        buffer += chunk
        *lines, buffer = re.split(rb"[\r\n]", buffer)
        for line in lines:
            text = line.decode(errors="replace")
            if started := COMPONENT_STARTED.search(text):
                state.stage = stage_words(started.group(1))
                progress.components += 1
                progress.epoch_percent = 0
            elif epochs := EPOCH_PROGRESS.search(text):
                progress.epoch_percent = int(epochs.group(1))
        if time.monotonic() - last_saved > 0.5:
            state.percent = max(state.percent, progress.percent())
            state.seconds_left = progress.seconds_left(state.percent)
            store.save_job(state)
            last_saved = time.monotonic()


def _last_run(store: ModelStore) -> Progress:
    """Totals of the last candidate training, else the live model's training time."""
    for path in (store.last_candidate_run, store.train_record):
        if path.exists():
            last = json.loads(path.read_text())
            return Progress(int(last.get("components", 0)), float(last.get("seconds", 0.0)))
    return Progress()


def train_candidate(store: ModelStore, project_root: Path, epochs: int | None = None) -> Path:
    """Train on the current data/; return the candidate's path. Raises on failure."""
    model = store.new_candidate()
    name = model_name(model)
    model.parent.mkdir(parents=True, exist_ok=True)
    state = JobState.started()
    store.save_job(state)
    progress = _last_run(store)
    rasa = Path(sys.executable).parent / "rasa"
    with tempfile.TemporaryDirectory() as tmp:
        config = with_epochs(load_config(project_root / "config.yml"), epochs)
        config_path = write_config(config, Path(tmp) / "config.yml")
        command = [
            str(rasa), "train", "--config", str(config_path), "--domain", "domain.yml",
            "--data", "data", "--out", str(model.parent), "--fixed-model-name", name,
        ]  # fmt: skip
        with store.training_log(model).open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 (our own command line)
                command, cwd=project_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            _follow(process, state, store, log, progress)
            code = process.wait()
    if code != 0 or not model.exists():
        state.fail(f"rasa train exited with {code}; see {store.training_log(model).name}")
        store.save_job(state)
        raise RuntimeError(state.error)
    store.stamp(model, fingerprint(project_root))
    seconds = round(time.monotonic() - progress.started, 1)
    last_run = {"seconds": seconds, "components": progress.components}
    store.last_candidate_run.write_text(json.dumps(last_run))
    state.finished_at = utc_now()
    state.status, state.stage, state.percent, state.model = "succeeded", "done", 100, str(model)
    state.seconds_left = 0
    store.save_job(state)
    return model
