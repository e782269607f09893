"""Per-turn costs of Rasa 3.6 removed; installed by the tracker store module importing this one.

The first two are pure functions of values fixed once the process has imported its event classes and
Rasa's schema, so caching them cannot change a result:

- ``Event.resolve_by_type`` walks every subclass of ``Event`` (a recursive list with an
  ``inspect.isabstract`` check per class) for *each* event it deserialises: a tracker of 60
  events walks the class tree 60 times. We keep a name -> class map and rebuild it only when a
  name is missing (a class imported later, e.g. a custom event).
- ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which checks the
  schema against the meta-schema and builds a new validator for every action response. We
  check and build once and reuse the validator; errors are the same ``best_match`` error.
  Most of a validation was the ``oneOf`` over the 23 event types, tried for every event. Every
  branch pins ``event`` to one name, so an event can only match the branch of its own name: a
  response is first checked event by event against that branch alone (ten times faster), and
  only a response that fails this gets the full schema, whose verdict and error are Rasa's.

``WhitespaceTokenizer.tokenize`` passes its pattern to ``regex.sub`` as a string, and the
``regex`` module's cache lookup (an import, a locale check) cost more than the substitution:
3 % of the Rasa process. The same pattern is compiled once here; tokens are unchanged.

The other two are how Rasa calls the action server (and any other endpoint), 12 % of the Rasa
process's busy time in the profile (BENCHMARKS.md, "A cheaper turn"):

- ``EndpointConfig.request`` opened a new ``aiohttp.ClientSession``, so a new TCP connection, for
  every action call. ``EndpointConfig.session`` now hands out one keep-alive session per endpoint
  and event loop, which the ``async with`` in Rasa's code no longer closes. Idle connections are
  dropped after 4 s, before the Sanic action server's 5 s keep-alive closes them under us.
- aiohttp encoded the ``json=`` body (tracker with every event, plus the domain) with the
  standard library; ``ujson`` (already in Rasa's lock) writes the same JSON in a third of the
  time. A body ujson cannot encode falls back to the standard library.

The slot copy and the rule matching of the dialogue policies are in ``dialogue_patches``, which
``install()`` installs too. The tracker store module (bot/deploy/tracker_store.py) imports this,
so any Rasa process whose endpoints name our tracker store gets every patch; ``install()`` is
idempotent.
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from typing import Any

import aiohttp
import rasa.shared.utils.common
import regex
import ujson
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.endpoints import EndpointConfig

from bot.deploy import dialogue_patches

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


@cache
def _validators_by_event() -> tuple[Any, dict[str, Any]]:
    """A validator for the response without its events, and one per event name."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = type(_action_result_validator())
    item = schema["properties"]["events"]["items"]
    shared = {key: value for key, value in item.items() if key != "oneOf"}
    by_event = {
        branch["properties"]["event"]["const"]: validator_class({**shared, "allOf": [branch]})
        for branch in item["oneOf"]
    }
    events = {**schema["properties"]["events"], "items": {}}
    rest = validator_class({**schema, "properties": {**schema["properties"], "events": events}})
    return rest, by_event


def passes_by_event(result: Any) -> bool:
    """True only if the full schema accepts ``result`` (False: ask the full schema)."""
    rest, by_event = _validators_by_event()
    if not rest.is_valid(result):
        return False
    for event in result.get("events") or ():
        name = event.get("event") if isinstance(event, dict) else None
        validator = by_event.get(name) if isinstance(name, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check with the validator built once; same error and message on a bad response."""
    from jsonschema.exceptions import best_match

    if passes_by_event(result):
        return True
    error = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from "
        f"the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


_ORIGINAL_REQUEST = EndpointConfig.request
KEEP_ALIVE_SECONDS = 4.0


class _KeptSession:
    """``async with`` support that leaves the shared session open for the next request."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_exc: object) -> None:
        return None


def _session(self: EndpointConfig) -> _KeptSession:
    """One keep-alive ``ClientSession`` per endpoint and event loop, configured like Rasa's."""
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get("_kept_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = self.basic_auth and aiohttp.BasicAuth(
            self.basic_auth["username"], self.basic_auth["password"]
        )
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth or None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
        )
        kept = self.__dict__["_kept_session"] = (loop, session)
    return _KeptSession(kept[1])


def dumps(value: Any) -> str:
    """``value`` as JSON text escaped to ASCII like the standard library's (so any string, even a
    lone surrogate, survives ``.encode()``), by ujson; what ujson refuses gets the standard
    library's answer (its error, for nesting too deep)."""
    try:
        return ujson.dumps(value, escape_forward_slashes=False)
    except (TypeError, OverflowError, ValueError):
        return json.dumps(value)


def encode_json(body: Any) -> bytes:
    """The request body as JSON bytes (see ``dumps``)."""
    return dumps(body).encode()


async def _request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    """Rasa's request with a ``json=`` body pre-encoded (same bytes a JSON reader sees)."""
    if "json" in kwargs:
        kwargs["data"] = encode_json(kwargs.pop("json"))
        kwargs.setdefault("headers", {}).setdefault("Content-Type", "application/json")
    return await _ORIGINAL_REQUEST(self, *args, **kwargs)


ORIGINAL_TOKENIZE = WhitespaceTokenizer.tokenize  # the reference the tests compare with
# WhitespaceTokenizer.tokenize's pattern, verbatim (Rasa 3.6.21)
_NOT_A_WORD = regex.compile(
    r"[^\w#@&]+(?=\s|$)|"
    r"(\s|^)[^\w#@&]+(?=[^0-9\s])|"
    r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])"
)


def _tokenize(self: WhitespaceTokenizer, message: Message, attribute: str) -> list[Token]:
    """Rasa's whitespace tokenisation with its pattern compiled once."""
    text = message.get(attribute)
    words = [word for word in map(self.remove_emoji, _NOT_A_WORD.sub(" ", text).split()) if word]
    tokens = self._convert_words_to_tokens(words or [text], text)
    return self._apply_token_pattern(tokens)


def install() -> None:
    dialogue_patches.install()
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    EndpointConfig.session = _session  # type: ignore[method-assign]
    EndpointConfig.request = _request  # type: ignore[method-assign]
    WhitespaceTokenizer.tokenize = _tokenize  # type: ignore[method-assign]
