"""Two dialogue-state hot paths of Rasa 3.6 made cheaper, with the same results.

Both showed in the py-spy profile of the Rasa process at 50 customers (profile-s6-big,
BENCHMARKS.md "Session of 2026-12-05"):

- **Copying a slot** (4.5 % of the busy samples). Every tracker Rasa builds copies each domain
  slot with ``copy.copy``, and the rule and memoization policies replay a tracker event by
  event (``generate_all_prior_trackers``), building a new one per turn of the conversation.
  ``copy.copy`` of a plain object goes through ``__reduce_ex__`` and ``copyreg``; for a slot
  that is a new instance of the same class with the same attribute dict, which ``__copy__`` now
  builds directly. A slot class with its own pickling methods or ``__slots__`` (a custom slot
  type, say) keeps the generic route.
- **Matching the rules** (``RulePolicy._get_possible_keys``, 6 % of the busy samples). For every
  state of the conversation, newest first, it filtered every remaining rule, parsing each rule
  key (an lru cache lookup and a reversed copy) per rule per state, and went on to the first
  state of the conversation although no rule is longer than three states. Here each rule's
  states are reversed once, and the walk stops as soon as every remaining rule is shorter than
  the distance walked: from there on Rasa's check answers "applicable" for every one of them.
  The state check itself is Rasa's (``_does_rule_match_state``).
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import State
from rasa.shared.core.slots import Slot

RASAS_GET_POSSIBLE_KEYS = RulePolicy._get_possible_keys  # kept for the equivalence test

# rule key (the JSON of its states) -> those states, newest first; keys come from the loaded
# model's lookup, so this holds at most the rules of the models this process has loaded
_REVERSED_RULE_STATES: dict[str, list[State]] = {}


@functools.cache
def _state_is_the_dict(cls: type) -> bool:
    """Whether ``copy.copy`` of a ``cls`` instance is a new instance with its ``__dict__``."""
    own = ("__slots__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__")
    return not any(vars(klass).get(name) for klass in cls.__mro__[:-1] for name in own)


def _copy_slot(slot: Slot) -> Slot:
    cls = type(slot)
    if not _state_is_the_dict(cls):
        return copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # type: ignore[attr-defined]
    duplicate = cls.__new__(cls)
    duplicate.__dict__.update(slot.__dict__)
    return duplicate


def _reversed_rule_states(rule_key: str) -> list[State]:
    states = _REVERSED_RULE_STATES.get(rule_key)
    if states is None:
        states = _REVERSED_RULE_STATES[rule_key] = list(reversed(json.loads(rule_key)))
    return states


def _rule_state_applies(rule_states: list[State], turn_index: int, state: State) -> bool:
    """Rasa's ``_is_rule_applicable`` for one rule (states newest first) at ``turn_index``."""
    if turn_index >= len(rule_states):
        return True
    rule_state = rule_states[turn_index]
    current_previous_action = state.get(PREVIOUS_ACTION)
    rule_previous_action = rule_state.get(PREVIOUS_ACTION)
    if not rule_previous_action and not current_previous_action:
        return True
    if not rule_previous_action or not current_previous_action:
        return False
    return RulePolicy._does_rule_match_state(rule_state, state)


def _get_possible_keys(self: RulePolicy, lookup: dict[str, Any], states: list[State]) -> set[str]:
    possible = {key: _reversed_rule_states(key) for key in lookup}
    for turn_index, state in enumerate(reversed(states)):
        if all(len(rule) <= turn_index for rule in possible.values()):
            break  # every remaining rule applies at this and every earlier turn
        possible = {
            key: rule
            for key, rule in possible.items()
            if _rule_state_applies(rule, turn_index, state)
        }
    return set(possible)


def install() -> None:
    Slot.__copy__ = _copy_slot  # type: ignore[attr-defined]
    RulePolicy._get_possible_keys = _get_possible_keys  # type: ignore[method-assign]
