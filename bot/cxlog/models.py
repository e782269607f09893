"""The CX log store's tables as SQLAlchemy 1.4 declarative models.

The alembic migrations in ``bot/cxlog/migrations`` create exactly these (a test compares them);
the review app (``bot/review``) adds its own tables in further migrations on top of this head.
Schema changes here are additive only, each with a new migration.

Everything stored is already redacted (see ``bot.cxlog.redaction``): no column ever holds the
original customer text, entity values or slot values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

# What became of a conversation; ``bot.review.common.definitions`` says what each means to a
# CX lead.
OUTCOMES = ("resolved", "handed_off", "abandoned", "unresolved", "open")
# Outcomes that are final: every rate is taken over these, never over ``open``.
DECIDED_OUTCOMES = OUTCOMES[:4]


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which stores naive text) and Postgres alike.

    Values are normalised to UTC before binding so SQLite's text timestamps sort and compare
    correctly in date-range filters.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Conversation(Base):
    """One Rasa conversation (sender id), summarised for filtering and metrics."""

    __tablename__ = "conversations"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, unique=True)
    channel = Column(String(64))
    # The page that embedded the widget (scheme, host and path only: no query string).
    host_page = Column(String(255))
    customer_id = Column(String(64), index=True)
    started_at = Column(UTCDateTime, nullable=False, index=True)
    ended_at = Column(UTCDateTime)
    # Why it ended: "goodbye", "restart" (the customer's doing) or "session_expired" (silence).
    end_reason = Column(String(16))
    last_event_at = Column(UTCDateTime, nullable=False, index=True)
    # Last customer message: the abandonment clock starts here.
    last_user_at = Column(UTCDateTime)
    outcome = Column(String(16), nullable=False, default="open", index=True)
    had_fallback = Column(Boolean, nullable=False, default=False, index=True)
    had_handoff = Column(Boolean, nullable=False, default=False, index=True)
    # Facts the outcome rules need across event batches (see bot.cxlog.projector).
    task_succeeded = Column(Boolean, nullable=False, default=False)
    had_answer = Column(Boolean, nullable=False, default=False)
    said_goodbye_after_answer = Column(Boolean, nullable=False, default=False)
    # The latest informational answer (FAQ, delivery options) was not followed by a complaint,
    # a rephrase or a "no": the customer got what they asked.
    answer_stood = Column(Boolean, nullable=False, default=False)
    # The assistant or an agent spoke last: silence now is the customer's (abandonment).
    awaiting_customer = Column(Boolean, nullable=False, default=False)
    turn_count = Column(Integer, nullable=False, default=0)
    # Customer messages the assistant did not understand (see bot.cxlog.projector).
    fallback_count = Column(Integer, nullable=False, default=0)
    # Customer messages written while a person had the conversation (not the assistant's job).
    human_turn_count = Column(Integer, nullable=False, default=0)
    csat = Column(Integer, index=True)
    nps = Column(Integer)
    first_intent = Column(String(100), index=True)
    top_intent = Column(String(100), index=True)
    # Task intents counted so far; top_intent is the most frequent one.
    intent_counts = Column(JSON, nullable=False, default=dict)
    model_id = Column(String(64))
    # The flow (bot.cxlog.funnels) whose action ran last, since the customer's latest message:
    # the slots that action set count for that flow.
    current_flow = Column(String(32))
    # Keyed digests of the customer's name words (from name slots and entities), so later
    # messages can be redacted without the names themselves ever being stored.
    name_digests = Column(JSON, nullable=False, default=list)

    turns = relationship(
        "Turn",
        back_populates="conversation",
        order_by="Turn.seq",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    feedback = relationship(
        "Feedback",
        back_populates="conversation",
        uselist=False,
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    handoffs = relationship(
        "Handoff",
        back_populates="conversation",
        order_by="Handoff.requested_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        CheckConstraint(
            "outcome IN ('resolved', 'handed_off', 'abandoned', 'unresolved', 'open')",
            name="outcome",
        ),
        CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name="csat_range"),
        CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="nps_range"),
        # The review app's default listing: newest first, optionally narrowed by outcome.
        Index("ix_conversations_outcome_started_at", "outcome", "started_at"),
    )


class Turn(Base):
    """One customer message and everything the assistant did in reply, in order (``seq``).

    A turn without ``user_text`` holds what the bot did before the customer spoke (greetings).
    """

    __tablename__ = "turns"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    seq = Column(Integer, nullable=False)
    message_id = Column(String(64))
    user_text = Column(Text)
    intent = Column(String(100), index=True)
    confidence = Column(Float)
    entities = Column(JSON, nullable=False, default=list)
    intent_ranking = Column(JSON, nullable=False, default=list)
    bot_actions = Column(JSON, nullable=False, default=list)
    bot_texts = Column(JSON, nullable=False, default=list)
    # What agents wrote during this turn, in order: ``{"agent", "text", "after"}``, where
    # ``after`` is how many of ``bot_texts`` came before it.
    agent_texts = Column(JSON, nullable=False, default=list)
    latency_ms = Column(Integer)
    is_fallback = Column(Boolean, nullable=False, default=False)
    # Sent while a person had the conversation: for the agent, not for the NLU model.
    to_agent = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, index=True)

    conversation = relationship("Conversation", back_populates="turns")

    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_turns_conversation_id_seq"),
        # "Intents with the lowest confidence" and per-intent drill-downs.
        Index("ix_turns_intent_confidence", "intent", "confidence"),
    )


class Feedback(Base):
    """What the customer rated, one row per conversation (the latest answers win)."""

    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    )
    csat = Column(Integer)
    nps = Column(Integer)
    comment = Column(Text)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

    conversation = relationship("Conversation", back_populates="feedback")

    __table_args__ = (
        CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name="csat_range"),
        CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="nps_range"),
    )


class Handoff(Base):
    """A request for a human; the agent inbox fills ``accepted_by``/``accepted_at``/``ended_at``."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    requested_at = Column(UTCDateTime, nullable=False, index=True)
    reason = Column(String(200))
    accepted_by = Column(String(100))
    accepted_at = Column(UTCDateTime)
    ended_at = Column(UTCDateTime)

    conversation = relationship("Conversation", back_populates="handoffs")


class FlowProgress(Base):
    """How far a conversation got in one flow (tracking, cancel...): its furthest step, as
    :mod:`bot.cxlog.funnels` defines them; one row per flow the conversation started."""

    __tablename__ = "flow_progress"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    flow = Column(String(32), nullable=False)
    step = Column(String(32), nullable=False)
    started_at = Column(UTCDateTime, nullable=False)
    # The flow's latest action: a form that handed its first message over never started.
    last_action_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("conversation_id", "flow", name="uq_flow_progress_conversation_id_flow"),
        # The funnels: grouped by flow and step for the conversations of a date range.
        Index("ix_flow_progress_flow_step", "flow", "step"),
    )


class ProcessedEvent(Base):
    """Ids of events already projected, so spool replays and broker redeliveries are no-ops.

    Rasa events carry no id: ``event_id`` is a SHA-256 of the sender id and the event's canonical
    JSON (``bot.cxlog.events.event_id``). Only the hash is kept, never the sender, so it outlives
    an erasure request and a late replay cannot bring erased data back.
    """

    __tablename__ = "processed_events"

    event_id = Column(String(64), primary_key=True)
    processed_at = Column(UTCDateTime, nullable=False, index=True)


metadata = Base.metadata
