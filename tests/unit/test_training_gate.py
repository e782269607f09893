"""The promotion gate and the model store: judge every topic as customers would (the right
answer, FAQ answers included), list what changed in words, keep files and servers in step."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.testing.project import sqlite_url
from bot.training.evaluate import ModelEvaluation, domain_labels, intent_report, predicted_label
from bot.training.gate import compare, topic_words
from bot.training.promote import AlreadyRolledBack, rollback
from bot.training.store import ModelStore

GOLD = ["track", "track", "cancel", "cancel", "gift", "gift"]
EXAMPLES = [(f"question {n}", label) for n, label in enumerate(GOLD)]


def evaluation(gold: list[str], predicted: list[str], known: set[str]) -> ModelEvaluation:
    return ModelEvaluation.of(gold, predicted, frozenset(known))


def test_report_counts_per_intent() -> None:
    report = intent_report(GOLD, ["track", "cancel", "cancel", "cancel", "gift", "track"])
    assert report.per_intent["cancel"].recall == 1.0
    assert report.per_intent["cancel"].precision == pytest.approx(2 / 3, abs=1e-3)
    assert report.per_intent["track"].support == 2
    assert report.accuracy == pytest.approx(4 / 6, abs=1e-3)


def test_faq_questions_are_judged_by_the_answer_they_get() -> None:
    parse = {
        "intent": {"name": "faq"},
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "default": {"response": {"intent_response_key": "faq/restock"}},
        },
    }
    assert predicted_label(parse) == "faq/restock"
    assert predicted_label({"intent": {"name": "greet"}}) == "greet"
    assert domain_labels(["faq", "greet"], {"utter_faq/restock": [], "utter_greet": []}) == {
        "faq", "greet", "faq/restock",
    }  # fmt: skip
    # a live message labelled just "faq" is answered right by any FAQ answer
    scored = ModelEvaluation.of(
        ["faq", "faq/gift_wrap"], ["faq/restock", "faq/restock"], frozenset()
    )
    assert scored.predictions == ("faq", "faq/restock")
    assert topic_words("faq/gift_wrap") == "the gift wrap answer"


def test_new_intent_that_costs_nothing_is_promoted() -> None:
    gold = ["track"] * 5 + ["cancel"] * 5 + ["gift", "gift"]
    examples = [(f"question {n}", label) for n, label in enumerate(gold)]
    live = evaluation(gold, [*gold[:10], "track", "cancel"], {"track", "cancel"})
    candidate = evaluation(gold, gold, {"track", "cancel", "gift"})
    decision = compare(live, candidate, 0.02, examples)
    assert decision.promote, decision.summary()
    assert decision.new_intents == ["gift"]
    assert decision.deltas["gift"] == 1.0
    assert decision.takes_from == ["cancel", "track"]
    assert [change.words() for change in decision.changes] == [
        "1 question that got the cancel answer now gets the gift answer (right now)",
        "1 question that got the track answer now gets the gift answer (right now)",
    ]


def test_candidate_that_hurts_a_known_intent_is_refused() -> None:
    live = evaluation(GOLD, GOLD, {"track", "cancel", "gift"})
    candidate = evaluation(
        GOLD, ["gift", "track", "cancel", "cancel", "gift", "gift"], {"track", "cancel", "gift"}
    )
    decision = compare(live, candidate, 0.02, EXAMPLES)
    assert not decision.promote
    assert decision.regressions == {"track": -0.5}
    assert decision.summary() == (
        "not ready: it picks the track answer (-50 points) right less often, "
        "more than the allowed 2 points"
    )
    assert decision.changes[0].examples == ("question 0",)


def test_a_neighbour_with_too_few_test_questions_cannot_be_judged() -> None:
    gold = ["track", "track", "track", "track", "track", "cancel", "gift"]
    examples = [(f"q{n}", label) for n, label in enumerate(gold)]
    live = evaluation(gold, [*gold[:6], "cancel"], {"track", "cancel"})
    candidate = evaluation(gold, gold, {"track", "cancel", "gift"})
    decision = compare(live, candidate, 0.02, examples)
    assert decision.too_few == ["cancel"] and not decision.promote
    assert decision.summary().startswith(
        "cannot tell yet: fewer than 5 test questions about the cancel"
    )


def test_no_change_passes_even_without_margin() -> None:
    live = evaluation(GOLD, GOLD, {"track", "cancel", "gift"})
    candidate = evaluation(GOLD, GOLD, {"track", "cancel", "gift"})
    decision = compare(live, candidate, 0.0, EXAMPLES)
    assert decision.promote and decision.changes == []


def write_model(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.with_name(path.name.removesuffix(".tar.gz") + ".fingerprint").write_text(content + "-fp")
    return path


def test_install_keeps_previous_and_swap_back_restores(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, tmp_path / "training")
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
    store = ModelStore(tmp_path, tmp_path / "training")
    write_model(store.current, "v1")
    with pytest.raises(FileNotFoundError):
        store.swap_back()


def test_a_rollback_is_not_rolled_back_again(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, tmp_path / "training")
    write_model(store.current, "v1")
    write_model(store.previous, "v0")
    store.record("v1", "admin", "rolled back", {"model": "v2", "since": "", "by": "admin"})
    with pytest.raises(AlreadyRolledBack):
        asyncio.run(rollback(store, []))
    assert store.current.read_text() == "v1"


def test_comparing_on_a_fresh_checkout_uses_the_written_questions_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from bot.settings import Settings
    from bot.training.commands import _live_questions

    never_migrated = sqlite_url(tmp_path / "cx.db")
    project = Path(__file__).resolve().parents[2]
    settings = replace(Settings(), cx_database_url=never_migrated, project_dir=project)
    assert _live_questions(settings) == []
    assert "CX log database is not set up" in capsys.readouterr().out
