"""Promote a gated candidate into the running Rasa servers without a restart, and roll back.

Rasa's HTTP API (``PUT /model``) loads a model file into a running server; conversations
continue because their state lives in the tracker store, not in the model. The live model is
always models/assistant.tar.gz and the one it replaced models/previous.tar.gz, so a rollback is
one swap and one reload. Fingerprints move with the models so ``make run`` does not retrain.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bot.training.model import MODEL_NAME


@dataclass(frozen=True)
class ModelStore:
    models_dir: Path  # absolute: Rasa servers resolve the path on their side

    @property
    def current(self) -> Path:
        return self.models_dir / f"{MODEL_NAME}.tar.gz"

    @property
    def previous(self) -> Path:
        return self.models_dir / "previous.tar.gz"

    @staticmethod
    def _fingerprint(model: Path) -> Path:
        return model.with_name(model.name.removesuffix(".tar.gz") + ".fingerprint")

    def _copy(self, source: Path, target: Path) -> None:
        """Copy model and fingerprint; each file appears atomically under its final name."""
        for src, dst in ((source, target), (self._fingerprint(source), self._fingerprint(target))):
            if src.exists():
                temp = dst.with_name(dst.name + ".tmp")
                shutil.copyfile(src, temp)
                temp.replace(dst)

    def install(self, candidate: Path) -> None:
        self.models_dir.mkdir(parents=True, exist_ok=True)
        if self.current.exists():
            self._copy(self.current, self.previous)
        self._copy(candidate, self.current)

    @property
    def history(self) -> Path:
        """Which model is live and which one a rollback returns to: names, since when, by whom."""
        return self.models_dir / "live.json"

    def live(self) -> dict:
        """``{"current": {...}, "previous": {...}}``; a model never promoted here is described by
        its file's time and no author."""
        record = json.loads(self.history.read_text()) if self.history.exists() else {}
        if "current" not in record and self.current.exists():
            since = datetime.fromtimestamp(self.current.stat().st_mtime, UTC)
            record["current"] = {
                "model": self.current.name, "since": since.isoformat(timespec="seconds"),
                "by": None, "how": "installed",
            }  # fmt: skip
        return record

    def _write_history(self, record: dict) -> None:
        temp = self.history.with_name(self.history.name + ".tmp")
        temp.write_text(json.dumps(record, indent=2))
        temp.replace(self.history)

    def record(self, model: str, by: str, how: str, previous: dict | None) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record = {"current": {"model": model, "since": now, "by": by, "how": how}}
        if previous:
            record["previous"] = previous
        self._write_history(record)

    def decide_data(self, intent: str, kept: bool, by: str) -> None:
        """After a rollback: whether the rolled-back intent's examples stay in the project. Kept
        until the next promotion or rollback rewrites the record."""
        record = self.live()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record.setdefault("data_decisions", {})[intent] = {"kept": kept, "by": by, "at": now}
        self._write_history(record)

    def swap_back(self) -> None:
        if not self.previous.exists():
            raise FileNotFoundError("no previous model to roll back to")
        staging = self.models_dir / "rollback-staging.tar.gz"
        self._copy(self.current, staging)
        self._copy(self.previous, self.current)
        self._copy(staging, self.previous)
        for leftover in (staging, self._fingerprint(staging)):
            leftover.unlink(missing_ok=True)


async def load_into_rasa(rasa_urls: list[str], model: Path, token: str = "") -> list[str]:
    """PUT the model into every Rasa node; return each node's new model id."""
    params = {"token": token} if token else {}
    model_ids = []
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for url in rasa_urls:
            body = {"model_file": str(model)}
            async with session.put(f"{url}/model", json=body, params=params) as response:
                if response.status != 204:
                    raise RuntimeError(f"{url} refused the model: {await response.text()}")
            async with session.get(f"{url}/status", params=params) as response:
                model_ids.append((await response.json())["model_id"])
    return model_ids


async def promote(
    store: ModelStore, candidate: Path, rasa_urls: list[str], token: str = "", by: str = "-"
) -> list[str]:
    before = store.live().get("current")
    store.install(candidate)
    try:
        ids = await load_into_rasa(rasa_urls, store.current, token)
    except Exception:
        # Files and servers must keep matching: restore the old model everywhere, nodes that
        # already switched included.
        store.swap_back()
        await load_into_rasa(rasa_urls, store.current, token)
        raise
    store.record(candidate.name, by, "promoted", before)
    return ids


class AlreadyRolledBack(RuntimeError):
    """A rollback is undone by promoting again: a second one would bring back the model that was
    just judged bad."""


async def rollback(
    store: ModelStore, rasa_urls: list[str], token: str = "", by: str = "-"
) -> list[str]:
    live = store.live()
    if live.get("current", {}).get("how") == "rolled back":
        raise AlreadyRolledBack("already rolled back: promote a model to change it again")
    store.swap_back()
    ids = await load_into_rasa(rasa_urls, store.current, token)
    back_to = (live.get("previous") or {}).get("model", store.previous.name)
    store.record(back_to, by, "rolled back", live.get("current"))
    return ids
