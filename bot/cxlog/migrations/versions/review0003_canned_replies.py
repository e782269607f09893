"""Review app: canned replies admins keep for the agent inbox (bot/review/common/models.py).

Revision ID: review0003
Revises: review0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "review0003"
down_revision = "review0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_canned_replies"),
    )


def downgrade() -> None:
    op.drop_table("review_canned_replies")
