"""Train a candidate model in the background and report its progress in a small JSON file.

The review app starts ``python -m bot nlu train-candidate`` as a separate process and polls
the job file; the command line prints the same progress. Candidates go to models/candidates/
and never replace the live model by themselves (see :mod:`bot.training.promote`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.training.config import load_config, with_epochs, write_config
from bot.training.model import fingerprint

COMPONENT_STARTED = re.compile(r"Starting to train component '([^']+)'")
EPOCH_PROGRESS = re.compile(r"Epochs:\s+(\d+)%")


@dataclass
class JobState:
    status: str = "idle"  # idle | running | succeeded | failed
    stage: str = ""
    percent: int = 0
    started_at: str = ""
    finished_at: str = ""
    model: str = ""
    error: str = ""

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_text(json.dumps(asdict(self)))
        temp.replace(path)  # readers never see a half-written file

    @classmethod
    def load(cls, path: Path) -> JobState:
        return cls(**json.loads(path.read_text())) if path.exists() else cls()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _follow(process: subprocess.Popen[bytes], state: JobState, job_file: Path, log) -> None:
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
                state.stage, state.percent = started.group(1), 0
            elif progress := EPOCH_PROGRESS.search(text):
                state.percent = int(progress.group(1))
        if time.monotonic() - last_saved > 0.5:
            state.save(job_file)
            last_saved = time.monotonic()


def train_candidate(
    project_root: Path, models_dir: Path, job_file: Path, epochs: int | None = None
) -> Path:
    """Train on the current data/; return the candidate's path. Raises on failure."""
    candidates = models_dir / "candidates"
    candidates.mkdir(parents=True, exist_ok=True)
    name = "candidate-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    state = JobState(status="running", stage="starting", started_at=_now())
    state.save(job_file)
    rasa = Path(sys.executable).parent / "rasa"
    with tempfile.TemporaryDirectory() as tmp:
        config = with_epochs(load_config(project_root / "config.yml"), epochs)
        config_path = write_config(config, Path(tmp) / "config.yml")
        command = [
            str(rasa), "train", "--config", str(config_path), "--domain", "domain.yml",
            "--data", "data", "--out", str(candidates), "--fixed-model-name", name,
        ]  # fmt: skip
        with (candidates / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 (our own command line)
                command, cwd=project_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            _follow(process, state, job_file, log)
            code = process.wait()
    model = candidates / f"{name}.tar.gz"
    state.finished_at = _now()
    if code != 0 or not model.exists():
        state.status, state.error = "failed", f"rasa train exited with {code}; see {name}.log"
        state.save(job_file)
        raise RuntimeError(state.error)
    (candidates / f"{name}.fingerprint").write_text(fingerprint(project_root) + "\n")
    state.status, state.stage, state.percent, state.model = "succeeded", "done", 100, str(model)
    state.save(job_file)
    return model


def latest_candidate(models_dir: Path) -> Path | None:
    found = sorted((models_dir / "candidates").glob("candidate-*.tar.gz"))
    return found[-1] if found else None
