"""Train-if-stale: the fingerprint changes exactly when a training input changes."""

from __future__ import annotations

from pathlib import Path

from bot.training.model import fingerprint, is_stale
from bot.training.store import ModelStore


def make_project(root: Path) -> None:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("pipeline: []\n")
    (root / "domain.yml").write_text("intents: [greet]\n")
    (root / "data" / "nlu" / "a.yml").write_text("nlu: []\n")


def test_fingerprint_is_stable_and_sensitive(tmp_path: Path) -> None:
    make_project(tmp_path)
    first = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == first
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: [x]\n")
    assert fingerprint(tmp_path) != first


def test_new_data_file_changes_fingerprint(tmp_path: Path) -> None:
    make_project(tmp_path)
    before = fingerprint(tmp_path)
    (tmp_path / "data" / "nlu" / "b.yml").write_text("nlu: []\n")
    assert fingerprint(tmp_path) != before


def test_stale_until_stamp_matches(tmp_path: Path) -> None:
    make_project(tmp_path)
    models = tmp_path / "models"
    store = ModelStore(models, tmp_path / "var" / "training")
    assert is_stale(store, tmp_path)
    models.mkdir()
    store.current.write_bytes(b"model")
    assert is_stale(store, tmp_path)  # no fingerprint yet
    (models / "assistant.fingerprint").write_text(fingerprint(tmp_path))
    assert not is_stale(store, tmp_path)
    (tmp_path / "domain.yml").write_text("intents: [greet, goodbye]\n")
    assert is_stale(store, tmp_path)
