"""The promotion gate and the model store: refuse regressions, keep files and servers in step."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.training.evaluate import ModelEvaluation, intent_report
from bot.training.gate import compare
from bot.training.promote import ModelStore


def evaluation(gold: list[str], predicted: list[str], known: set[str]) -> ModelEvaluation:
    return ModelEvaluation(intent_report(gold, predicted), frozenset(known))


GOLD = ["track", "track", "cancel", "cancel", "gift", "gift"]


def test_report_counts_per_intent() -> None:
    report = intent_report(GOLD, ["track", "cancel", "cancel", "cancel", "gift", "track"])
    assert report.per_intent["cancel"].recall == 1.0
    assert report.per_intent["cancel"].precision == pytest.approx(2 / 3, abs=1e-3)
    assert report.per_intent["track"].support == 2
    assert report.accuracy == pytest.approx(4 / 6, abs=1e-3)


def test_new_intent_that_costs_nothing_is_promoted() -> None:
    live = evaluation(
        GOLD, ["track", "track", "cancel", "cancel", "track", "cancel"], {"track", "cancel"}
    )
    candidate = evaluation(GOLD, GOLD, {"track", "cancel", "gift"})
    decision = compare(live, candidate, margin=0.02)
    assert decision.promote
    assert decision.new_intents == ["gift"]
    assert decision.deltas["gift"] == 1.0


def test_candidate_that_hurts_a_known_intent_is_refused() -> None:
    live = evaluation(GOLD, GOLD, {"track", "cancel", "gift"})
    candidate = evaluation(
        GOLD, ["gift", "track", "cancel", "cancel", "gift", "gift"], {"track", "cancel", "gift"}
    )
    decision = compare(live, candidate, margin=0.02)
    assert not decision.promote
    assert list(decision.regressions) == ["track", "gift"]  # worst first
    assert "track" in decision.summary()


def test_drop_within_margin_is_tolerated() -> None:
    live = evaluation(GOLD, GOLD, {"track", "cancel", "gift"})
    candidate = evaluation(GOLD, GOLD, {"track", "cancel", "gift"})
    assert compare(live, candidate, margin=0.0).promote


def write_model(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.with_name(path.name.removesuffix(".tar.gz") + ".fingerprint").write_text(content + "-fp")
    return path


def test_install_keeps_previous_and_swap_back_restores(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    write_model(store.current, "v1")
    candidate = write_model(tmp_path / "candidates" / "candidate-1.tar.gz", "v2")
    store.install(candidate)
    assert store.current.read_text() == "v2"
    assert store.previous.read_text() == "v1"
    assert (tmp_path / "assistant.fingerprint").read_text() == "v2-fp"
    store.swap_back()
    assert store.current.read_text() == "v1"
    assert store.previous.read_text() == "v2"
    assert (tmp_path / "assistant.fingerprint").read_text() == "v1-fp"
    assert sorted(p.name for p in tmp_path.glob("rollback-staging*")) == []


def test_swap_back_without_previous_fails_clearly(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    write_model(store.current, "v1")
    with pytest.raises(FileNotFoundError):
        store.swap_back()
