"""The slot copy and the rule matching of bot/deploy/dialogue_patches.py give Rasa's results."""

from __future__ import annotations

import copy
import json
import random
import tarfile
from pathlib import Path

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.slots import Slot, TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot.deploy import dialogue_patches, rasa_patches
from bot.testing.processes import PROJECT_ROOT

rasa_patches.install()
RASAS_GET_POSSIBLE_KEYS = dialogue_patches.RASAS_GET_POSSIBLE_KEYS


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(PROJECT_ROOT / "domain.yml")


def generic_copy(slot: Slot) -> Slot:
    """What ``copy.copy`` did before the patch."""
    return copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # type: ignore[attr-defined]


def test_a_copied_slot_is_the_generic_copy_and_independent(domain: Domain) -> None:
    assert domain.slots, "the project's domain has slots"
    for slot in domain.slots:
        copied = copy.copy(slot)
        assert type(copied) is type(slot) and copied is not slot
        assert vars(copied) == vars(generic_copy(slot))
        copied.value = "changed"
        assert slot.value != "changed" or slot.initial_value == "changed"


def test_trackers_built_with_the_fast_copy_hold_the_same_state(domain: Domain) -> None:
    events = [
        ActionExecuted("action_listen"),
        UserUttered("where is 10001", {"name": "track_order", "confidence": 0.9}),
        SlotSet("order_id", "10001"),
        ActionExecuted("action_listen"),
    ]
    tracker = DialogueStateTracker.from_events("s1", events, domain.slots)
    replayed = [prior.get_slot("order_id") for prior, _ in tracker.generate_all_prior_trackers()]
    assert replayed == [None, "10001", "10001"]
    assert tracker.get_slot("order_id") == "10001"
    assert next(s for s in domain.slots if s.name == "order_id").value is None, "not shared"


def test_a_slot_class_with_its_own_state_keeps_the_generic_copy() -> None:
    class SlottedText(TextSlot):
        __slots__ = ("extra",)

    slot = SlottedText("note", mappings=[])
    slot.extra = "kept"
    assert dialogue_patches._state_is_the_dict(TextSlot)
    assert not dialogue_patches._state_is_the_dict(SlottedText)
    assert copy.copy(slot).extra == "kept"


@pytest.fixture(scope="module")
def rule_lookup(trained_model: Path) -> dict:
    with tarfile.open(trained_model) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("rule_policy.json"))
        return json.load(archive.extractfile(member))["lookup"]  # type: ignore[arg-type]


def conversations(rule_keys: list[str], count: int) -> list[list[dict]]:
    """Histories built from the rules' own states: rules after other rules, after long
    prefixes, alone, and with a feature dropped from the latest state."""
    rules = [json.loads(key) for key in rule_keys]
    every_state = [state for rule in rules for state in rule if state]
    rng = random.Random(17)
    histories = [list(rule) for rule in rules]
    for _ in range(count):
        history = rng.sample(every_state, rng.randint(0, 12)) + list(rng.choice(rules))
        if rng.random() < 0.3 and history[-1]:
            latest = {kind: dict(sub) for kind, sub in history[-1].items()}
            kind = rng.choice(sorted(latest))
            latest[kind].pop(rng.choice(sorted(latest[kind])), None)
            history[-1] = latest
        histories.append(history)
    return histories


@pytest.mark.parametrize("table", ["rules", "rules_for_loop_unhappy_path"])
def test_rule_matching_finds_exactly_rasas_rules(rule_lookup: dict, table: str) -> None:
    assert RulePolicy._get_possible_keys is dialogue_patches._get_possible_keys
    assert RASAS_GET_POSSIBLE_KEYS.__module__ == "rasa.core.policies.rule_policy"
    policy = RulePolicy.__new__(RulePolicy)
    lookup = rule_lookup[table]
    assert len(lookup) > 20, "the project's model has rules to match"
    matched = 0
    for history in conversations(sorted(lookup), 1500):
        expected = RASAS_GET_POSSIBLE_KEYS(policy, lookup, history)
        assert dialogue_patches._get_possible_keys(policy, lookup, history) == expected
        matched += bool(expected)
    assert matched > 500, "most histories end in a rule, so matches are compared too"
