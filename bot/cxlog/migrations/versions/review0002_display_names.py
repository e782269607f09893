"""Review app: agents' display names, what customers read instead of the login.

Revision ID: review0002
Revises: review0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "review0002"
down_revision = "review0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_users") as table:
        table.add_column(sa.Column("display_name", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_users") as table:
        table.drop_column("display_name")
