"""CX log store: conversations, turns (+ full-text index), feedback, handoffs, processed events.

Revision ID: cx0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cx0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)

# SQLite: an external-content FTS5 table over turns.user_text, kept in step by triggers, so the
# review app can search without storing the text twice. Query it with bot.cxlog.search.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE turns_fts USING fts5("
    "user_text, content='turns', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN "
    "INSERT INTO turns_fts(rowid, user_text) VALUES (new.id, new.user_text); END",
    "CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN "
    "INSERT INTO turns_fts(turns_fts, rowid, user_text) "
    "VALUES ('delete', old.id, old.user_text); END",
    "CREATE TRIGGER turns_fts_update AFTER UPDATE OF user_text ON turns BEGIN "
    "INSERT INTO turns_fts(turns_fts, rowid, user_text) "
    "VALUES ('delete', old.id, old.user_text); "
    "INSERT INTO turns_fts(rowid, user_text) VALUES (new.id, new.user_text); END",
)
# Postgres: a GIN index on the same tsvector expression bot.cxlog.search filters with.
POSTGRES_FTS = (
    "CREATE INDEX ix_turns_user_text_fts ON turns "
    "USING gin (to_tsvector('simple', coalesce(user_text, '')))",
)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.Column("last_event_at", UTC_DATETIME, nullable=False),
        sa.Column("last_user_at", UTC_DATETIME, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("had_fallback", sa.Boolean(), nullable=False),
        sa.Column("had_handoff", sa.Boolean(), nullable=False),
        sa.Column("task_succeeded", sa.Boolean(), nullable=False),
        sa.Column("had_answer", sa.Boolean(), nullable=False),
        sa.Column("said_goodbye_after_answer", sa.Boolean(), nullable=False),
        sa.Column("turn_count", sa.Integer(), nullable=False),
        sa.Column("fallback_count", sa.Integer(), nullable=False),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("first_intent", sa.String(100), nullable=True),
        sa.Column("top_intent", sa.String(100), nullable=True),
        sa.Column("intent_counts", sa.JSON(), nullable=False),
        sa.Column("model_id", sa.String(64), nullable=True),
        sa.Column("name_digests", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('resolved', 'handed_off', 'abandoned', 'unknown')",
            name=op.f("ck_conversations_outcome"),
        ),
        sa.CheckConstraint(
            "csat IS NULL OR csat BETWEEN 1 AND 5", name=op.f("ck_conversations_csat_range")
        ),
        sa.CheckConstraint(
            "nps IS NULL OR nps BETWEEN 0 AND 10", name=op.f("ck_conversations_nps_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("sender_id", name=op.f("uq_conversations_sender_id")),
    )
    for column in (
        "customer_id",
        "started_at",
        "last_event_at",
        "outcome",
        "had_fallback",
        "had_handoff",
        "csat",
        "first_intent",
        "top_intent",
    ):
        op.create_index(op.f(f"ix_conversations_{column}"), "conversations", [column])
    op.create_index(
        "ix_conversations_outcome_started_at", "conversations", ["outcome", "started_at"]
    )

    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("user_text", sa.Text(), nullable=True),
        sa.Column("intent", sa.String(100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("intent_ranking", sa.JSON(), nullable=False),
        sa.Column("bot_actions", sa.JSON(), nullable=False),
        sa.Column("bot_texts", sa.JSON(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("is_fallback", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_turns_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_turns")),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_turns_conversation_id_seq"),
    )
    op.create_index(op.f("ix_turns_intent"), "turns", ["intent"])
    op.create_index(op.f("ix_turns_created_at"), "turns", ["created_at"])
    op.create_index("ix_turns_intent_confidence", "turns", ["intent", "confidence"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "csat IS NULL OR csat BETWEEN 1 AND 5", name=op.f("ck_feedback_csat_range")
        ),
        sa.CheckConstraint(
            "nps IS NULL OR nps BETWEEN 0 AND 10", name=op.f("ck_feedback_nps_range")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_feedback_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_feedback_conversation_id")),
    )

    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTC_DATETIME, nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("accepted_by", sa.String(100), nullable=True),
        sa.Column("accepted_at", UTC_DATETIME, nullable=True),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_handoffs_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index(op.f("ix_handoffs_conversation_id"), "handoffs", ["conversation_id"])
    op.create_index(op.f("ix_handoffs_requested_at"), "handoffs", ["requested_at"])

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("processed_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    op.create_index(op.f("ix_processed_events_processed_at"), "processed_events", ["processed_at"])

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_FTS, "postgresql": POSTGRES_FTS}.get(dialect, ()):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS turns_fts")
    for table in ("processed_events", "handoffs", "feedback", "turns", "conversations"):
        op.drop_table(table)
