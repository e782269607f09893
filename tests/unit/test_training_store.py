"""The training contract: one ModelStore names every file of the learning loop (in the layout the
existing models/ and var/training/ already have), and a gate Decision reads back what it wrote."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.training.evaluate import ModelEvaluation
from bot.training.gate import compare
from bot.training.store import Decision, DecisionError, JobState, ModelStore

GOLD = ["greet"] * 5 + ["track_order"] * 5 + ["gift"]  # enough questions about the neighbour
EXAMPLES = [(f"question {n}", label) for n, label in enumerate(GOLD)]
CANDIDATE = "candidate-20260504T090000.tar.gz"


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models", tmp_path / "var" / "training")


def write_model(path: Path, content: str, fingerprint: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    if fingerprint is not None:
        path.with_name(path.name.removesuffix(".tar.gz") + ".fingerprint").write_text(fingerprint)
    return path


def a_decision(candidate: Path | str, regress: bool = False) -> Decision:
    known = frozenset({"greet", "track_order"})
    current = ModelEvaluation.of(GOLD, [*GOLD[:-1], "greet"], known)
    predicted = ["track_order", "track_order", *GOLD[2:]] if regress else GOLD
    challenger = ModelEvaluation.of(GOLD, predicted, known | {"gift"})
    gate = compare(current, challenger, 0.02, EXAMPLES)
    return Decision.of(candidate, gate, current.report, challenger.report, held_out=4, live=1)


def test_paths_follow_the_existing_layout(tmp_path: Path) -> None:
    settings = replace(Settings(), models_dir=tmp_path / "models", var_dir=tmp_path / "var")
    store = ModelStore.of(settings)
    models, training = (tmp_path / "models").resolve(), (tmp_path / "var" / "training").resolve()
    assert store.models_dir == models and store.training_dir == training
    assert store.current == models / "assistant.tar.gz"
    assert store.previous == models / "previous.tar.gz"
    assert store.history == models / "live.json"
    assert store.train_record == models / "assistant.train.json"
    assert store.fingerprint_file(store.current) == models / "assistant.fingerprint"
    assert store.candidates_dir == models / "candidates"
    assert store.last_candidate_run == models / "candidates" / "last-training.json"
    candidate = store.candidates_dir / CANDIDATE
    assert store.training_log(candidate) == candidate.with_name(CANDIDATE[:-7] + ".log")
    assert store.job_file == training / "job.json"
    assert store.decision_file(candidate) == training / f"decision-{CANDIDATE[:-7]}.json"
    assert store.decision_file(Path(CANDIDATE)) == store.decision_file(candidate)
    new = store.new_candidate()
    assert new.parent == store.candidates_dir and new.name.startswith("candidate-")
    assert new.name.endswith(".tar.gz")


def test_candidates_are_found_by_name_or_path_newest_last(store: ModelStore) -> None:
    assert store.latest_candidate() is None and store.candidates() == []
    older = write_model(store.candidates_dir / "candidate-20260101T000000.tar.gz", "a")
    newer = write_model(store.candidates_dir / CANDIDATE, "b")
    write_model(store.candidates_dir / "notes.tar.gz", "not a candidate")
    assert store.candidates() == [older, newer]
    assert store.latest_candidate() == newer
    assert store.candidate_named(CANDIDATE) == newer
    assert store.candidate_named("../assistant.tar.gz") is None  # a file name, never a path
    assert store.candidate(CANDIDATE) == newer
    assert store.candidate(str(older)) == older


def test_fingerprints_tell_whether_a_candidate_is_live(store: ModelStore) -> None:
    candidate = write_model(store.candidates_dir / CANDIDATE, "new")
    assert store.fingerprint_of(candidate) == "" and not store.is_live(candidate)
    store.stamp(candidate, "fp-1")
    assert store.fingerprint_file(candidate).read_text() == "fp-1\n"
    assert store.fingerprint_of(candidate) == "fp-1"
    assert not store.is_live(candidate)  # there is no live model
    write_model(store.current, "old", "fp-1\n")
    assert store.is_live(candidate)
    store.stamp(store.current, "fp-0")
    assert not store.is_live(candidate)


def test_job_state_round_trips_and_records_a_failure(store: ModelStore) -> None:
    assert store.job() == JobState()  # no job file yet: idle
    state = JobState.started()
    store.save_job(state)
    assert store.job() == state and state.status == "running" and state.started_at
    state.fail("rasa train exited with 1")
    store.save_job(state)
    on_disk = json.loads(store.job_file.read_text())
    assert on_disk["status"] == "failed" and on_disk["error"] == "rasa train exited with 1"
    assert on_disk["finished_at"] and store.job() == state
    assert [path.name for path in store.training_dir.iterdir()] == ["job.json"]


def test_decision_round_trips_in_the_format_compare_writes(store: ModelStore) -> None:
    candidate = store.candidates_dir / CANDIDATE
    decision = a_decision(candidate)
    assert store.decision(candidate) is None and not store.gate_passed(candidate)
    path = store.save_decision(decision)
    assert path == store.decision_file(candidate)
    record = json.loads(path.read_text())
    assert list(record) == [
        "candidate", "promote", "margin", "deltas", "regressions", "new_intents", "takes_from",
        "too_few", "changes", "summary", "test_questions", "current", "candidate_report",
    ]  # fmt: skip
    assert record["candidate"] == str(candidate)
    assert record["test_questions"] == {"held_out": 4, "live": 1}
    assert record["current"]["per_intent"]["greet"]["recall"] == 1.0
    assert record["changes"][0]["words"].endswith("(right now)")
    loaded = Decision.load(path)
    assert loaded == store.decision(candidate)
    assert loaded.as_dict() == record
    assert loaded.new_intents == ["gift"] and loaded.promote
    assert loaded.candidate_report.per_intent["gift"].recall == 1.0
    assert store.gate_passed(candidate)


def test_a_refused_decision_does_not_pass_the_gate(store: ModelStore) -> None:
    candidate = store.candidates_dir / CANDIDATE
    store.save_decision(a_decision(candidate, regress=True))
    decision = store.decision(candidate)
    assert decision is not None and not decision.promote
    assert decision.regressions == {"greet": -0.4}
    assert not store.gate_passed(candidate)


def test_a_decision_counts_against_the_live_model_it_was_compared_with(
    store: ModelStore,
) -> None:
    candidate = store.candidates_dir / CANDIDATE
    assert store.decided_at(candidate) is None and not store.decision_is_current(candidate)
    store.save_decision(a_decision(candidate))
    assert store.decision_is_current(candidate)  # no live model yet
    write_model(store.current, "live")
    decided = store.decided_at(candidate)
    assert decided is not None
    os.utime(store.current, (decided - 10, decided - 10))
    assert store.decision_is_current(candidate)
    os.utime(store.current, (decided + 10, decided + 10))  # a model promoted since
    assert not store.decision_is_current(candidate)


def test_a_missing_decision_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DecisionError, match="no gate decision at .*: compare the candidate"):
        Decision.load(tmp_path / "decision-candidate-1.json")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "cannot read the gate decision"),
        ("", "cannot read the gate decision"),
        ("[1, 2]", "is not a gate decision"),
        ('{"candidate": "x", "promote": true}', "is not a gate decision"),
    ],
)
def test_a_damaged_decision_file_is_a_clear_error(
    store: ModelStore, content: str, says: str
) -> None:
    candidate = store.candidates_dir / CANDIDATE
    path = store.decision_file(candidate)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(DecisionError, match=says):
        Decision.load(path)
    with pytest.raises(DecisionError):
        store.gate_passed(candidate)


def test_a_decision_with_an_unknown_field_is_refused(store: ModelStore) -> None:
    path = store.save_decision(a_decision(store.candidates_dir / CANDIDATE))
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "surprise": 1}))
    with pytest.raises(DecisionError, match="surprise"):
        Decision.load(path)


def test_install_and_rollback_keep_history_beside_the_models(store: ModelStore) -> None:
    write_model(store.current, "v1", "fp-1")
    candidate = write_model(store.candidates_dir / CANDIDATE, "v2", "fp-2")
    store.install(candidate)
    assert store.current.read_text() == "v2" and store.previous.read_text() == "v1"
    assert store.fingerprint_of(store.current) == "fp-2"
    assert store.fingerprint_of(store.previous) == "fp-1"
    assert store.live()["current"]["how"] == "installed"
    store.record(CANDIDATE, "admin", "promoted", {"model": "assistant.tar.gz"})
    store.decide_data("gift", kept=False, by="admin")
    live = json.loads(store.history.read_text())
    assert live["current"]["model"] == CANDIDATE and live["previous"]["model"] == "assistant.tar.gz"
    assert live["data_decisions"]["gift"]["kept"] is False
    store.swap_back()
    assert store.current.read_text() == "v1" and store.fingerprint_of(store.current) == "fp-1"
    assert sorted(path.name for path in store.models_dir.glob("*.tmp")) == []


def test_the_file_is_byte_for_byte_the_one_nlu_compare_wrote_before(store: ModelStore) -> None:
    """Decision files already on disk (and those still written elsewhere) keep working."""
    candidate = store.candidates_dir / CANDIDATE
    known = frozenset({"greet", "track_order"})
    current = ModelEvaluation.of(GOLD, [*GOLD[:-1], "greet"], known)
    challenger = ModelEvaluation.of(GOLD, GOLD, known | {"gift"})
    gate = compare(current, challenger, 0.02, EXAMPLES)
    earlier = {
        "candidate": str(candidate),
        **gate.as_dict(),
        "test_questions": {"held_out": 4, "live": 1},
        "current": current.report.as_dict(),
        "candidate_report": challenger.report.as_dict(),
    }
    path = store.save_decision(a_decision(candidate))
    assert path.read_text() == json.dumps(earlier, indent=2)
    path.write_text(json.dumps(earlier))  # as the tests wrote it, not indented
    assert Decision.load(path).as_dict() == json.loads(json.dumps(earlier))
