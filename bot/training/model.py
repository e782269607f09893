"""Train the assistant only when its inputs changed.

Rasa packages a new model on every ``rasa train``; hashing the training inputs ourselves lets
``make run`` start in seconds when nothing changed and retrain when any data file did.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.training.store import ModelStore, model_name

TRAINING_INPUTS = ("config.yml", "domain.yml", "data")


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Hash of every training input's path and content, stable across checkouts."""
    digest = hashlib.sha256()
    for entry in TRAINING_INPUTS:
        path = root / entry
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def is_stale(store: ModelStore, root: Path = PROJECT_ROOT) -> bool:
    return not store.current.exists() or store.fingerprint_of(store.current) != fingerprint(root)


def train(store: ModelStore, root: Path = PROJECT_ROOT, force: bool = False) -> bool:
    """Run ``rasa train`` (output streamed, so progress shows) if stale; return whether it ran."""
    if not force and not is_stale(store, root):
        print(f"train: model {store.current} is up to date, not retraining")
        return False
    print("train: training inputs changed, running rasa train")
    store.models_dir.mkdir(parents=True, exist_ok=True)
    rasa = Path(sys.executable).parent / "rasa"
    command = [
        str(rasa), "train", "--out", str(store.models_dir),
        "--fixed-model-name", model_name(store.current),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=root, check=True)
    seconds = time.perf_counter() - started
    store.stamp(store.current, fingerprint(root))
    # Kept for the benchmarks: how long the last full training took on this machine.
    store.train_record.write_text(json.dumps({"seconds": round(seconds, 1)}))
    print(f"train: done in {seconds:.0f}s")
    return True
