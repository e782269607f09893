"""Rasa tracker events → redacted CX events, the only form that is spooled, queued or projected.

A CX event keeps just what the CX log needs (texts, intents, entities, actions, a few slots),
already redacted. Its ``event_id`` is a SHA-256 of the sender id and the raw event's canonical
JSON: Rasa events carry no id, and the hash is what makes spool replays and broker redeliveries
idempotent. Events the log has no use for (``action_listen``, featurization, loops...) map to
``None`` and are dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.cxlog.funnels import CONFIRMING_SLOT, FLOW_SLOTS, REQUESTED_SLOT, TASK_SUCCESS_SLOT
from bot.cxlog.redaction import (
    PII_ENTITY_KINDS,
    Redaction,
    Redactor,
    name_digest,
    name_words,
)

log = logging.getLogger(__name__)

FEEDBACK_SLOTS = ("csat", "nps", "feedback_comment")
# Set by our own actions only: the customer id a signed token proved (actions/session.py). Raw
# message metadata is never believed for it, since anyone can post metadata to the REST channel.
CUSTOMER_ID_SLOT = "customer_id"
HANDOFF_REASON_SLOT = "handoff_reason"
# Message metadata the widget gateway adds to each customer turn (bot/livechat/gateway.py).
CHANNEL_METADATA_KEY = "cx_channel"
PAGE_METADATA_KEY = "cx_page"
WIDGET_CHANNEL = "widget"
# Bot events the live chat appends for a human agent carry the agent's login under this key, and
# the display name the customer read under the next (the login stays the stable id to count by).
AGENT_METADATA_KEY = "handoff_agent"
AGENT_NAME_METADATA_KEY = "handoff_agent_name"
MAX_PAGE_CHARS = 255
KEPT_TYPES = frozenset(
    {"user", "bot", "action", "slot", "session_started", "restart", "pause", "resume"}
)
MAX_RANKING = 10
MAX_ID_CHARS = 64


def event_id(raw: dict[str, Any]) -> str:
    """Stable id of a raw broker event (which includes ``sender_id``)."""
    canonical = json.dumps(
        raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class NameBook:
    """Digests of each recent conversation's name words, bounded (least recently used go first).

    The store persists the digests on the conversation; this cache lets redaction work while the
    store is unreachable and saves a query per batch. A conversation counts as known once its
    stored digests were merged in (:meth:`merge_stored`), not merely because it was seen.
    """

    def __init__(self, max_conversations: int = 10_000) -> None:
        self._digests: OrderedDict[str, set[str]] = OrderedDict()
        self._loaded: set[str] = set()
        self._max = max_conversations

    def __contains__(self, sender_id: str) -> bool:
        return sender_id in self._loaded

    def get(self, sender_id: str) -> set[str]:
        digests = self._digests.setdefault(sender_id, set())
        self._digests.move_to_end(sender_id)
        while len(self._digests) > self._max:
            evicted, _ = self._digests.popitem(last=False)
            self._loaded.discard(evicted)
        return digests

    def merge_stored(self, sender_id: str, digests: Iterable[str]) -> None:
        self.get(sender_id).update(digests)
        self._loaded.add(sender_id)

    def learn(self, sender_id: str, value: object) -> list[str]:
        """Remember the words of a name; return their digests."""
        if not isinstance(value, str):
            return []
        new = [name_digest(sender_id, word) for word in name_words(value)]
        self.get(sender_id).update(new)
        return new


@dataclass
class Sanitizer:
    """Turns raw events into redacted CX events; one per process, it keeps the name book."""

    redactor: Redactor
    name_slots: frozenset[str]
    names: NameBook = field(default_factory=NameBook)

    def sanitize(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            return None
        sender_id = raw.get("sender_id")
        kind = raw.get("event")
        if not isinstance(sender_id, str) or not sender_id or kind not in KEPT_TYPES:
            return None
        timestamp = raw.get("timestamp")
        if not isinstance(timestamp, int | float):
            return None
        base = {
            "event_id": event_id(raw),
            "sender_id": sender_id[:255],
            "event": kind,
            "timestamp": float(timestamp),
        }
        metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        if model_id := _short_id(metadata.get("model_id")):
            base["model_id"] = model_id
        details = _SANITIZERS.get(kind, _no_details)(self, raw, sender_id)
        if details is None:
            return None
        return {**base, **details}

    def sanitize_all(self, raws: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [event for raw in raws if (event := self.sanitize(raw)) is not None]

    def _text(self, text: object, sender_id: str) -> str | None:
        if not isinstance(text, str):
            return None
        return self.redactor.redact(text, sender_id, self.names.get(sender_id))

    def _user(self, raw: dict[str, Any], sender_id: str) -> dict[str, Any]:
        parse_data = raw.get("parse_data") if isinstance(raw.get("parse_data"), dict) else {}
        raw_entities = [e for e in parse_data.get("entities") or [] if isinstance(e, dict)]
        # Names the customer just gave ("I'm Anna") must be known before their text is redacted.
        learned: list[str] = []
        for entity in raw_entities:
            entity_type = str(entity.get("entity", ""))
            if entity_type in self.name_slots or _is_name_entity(entity_type):
                learned.extend(self.names.learn(sender_id, entity.get("value")))
        digests = self.names.get(sender_id)
        text = raw.get("text")
        message = self.redactor.scan(text, sender_id, digests) if isinstance(text, str) else None
        if message is not None:
            # ...and a name found in an introduction is redacted wherever it comes up later.
            for word in message.introduced_names:
                learned.extend(self.names.learn(sender_id, word))
        intent = parse_data.get("intent") if isinstance(parse_data.get("intent"), dict) else {}
        metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        if "customer_id" in metadata:
            log.warning("ignored an unsigned customer_id in a message's metadata")
        return {
            "text": message.text if message is not None else None,
            "intent": _short_id(intent.get("name"), 100),
            "confidence": _number(intent.get("confidence")),
            "entities": [self._entity(e, sender_id, digests, message) for e in raw_entities],
            "intent_ranking": _ranking(
                parse_data.get("intent_ranking"), parse_data.get("response_selector")
            ),
            "message_id": _short_id(raw.get("message_id")),
            "channel": _channel(raw.get("input_channel"), metadata),
            "host_page": _page(metadata.get(PAGE_METADATA_KEY)),
            "name_digests": sorted(set(learned)),
        }

    def _entity(
        self,
        entity: dict[str, Any],
        sender_id: str,
        digests: set[str],
        message: Redaction | None,
    ) -> dict[str, Any]:
        # Offsets point into the original text, which is not kept, so they are dropped.
        kept = {
            "entity": str(entity.get("entity", "")),
            "value": self.redactor.entity_value(entity, sender_id, digests, message),
        }
        for key in ("role", "group", "extractor", "confidence_entity"):
            if entity.get(key) is not None:
                kept[key] = entity[key]
        return kept

    def _bot(self, raw: dict[str, Any], sender_id: str) -> dict[str, Any]:
        metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        if "customer_id" in metadata:
            log.warning("ignored an unsigned customer_id in a message's metadata")
        return {
            "text": self._text(raw.get("text"), sender_id),
            "utter_action": _short_id(metadata.get("utter_action"), 100),
            "agent": _short_id(metadata.get(AGENT_METADATA_KEY), 100),
            "agent_name": _short_id(metadata.get(AGENT_NAME_METADATA_KEY), 100),
        }

    def _action(self, raw: dict[str, Any], _sender_id: str) -> dict[str, Any] | None:
        name = _short_id(raw.get("name"), 100)
        if name is None or name == "action_listen":
            return None
        return {"name": name, "policy": _short_id(raw.get("policy"), 100)}

    def _slot(self, raw: dict[str, Any], sender_id: str) -> dict[str, Any] | None:
        name, value = raw.get("name"), raw.get("value")
        if name in self.name_slots:
            return {"name": name, "name_digests": sorted(self.names.learn(sender_id, value))}
        if name == "feedback_comment":
            return {"name": name, "value": self._text(value, sender_id)}
        if name in ("csat", "nps"):
            return {"name": name, "value": _score(value)}
        if name == TASK_SUCCESS_SLOT:
            return {"name": name, "value": _truthy(value)}
        if name in (CUSTOMER_ID_SLOT, HANDOFF_REASON_SLOT):
            return {"name": name, "value": _short_id(value, 100)}
        if name in FLOW_SLOTS:
            return {"name": name, "value": _flow_value(name, value)}
        return None


def _no_details(_sanitizer: Sanitizer, _raw: dict[str, Any], _sender_id: str) -> dict[str, Any]:
    return {}


_SANITIZERS = {
    "user": Sanitizer._user,
    "bot": Sanitizer._bot,
    "action": Sanitizer._action,
    "slot": Sanitizer._slot,
}


def _is_name_entity(entity_type: str) -> bool:
    return PII_ENTITY_KINDS.get(entity_type.lower()) == "name"


def _short_id(value: object, limit: int = MAX_ID_CHARS) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text[:limit] or None


def _channel(input_channel: object, metadata: dict[str, Any]) -> str | None:
    """Rasa's input channel, or ``widget`` for turns the widget gateway relayed over REST."""
    if metadata.get(CHANNEL_METADATA_KEY) == WIDGET_CHANNEL:
        return WIDGET_CHANNEL
    return _short_id(input_channel)


def _page(value: object) -> str | None:
    """The embedding page without query string or fragment (those can carry emails, tokens)."""
    if not isinstance(value, str):
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:MAX_PAGE_CHARS]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _score(value: object) -> int | None:
    """A rating as an integer; free text (which could hold anything) is not kept."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 2:
        return int(value.strip())
    return None


def _flow_value(name: str, value: object) -> str | bool | None:
    """What the funnels need of a flow slot (bot.cxlog.funnels): the codes of the open question
    and of the next slot asked for; of an order, a return number or a complaint only whether it
    is there (their contents are the customer's)."""
    if name in (CONFIRMING_SLOT, REQUESTED_SLOT):
        return _short_id(value, 100)
    return bool(value)


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "success", "succeeded")
    return value is True or (isinstance(value, int | float) and value == 1)


def _ranking(raw: object, selectors: object = None) -> list[dict[str, Any]]:
    """Top intents; a retrieval intent (``faq``) also keeps the answer the ResponseSelector
    picked and its score, so the NLU inbox can surface FAQ answers it was unsure of."""
    if not isinstance(raw, list):
        return []
    ranking = []
    for item in raw[:MAX_RANKING]:
        if isinstance(item, dict) and (name := _short_id(item.get("name"), 100)):
            entry = {"name": name, "confidence": _number(item.get("confidence"))}
            ranking.append({**entry, **_selected_response(name, selectors)})
    return ranking


def _selected_response(intent: str, selectors: object) -> dict[str, Any]:
    if not isinstance(selectors, dict) or intent not in (
        selectors.get("all_retrieval_intents") or []
    ):
        return {}
    # keyed by the selector's `retrieval_intent`, or "default" when it serves all of them
    selected = selectors.get(intent) or selectors.get("default")
    response = selected.get("response") if isinstance(selected, dict) else None
    if not isinstance(response, dict) or not (
        key := _short_id(response.get("intent_response_key"), 100)
    ):
        return {}
    return {"response": key, "response_confidence": _number(response.get("confidence"))}
