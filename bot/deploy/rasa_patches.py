"""Two per-turn costs of Rasa 3.6 removed by memoisation; installed by importing this module.

Both are pure functions of values fixed once the process has imported its event classes and
Rasa's schema, so caching them cannot change a result:

- ``Event.resolve_by_type`` walks every subclass of ``Event`` (a recursive list with an
  ``inspect.isabstract`` check per class) for *each* event it deserialises: a tracker of 60
  events walks the class tree 60 times. We keep a name -> class map and rebuild it only when a
  name is missing (a class imported later, e.g. a custom event).
- ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which checks the
  schema against the meta-schema and builds a new validator for every action response. We
  check and build once and reuse the validator; errors are the same ``best_match`` error.

The tracker store module (bot/deploy/tracker_store.py) imports this, so any Rasa process whose
endpoints name our tracker store gets both patches; ``install()`` is idempotent.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import rasa.shared.utils.common
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

_ORIGINAL_RESOLVE = Event.resolve_by_type
_event_classes: dict[str, type[Event]] = {}


def _refresh_event_classes() -> None:
    _event_classes.clear()
    # setdefault: the first class in Rasa's own walk order wins, exactly like the original loop
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        _event_classes.setdefault(cls.type_name, cls)


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """``Event.resolve_by_type`` from a map; unknown names take Rasa's own path."""
    cls = _event_classes.get(type_name)
    if cls is None:
        _refresh_event_classes()
        cls = _event_classes.get(type_name)
    if cls is not None:
        return cls
    return _ORIGINAL_RESOLVE(type_name, default)


@cache
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check with the validator built once; same error and message on a bad response."""
    from jsonschema.exceptions import best_match

    error = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from "
        f"the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
