"""Review app: users, sessions, login throttle, conversation tags and notes
(bot/review/common/models.py).

Revision ID: review0001
Revises: cx0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "review0001"
down_revision = "cx0001"
branch_labels = ("review",)
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "role IN ('viewer', 'annotator', 'agent', 'admin')", name="ck_review_users_role"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_users"),
        sa.UniqueConstraint("username", name="uq_review_users_username"),
    )
    op.create_table(
        "review_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["review_users.id"],
            name="fk_review_sessions_user_id_review_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_review_sessions"),
    )
    op.create_index("ix_review_sessions_user_id", "review_sessions", ["user_id"])
    op.create_index("ix_review_sessions_expires_at", "review_sessions", ["expires_at"])
    op.create_table(
        "review_login_throttle",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC_DATETIME, nullable=True),
        sa.Column("last_failure_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_review_login_throttle"),
    )
    op.create_table(
        "review_conversation_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_review_conversation_tags_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_conversation_tags"),
        sa.UniqueConstraint("conversation_id", "tag", name="uq_review_conversation_tags_tag"),
    )
    op.create_index(
        "ix_review_conversation_tags_tag_conversation_id",
        "review_conversation_tags",
        ["tag", "conversation_id"],
    )
    op.create_table(
        "review_conversation_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_review_conversation_notes_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["turn_id"],
            ["turns.id"],
            name="fk_review_conversation_notes_turn_id_turns",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_conversation_notes"),
    )
    op.create_index(
        "ix_review_conversation_notes_conversation_id",
        "review_conversation_notes",
        ["conversation_id"],
    )


def downgrade() -> None:
    op.drop_table("review_conversation_notes")
    op.drop_table("review_conversation_tags")
    op.drop_table("review_login_throttle")
    op.drop_table("review_sessions")
    op.drop_table("review_users")
