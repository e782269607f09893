"""Outcomes a CX lead recognises (``open``/``unresolved`` replace ``unknown``), who spoke
(agents, messages to agents), the widget's host page and why a conversation ended.

Existing ``unknown`` conversations become ``unresolved`` if they had ended, else ``open`` (the
store's sweep then decides the silent ones). On SQLite the outcome CHECK is changed by rebuilding
the table (batch mode keeps the other CHECKs and the indexes); env.py turns foreign keys off
while migrating so the rebuild cannot cascade-delete the turns.

Revision ID: cx0002
Revises: cx0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cx0002"
down_revision = "cx0001"
branch_labels = None
depends_on = None

NEW_OUTCOMES = "outcome IN ('resolved', 'handed_off', 'abandoned', 'unresolved', 'open')"
OLD_OUTCOMES = "outcome IN ('resolved', 'handed_off', 'abandoned', 'unknown')"
# A plain string default: SQLite adds such a column in place (an expression would make batch
# mode rebuild the table, and a rebuilt `turns` would lose its full-text triggers).
FALSE = "0"


def _drop_outcome_check() -> None:
    """Values change in between dropping and re-adding the CHECK (on SQLite each is a rebuild)."""
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint(op.f("ck_conversations_outcome"), type_="check")


def _add_outcome_check(condition: str) -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.create_check_constraint("outcome", condition)


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("host_page", sa.String(255), nullable=True))
        batch.add_column(sa.Column("end_reason", sa.String(16), nullable=True))
        batch.add_column(
            sa.Column("answer_stood", sa.Boolean(), nullable=False, server_default=FALSE)
        )
        batch.add_column(
            sa.Column("awaiting_customer", sa.Boolean(), nullable=False, server_default=FALSE)
        )
        batch.add_column(
            sa.Column("human_turn_count", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("agent_texts", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("to_agent", sa.Boolean(), nullable=False, server_default=FALSE))
    _drop_outcome_check()
    op.execute(
        "UPDATE conversations SET outcome = CASE WHEN ended_at IS NULL THEN 'open' "
        "ELSE 'unresolved' END WHERE outcome = 'unknown'"
    )
    _add_outcome_check(NEW_OUTCOMES)


def downgrade() -> None:
    _drop_outcome_check()
    op.execute(
        "UPDATE conversations SET outcome = 'unknown' WHERE outcome IN ('open', 'unresolved')"
    )
    _add_outcome_check(OLD_OUTCOMES)
    # Not batch mode: a rebuilt turns table would lose its full-text triggers.
    op.drop_column("turns", "to_agent")
    op.drop_column("turns", "agent_texts")
    with op.batch_alter_table("conversations") as batch:
        for column in (
            "human_turn_count",
            "awaiting_customer",
            "answer_stood",
            "end_reason",
            "host_page",
        ):
            batch.drop_column(column)
