"""Flow funnels: how far each conversation got in each flow (``flow_progress``) and the flow
whose action ran last (``conversations.current_flow``), see ``bot.cxlog.funnels``.

Conversations logged before this revision have no progress rows: the slots the steps need were
not kept then, so the funnels count the conversations logged after it.

Revision ID: cx0003
Revises: cx0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cx0003"
down_revision = "cx0002"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Not batch mode: SQLite adds a nullable column in place, without rebuilding the table.
    op.add_column("conversations", sa.Column("current_flow", sa.String(32), nullable=True))
    op.create_table(
        "flow_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("last_action_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_flow_progress_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_progress")),
        sa.UniqueConstraint(
            "conversation_id", "flow", name="uq_flow_progress_conversation_id_flow"
        ),
    )
    op.create_index("ix_flow_progress_flow_step", "flow_progress", ["flow", "step"])


def downgrade() -> None:
    op.drop_table("flow_progress")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("current_flow")
