"""CX events → conversation, turn, feedback and handoff records (plain functions, no I/O).

The store loads a conversation's current rows into a :class:`Projection`, applies one event at a
time with :func:`apply_event`, and writes the rows back. Rules:

Turns
  A customer message opens a turn (intent, confidence, redacted entities and ranking). The bot's
  actions (except ``action_listen`` and Rasa's bookkeeping actions) and texts that follow attach to
  it. Bot texts before the first customer message get a turn of their own without ``user_text``.
  Latency is the first bot text's timestamp minus the customer message's timestamp.

Flags
  ``had_fallback``: the intent was ``nlu_fallback`` or a fallback action ran
  (``action_default_fallback``, two-stage fallback and its ask-affirmation/rephrase steps).
  ``had_handoff``: ``action_handoff_to_human`` ran or Rasa paused the conversation (``pause``);
  each request is a handoff row, which a ``resume`` ends.

Customer
  Only the ``customer_id`` slot, which our own ``action_session_start`` sets after verifying the
  host site's signed token, links a conversation to a customer (and so to their export and
  erasure); a ``customer_id`` in message metadata is unsigned and ignored.

Feedback
  Slots ``csat`` (1–5), ``nps`` (0–10) and ``feedback_comment`` (redacted) fill the conversation's
  feedback row; out-of-range ratings are ignored.

End
  A ``goodbye`` intent, ``action_restart``/``restart``, or a new session after earlier turns set
  ``ended_at``; a later customer message reopens the conversation.

Outcome (:func:`decide_outcome`, first match wins)
  1. ``handed_off`` if a handoff happened;
  2. ``resolved`` if an action set the ``task_succeeded`` slot, CSAT is 4 or 5, or the customer
     said goodbye after the assistant had answered a task intent (not small talk, not
     ``out_of_scope``) without falling back;
  3. ``abandoned`` if none of the above and the conversation has been silent for
     ``CX_ABANDON_MINUTES`` (the store's periodic sweep applies this with the wall clock);
  4. ``unknown`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cxlog.events import CUSTOMER_ID_SLOT, TASK_SUCCESS_SLOT
from bot.cxlog.models import Conversation, Feedback, Handoff, Turn

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset(
    {
        "action_default_fallback",
        "action_two_stage_fallback",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
    }
)
HANDOFF_ACTION = "action_handoff_to_human"
RESTART_ACTION = "action_restart"
GOODBYE_INTENTS = frozenset({"goodbye"})
# Rasa's own bookkeeping, not something the assistant did for the customer.
BOOKKEEPING_ACTIONS = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})
# Intents that say nothing about what the customer came for: not counted for first/top intent,
# and answering them is not "an answer".
SMALLTALK_INTENTS = frozenset(
    {"greet", "goodbye", "affirm", "deny", "thank", "thanks", "thankyou", "bot_challenge"}
)
# Replying to these is not answering the customer ("sorry, I can't help with that").
NOT_ANSWERS = SMALLTALK_INTENTS | {"out_of_scope"}
CSAT_RANGE = range(1, 6)
NPS_RANGE = range(0, 11)
RESOLVING_CSAT = 4


@dataclass
class Projection:
    """A conversation's rows that events can change; ``new_rows`` must be added to the session.

    The conversation must already have its ``id`` (the store flushes new ones first).
    """

    conversation: Conversation
    last_turn: Turn | None = None
    feedback: Feedback | None = None
    open_handoff: Handoff | None = None
    new_rows: list[Any] = field(default_factory=list)


def timestamp_to_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def new_conversation(sender_id: str, at: datetime) -> Conversation:
    """A conversation with every counter and flag set (column defaults only apply on insert)."""
    return Conversation(
        sender_id=sender_id,
        started_at=at,
        last_event_at=at,
        outcome="unknown",
        had_fallback=False,
        had_handoff=False,
        task_succeeded=False,
        had_answer=False,
        said_goodbye_after_answer=False,
        turn_count=0,
        fallback_count=0,
        intent_counts={},
        name_digests=[],
    )


def decide_outcome(conversation: Conversation, now: datetime, abandon_after: timedelta) -> str:
    if conversation.had_handoff:
        return "handed_off"
    if (
        conversation.task_succeeded
        or (conversation.csat or 0) >= RESOLVING_CSAT
        or conversation.said_goodbye_after_answer
    ):
        return "resolved"
    if now - conversation.last_event_at >= abandon_after:
        return "abandoned"
    return "unknown"


def apply_event(projection: Projection, event: dict[str, Any], abandon_after: timedelta) -> None:
    """Apply one CX event (see :mod:`bot.cxlog.events`) to the projection."""
    conversation = projection.conversation
    at = timestamp_to_datetime(event["timestamp"])
    previous_last_event = conversation.last_event_at
    conversation.started_at = min(conversation.started_at, at)
    if _is_activity(event):
        conversation.last_event_at = max(conversation.last_event_at, at)
    if event.get("model_id"):
        conversation.model_id = event["model_id"]
    if event.get("name_digests"):
        known = set(conversation.name_digests or [])
        conversation.name_digests = sorted(known | set(event["name_digests"]))
    handler = _HANDLERS.get(event["event"])
    if handler is not None:
        handler(projection, event, at, previous_last_event)
    conversation.outcome = decide_outcome(conversation, conversation.last_event_at, abandon_after)


def _is_activity(event: dict[str, Any]) -> bool:
    """Whether the event moves ``last_event_at`` (the abandonment clock): session starts and
    slots carried over into a new session are bookkeeping, not someone doing something."""
    kind = event["event"]
    if kind == "action":
        return event["name"] not in BOOKKEEPING_ACTIONS
    return kind not in ("session_started", "slot")


def _on_user(projection: Projection, event: dict[str, Any], at: datetime, _prev: datetime) -> None:
    conversation = projection.conversation
    intent = event.get("intent")
    turn = _open_turn(projection, at)
    turn.message_id = event.get("message_id")
    turn.user_text = event.get("text") or ""
    turn.intent = intent
    turn.confidence = event.get("confidence")
    turn.entities = event.get("entities") or []
    turn.intent_ranking = event.get("intent_ranking") or []
    conversation.turn_count += 1
    conversation.last_user_at = max(conversation.last_user_at or at, at)
    conversation.ended_at = None
    if event.get("channel"):
        conversation.channel = event["channel"]
    if intent == FALLBACK_INTENT:
        _mark_fallback(projection, turn)
    elif intent and intent not in SMALLTALK_INTENTS:
        _count_intent(conversation, intent)
    if intent in GOODBYE_INTENTS:
        conversation.ended_at = at
        if conversation.had_answer:
            conversation.said_goodbye_after_answer = True


def _on_bot(projection: Projection, event: dict[str, Any], at: datetime, _prev: datetime) -> None:
    turn = projection.last_turn or _open_turn(projection, at)
    if event.get("text"):
        turn.bot_texts = [*turn.bot_texts, event["text"]]
    if turn.user_text is not None and turn.latency_ms is None:
        turn.latency_ms = max(0, round((at - turn.created_at).total_seconds() * 1000))
    if turn.user_text is not None and not turn.is_fallback and turn.intent not in NOT_ANSWERS:
        projection.conversation.had_answer = True


def _on_action(
    projection: Projection, event: dict[str, Any], at: datetime, _prev: datetime
) -> None:
    name = event["name"]
    if name in BOOKKEEPING_ACTIONS:
        return
    turn = projection.last_turn or _open_turn(projection, at)
    turn.bot_actions = [*turn.bot_actions, name]
    if name in FALLBACK_ACTIONS:
        _mark_fallback(projection, turn)
    elif name == HANDOFF_ACTION:
        _request_handoff(projection, at)
    elif name == RESTART_ACTION:
        projection.conversation.ended_at = at


def _on_slot(projection: Projection, event: dict[str, Any], at: datetime, _prev: datetime) -> None:
    conversation = projection.conversation
    name, value = event["name"], event.get("value")
    if name == "csat" and value in CSAT_RANGE:
        conversation.csat = _feedback(projection, at).csat = value
    elif name == "nps" and value in NPS_RANGE:
        conversation.nps = _feedback(projection, at).nps = value
    elif name == "feedback_comment" and value:
        _feedback(projection, at).comment = value
    elif name == TASK_SUCCESS_SLOT and value is True:
        conversation.task_succeeded = True
    elif name == CUSTOMER_ID_SLOT and event.get("customer_id"):
        conversation.customer_id = event["customer_id"]


def _on_session_started(
    projection: Projection, _event: dict[str, Any], _at: datetime, previous_last_event: datetime
) -> None:
    conversation = projection.conversation
    if conversation.turn_count and conversation.ended_at is None:
        conversation.ended_at = previous_last_event


def _on_restart(
    projection: Projection, _event: dict[str, Any], at: datetime, _prev: datetime
) -> None:
    projection.conversation.ended_at = at


def _on_pause(
    projection: Projection, _event: dict[str, Any], at: datetime, _prev: datetime
) -> None:
    _request_handoff(projection, at)


def _on_resume(
    projection: Projection, _event: dict[str, Any], at: datetime, _prev: datetime
) -> None:
    if projection.open_handoff is not None:
        projection.open_handoff.ended_at = at
        projection.open_handoff = None


_HANDLERS = {
    "user": _on_user,
    "bot": _on_bot,
    "action": _on_action,
    "slot": _on_slot,
    "session_started": _on_session_started,
    "restart": _on_restart,
    "pause": _on_pause,
    "resume": _on_resume,
}


def _open_turn(projection: Projection, at: datetime) -> Turn:
    previous = projection.last_turn
    turn = Turn(
        conversation_id=projection.conversation.id,
        seq=0 if previous is None else previous.seq + 1,
        created_at=at,
        entities=[],
        intent_ranking=[],
        bot_actions=[],
        bot_texts=[],
        is_fallback=False,
    )
    projection.last_turn = turn
    projection.new_rows.append(turn)
    return turn


def _mark_fallback(projection: Projection, turn: Turn) -> None:
    if turn.is_fallback:
        return
    turn.is_fallback = True
    projection.conversation.had_fallback = True
    projection.conversation.fallback_count += 1


def _count_intent(conversation: Conversation, intent: str) -> None:
    counts = dict(conversation.intent_counts or {})
    counts[intent] = counts.get(intent, 0) + 1
    conversation.intent_counts = counts
    if conversation.first_intent is None:
        conversation.first_intent = intent
    # max() keeps the first of equal counts: on a tie the earlier intent stays on top.
    conversation.top_intent = max(counts, key=lambda name: counts[name])


def _request_handoff(projection: Projection, at: datetime) -> None:
    """One handoff per request: ``action_handoff_to_human`` followed by ``pause`` is one."""
    projection.conversation.had_handoff = True
    if projection.open_handoff is not None:
        return
    turn = projection.last_turn
    handoff = Handoff(
        conversation_id=projection.conversation.id,
        requested_at=at,
        reason=turn.intent if turn is not None else None,
    )
    projection.open_handoff = handoff
    projection.new_rows.append(handoff)


def _feedback(projection: Projection, at: datetime) -> Feedback:
    if projection.feedback is None:
        projection.feedback = Feedback(
            conversation_id=projection.conversation.id, created_at=at, updated_at=at
        )
        projection.new_rows.append(projection.feedback)
    projection.feedback.updated_at = at
    return projection.feedback
