"""CX events → conversation, turn, feedback and handoff records (plain functions, no I/O).

The store loads a conversation's current rows into a :class:`Projection`, applies one event at a
time with :func:`apply_event`, and writes the rows back. Rules:

Turns
  A customer message opens a turn (intent, confidence, redacted entities and ranking). The bot's
  actions (except ``action_listen`` and Rasa's bookkeeping actions) and texts that follow attach to
  it. Bot texts before the first customer message get a turn of their own without ``user_text``.
  Latency is the first bot text's timestamp minus the customer message's timestamp. Texts an agent
  wrote (bot events tagged with the agent's name) go to ``agent_texts``, not ``bot_texts``.

People
  While a handoff is open, customer messages are for the agent (``to_agent``): they are not
  counted as intents or as "not understood", and ``human_turn_count`` counts them. The first agent
  to write accepts the handoff. ``customer_id`` comes only from the ``customer_id`` slot our
  actions set after checking a signed token; the channel is ``widget`` for the widget's turns.

Not understood (``is_fallback``, ``had_fallback``, ``fallback_count``)
  A customer message the assistant did not understand: the NLU fallback intent, a dialogue
  fallback (``action_default_fallback``, the two-stage fallback and its steps,
  ``action_not_understood``), or an out-of-scope
  answer (``utter_out_of_scope``, ``utter_default``, ``utter_ask_rephrase``). Counted once a turn.

Handoffs
  ``action_handoff_to_human``, the ``handoff_reason`` slot or Rasa's ``pause`` request a person;
  requests while one is open are the same handoff, which ``resume`` ends. Its reason is the code in
  ``handoff_reason`` (see :mod:`bot.cxlog.handoff_reasons` for the words).

Feedback
  Slots ``csat`` (1–5), ``nps`` (0–10) and ``feedback_comment`` (redacted) fill the conversation's
  feedback row; out-of-range ratings are ignored.

End
  A ``goodbye`` intent (``end_reason`` "goodbye"), ``action_restart``/``restart`` ("restart"), or a
  new session after earlier turns ("session_expired", ended at the last activity) set
  ``ended_at``; the store's sweep ends conversations silent for ``CX_ABANDON_MINUTES``
  ("silence"). A later customer message reopens the conversation.

Flows (:mod:`bot.cxlog.funnels`)
  A flow's form starts its ``flow_progress`` row; the flow's actions, and the slots each of them
  set, move it on to the furthest step reached. A customer message, a new session or a restart
  ends the attribution (``current_flow``): later slots belong to no flow until a flow's action
  runs. A form whose first run hands the message straight to another flow's form loses its row.

Outcome (:func:`decide_outcome`; what a CX lead reads is in bot.review.common.definitions)
  ``open`` while the conversation goes on: not ended and active within ``CX_ABANDON_MINUTES``.
  Once it has ended or gone silent, the first match wins:
  1. ``handed_off`` if a person was asked for;
  2. ``resolved`` if an action completed the customer's task (``task_succeeded`` slot), an
     informational answer (FAQ, delivery options) was not followed by a complaint, a rephrase,
     a "no" or a request for a person, the customer thanked or said goodbye after such an answer
     or a completed task, or they rated CSAT 4 or 5;
  3. ``unresolved`` if the customer ended it (goodbye, restart) without that;
  4. ``abandoned`` if it went silent after the assistant's message;
  5. ``unresolved`` otherwise (silent after the customer's own message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cxlog.events import CUSTOMER_ID_SLOT, HANDOFF_REASON_SLOT, TASK_SUCCESS_SLOT
from bot.cxlog.funnels import FLOW_BY_KEY, FLOW_OF_ACTION, STARTED
from bot.cxlog.models import Conversation, Feedback, FlowProgress, Handoff, Turn

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset(
    {
        "action_default_fallback",
        "action_two_stage_fallback",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
        # Ours: the answer to a message the assistant could not read, or could not help with
        # (it offers a person the second time in a row; actions/handoff.py).
        "action_not_understood",
    }
)
# Answers that say "I can't help with that" or "please rephrase".
OUT_OF_SCOPE_ACTIONS = frozenset({"utter_out_of_scope", "utter_default", "utter_ask_rephrase"})
NOT_UNDERSTOOD_ACTIONS = FALLBACK_ACTIONS | OUT_OF_SCOPE_ACTIONS
# Answers that are the whole task: the customer asked for information and got it.
ANSWER_ACTIONS = frozenset({"utter_faq", "utter_delivery_options"})
# What a customer says when an answer did not help them.
CHALLENGE_INTENTS = frozenset(
    {FALLBACK_INTENT, "out_of_scope", "complaint", "request_human", "deny"}
)
# Saying these after an answer or a completed task confirms it.
CONFIRMING_INTENTS = frozenset({"goodbye", "thank"})
HANDOFF_ACTION = "action_handoff_to_human"
RESTART_ACTION = "action_restart"
GOODBYE_INTENTS = frozenset({"goodbye"})
# Rasa's own bookkeeping, not something the assistant did for the customer.
BOOKKEEPING_ACTIONS = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})
# Intents that say nothing about what the customer came for: not counted for first/top intent.
SMALLTALK_INTENTS = frozenset(
    {"greet", "goodbye", "affirm", "deny", "thank", "thanks", "thankyou", "bot_challenge"}
)
CSAT_RANGE = range(1, 6)
NPS_RANGE = range(0, 11)
RESOLVING_CSAT = 4
# Events after which later slots belong to no flow.
FLOW_BREAKS = frozenset({"user", "session_started", "restart"})
# Ends the customer chose; the other reasons ("session_expired", "silence") are silence.
CUSTOMER_ENDS = frozenset({"goodbye", "restart"})
SILENCE = "silence"


@dataclass
class Projection:
    """A conversation's rows that events can change; ``new_rows`` must be added to the session
    and ``dropped_rows`` deleted from it.

    The conversation must already have its ``id`` (the store flushes new ones first).
    """

    conversation: Conversation
    last_turn: Turn | None = None
    feedback: Feedback | None = None
    open_handoff: Handoff | None = None
    flows: dict[str, FlowProgress] = field(default_factory=dict)  # by flow key
    new_rows: list[Any] = field(default_factory=list)
    dropped_rows: list[Any] = field(default_factory=list)


def timestamp_to_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def new_conversation(sender_id: str, at: datetime) -> Conversation:
    """A conversation with every counter and flag set (column defaults only apply on insert)."""
    return Conversation(
        sender_id=sender_id,
        started_at=at,
        last_event_at=at,
        outcome="open",
        had_fallback=False,
        had_handoff=False,
        task_succeeded=False,
        had_answer=False,
        said_goodbye_after_answer=False,
        answer_stood=False,
        awaiting_customer=False,
        turn_count=0,
        fallback_count=0,
        human_turn_count=0,
        intent_counts={},
        name_digests=[],
    )


def is_resolved(conversation: Conversation) -> bool:
    return bool(
        conversation.task_succeeded
        or conversation.answer_stood
        or conversation.said_goodbye_after_answer
        or (conversation.csat or 0) >= RESOLVING_CSAT
    )


def decide_outcome(conversation: Conversation, now: datetime, abandon_after: timedelta) -> str:
    """The outcome at ``now`` (rules in the module docstring)."""
    silent = now - conversation.last_event_at >= abandon_after
    if conversation.ended_at is None and not silent:
        return "open"
    if conversation.had_handoff:
        return "handed_off"
    if is_resolved(conversation):
        return "resolved"
    if conversation.end_reason in CUSTOMER_ENDS:
        return "unresolved"
    return "abandoned" if conversation.awaiting_customer else "unresolved"


def close_if_silent(conversation: Conversation, now: datetime, abandon_after: timedelta) -> bool:
    """The sweep's step for one open conversation: end it and decide, if it has gone silent."""
    if conversation.ended_at is not None or now - conversation.last_event_at < abandon_after:
        return False
    conversation.ended_at = conversation.last_event_at
    conversation.end_reason = SILENCE
    conversation.outcome = decide_outcome(conversation, now, abandon_after)
    return True


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
    _follow_flows(projection, event, at)
    now = max(at, conversation.last_event_at)
    conversation.outcome = decide_outcome(conversation, now, abandon_after)


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
    conversation.ended_at = conversation.end_reason = None
    conversation.awaiting_customer = False
    if event.get("channel"):
        conversation.channel = event["channel"]
    if event.get("host_page") and not conversation.host_page:
        conversation.host_page = event["host_page"]
    if projection.open_handoff is not None:
        turn.to_agent = True
        conversation.human_turn_count += 1
        return
    if intent in CHALLENGE_INTENTS:
        conversation.answer_stood = False
    elif intent in CONFIRMING_INTENTS and (
        conversation.answer_stood or conversation.task_succeeded
    ):
        conversation.said_goodbye_after_answer = True
    if intent == FALLBACK_INTENT:
        _mark_not_understood(projection, turn)
    elif intent and intent not in SMALLTALK_INTENTS:
        _count_intent(conversation, intent)
    if intent in GOODBYE_INTENTS:
        conversation.ended_at, conversation.end_reason = at, "goodbye"


def _on_bot(projection: Projection, event: dict[str, Any], at: datetime, _prev: datetime) -> None:
    turn = projection.last_turn or _open_turn(projection, at)
    projection.conversation.awaiting_customer = True
    agent = event.get("agent")
    if agent:
        turn.agent_texts = [
            *turn.agent_texts,
            {"agent": agent, "text": event.get("text") or "", "after": len(turn.bot_texts)},
        ]
        _accept_handoff(projection, agent, at)
        return
    if event.get("text"):
        turn.bot_texts = [*turn.bot_texts, event["text"]]
    if turn.user_text is not None and turn.latency_ms is None:
        turn.latency_ms = max(0, round((at - turn.created_at).total_seconds() * 1000))


def _on_action(
    projection: Projection, event: dict[str, Any], at: datetime, _prev: datetime
) -> None:
    name = event["name"]
    if name in BOOKKEEPING_ACTIONS:
        return
    conversation = projection.conversation
    turn = projection.last_turn or _open_turn(projection, at)
    turn.bot_actions = [*turn.bot_actions, name]
    if name in NOT_UNDERSTOOD_ACTIONS:
        _mark_not_understood(projection, turn)
        conversation.answer_stood = False
    elif name in ANSWER_ACTIONS and not turn.is_fallback:
        conversation.had_answer = conversation.answer_stood = True
    if name == HANDOFF_ACTION:
        _request_handoff(projection, at)
    elif name == RESTART_ACTION:
        conversation.ended_at, conversation.end_reason = at, "restart"


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
    elif name == CUSTOMER_ID_SLOT and value:
        conversation.customer_id = value
    elif name == HANDOFF_REASON_SLOT and value:
        _request_handoff(projection, at).reason = value


def _on_session_started(
    projection: Projection, _event: dict[str, Any], _at: datetime, previous_last_event: datetime
) -> None:
    conversation = projection.conversation
    if conversation.turn_count and conversation.ended_at is None:
        conversation.ended_at, conversation.end_reason = previous_last_event, "session_expired"


def _on_restart(
    projection: Projection, _event: dict[str, Any], at: datetime, _prev: datetime
) -> None:
    projection.conversation.ended_at, projection.conversation.end_reason = at, "restart"


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


def _follow_flows(projection: Projection, event: dict[str, Any], at: datetime) -> None:
    """Flow progress (rules in the module docstring)."""
    conversation = projection.conversation
    kind = event["event"]
    if kind in FLOW_BREAKS:
        conversation.current_flow = None
    elif kind == "action":
        _on_flow_action(projection, event["name"], at)
    elif kind == "slot" and conversation.current_flow in projection.flows:
        progress = projection.flows[conversation.current_flow]
        progress.step = FLOW_BY_KEY[progress.flow].advance(progress.step, event)


def _on_flow_action(projection: Projection, name: str, at: datetime) -> None:
    """The slots that follow count for this action's flow (if any); a form starts its flow, and
    the form that ran just before, on its first run, never really started."""
    conversation = projection.conversation
    flow = FLOW_OF_ACTION.get(name)
    previous = projection.flows.get(conversation.current_flow or "")
    handed_over = (
        flow is not None
        and name == flow.form
        and previous is not None
        and previous.flow != flow.key
        and previous.step == STARTED
        and previous.started_at == previous.last_action_at
    )
    if handed_over:
        _drop_flow(projection, previous)
    conversation.current_flow = flow.key if flow is not None else None
    if flow is None:
        return
    progress = projection.flows.get(flow.key)
    if progress is not None:
        progress.last_action_at = at
    elif name == flow.form:
        progress = FlowProgress(
            conversation_id=conversation.id,
            flow=flow.key,
            step=STARTED,
            started_at=at,
            last_action_at=at,
        )
        projection.flows[flow.key] = progress
        projection.new_rows.append(progress)


def _drop_flow(projection: Projection, progress: FlowProgress) -> None:
    del projection.flows[progress.flow]
    if progress in projection.new_rows:
        projection.new_rows.remove(progress)
    else:
        projection.dropped_rows.append(progress)


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
        agent_texts=[],
        is_fallback=False,
        to_agent=False,
    )
    projection.last_turn = turn
    projection.new_rows.append(turn)
    return turn


def _mark_not_understood(projection: Projection, turn: Turn) -> None:
    if turn.is_fallback or turn.to_agent:
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


def _request_handoff(projection: Projection, at: datetime) -> Handoff:
    """The open handoff, or a new one: the action, its reason slot and ``pause`` are one request."""
    projection.conversation.had_handoff = True
    if projection.open_handoff is None:
        projection.open_handoff = Handoff(
            conversation_id=projection.conversation.id, requested_at=at
        )
        projection.new_rows.append(projection.open_handoff)
    return projection.open_handoff


def _accept_handoff(projection: Projection, agent: str, at: datetime) -> None:
    handoff = projection.open_handoff
    if handoff is not None and handoff.accepted_by is None:
        handoff.accepted_by, handoff.accepted_at = agent, at


def _feedback(projection: Projection, at: datetime) -> Feedback:
    if projection.feedback is None:
        projection.feedback = Feedback(
            conversation_id=projection.conversation.id, created_at=at, updated_at=at
        )
        projection.new_rows.append(projection.feedback)
    projection.feedback.updated_at = at
    return projection.feedback
