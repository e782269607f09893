"""NLU inbox: annotations, reviewer marks and new intents (bot/training/models.py).

Revision ID: nlu0001
Revises: cx0001
"""

import sqlalchemy as sa
from alembic import op

revision = "nlu0001"
down_revision = "cx0001"
branch_labels = ("nlu",)
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "nlu_annotations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text_key", sa.String(512), nullable=False),
        sa.Column("example_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("intent", sa.String(100)),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("annotated_by", sa.String(100), nullable=False),
        sa.Column("annotated_at", UTC_DATETIME, nullable=False),
        sa.Column("exported_at", UTC_DATETIME),
        sa.CheckConstraint(
            "status IN ('labelled', 'ignored', 'exported')", name="ck_nlu_annotations_status"
        ),
        sa.UniqueConstraint("text_key", name="uq_nlu_annotations_text_key"),
    )
    op.create_index("ix_nlu_annotations_status", "nlu_annotations", ["status"])
    op.create_index("ix_nlu_annotations_intent", "nlu_annotations", ["intent"])
    op.create_table(
        "nlu_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "turn_id",
            sa.Integer(),
            sa.ForeignKey("turns.id", ondelete="CASCADE", name="fk_nlu_marks_turn_id_turns"),
            nullable=False,
        ),
        sa.Column("marked_by", sa.String(100), nullable=False),
        sa.Column("marked_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("turn_id", name="uq_nlu_marks_turn_id"),
    )
    op.create_table(
        "nlu_new_intents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("response_text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("name", name="uq_nlu_new_intents_name"),
    )


def downgrade() -> None:
    op.drop_table("nlu_new_intents")
    op.drop_table("nlu_marks")
    op.drop_index("ix_nlu_annotations_intent", table_name="nlu_annotations")
    op.drop_index("ix_nlu_annotations_status", table_name="nlu_annotations")
    op.drop_table("nlu_annotations")
