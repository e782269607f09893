"""Failed identity checks are counted per order and per client address, not per conversation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_failures") as table:
        table.add_column(sa.Column("client_address", sa.String(45), nullable=True))
        table.drop_index("ix_identity_failures_conversation_id")
        table.create_index("ix_identity_failures_order_id", ["order_id", "created_at"])
        table.create_index("ix_identity_failures_client_address", ["client_address", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("identity_failures") as table:
        table.drop_index("ix_identity_failures_client_address")
        table.drop_index("ix_identity_failures_order_id")
        table.create_index(
            "ix_identity_failures_conversation_id", ["conversation_id", "created_at"]
        )
        table.drop_column("client_address")
