"""Initial schema: customers, products, orders, items, returns, tickets, resets, throttle state.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(20), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customers")),
        sa.UniqueConstraint("email", name=op.f("uq_customers_email")),
    )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("carrier", sa.String(40), nullable=True),
        sa.Column("tracking_number", sa.String(64), nullable=True),
        sa.Column("tracking_url", sa.String(500), nullable=True),
        sa.Column("expected_delivery", sa.Date(), nullable=True),
        sa.Column("delivered_at", UTC_DATETIME, nullable=True),
        sa.Column("shipping_address", sa.String(500), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "status IN ('processing', 'shipped', 'delivered', 'cancelled')",
            name=op.f("ck_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_orders_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
    )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(20), nullable=False),
        sa.Column("sku", sa.String(40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("fk_order_items_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_order_items_sku_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    op.create_index("ix_order_items_order_id", "order_items", ["order_id"])
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rma", sa.String(12), nullable=False),
        sa.Column("order_id", sa.String(20), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("resolution", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("refund_method", sa.String(40), nullable=True),
        sa.Column("refund_status", sa.String(20), nullable=True),
        sa.Column("refund_amount_cents", sa.Integer(), nullable=True),
        sa.Column("refund_eta", sa.Date(), nullable=True),
        sa.Column("refunded_at", UTC_DATETIME, nullable=True),
        sa.Column("dropoff_instructions", sa.Text(), nullable=False),
        sa.Column("label_url", sa.String(500), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "resolution IN ('refund', 'exchange')", name=op.f("ck_returns_resolution")
        ),
        sa.CheckConstraint(
            "status IN ('requested', 'received', 'refunded')", name=op.f("ck_returns_status")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("fk_returns_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_item_id"],
            ["order_items.id"],
            name=op.f("fk_returns_order_item_id_order_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("order_item_id", name=op.f("uq_returns_order_item_id")),
        sa.UniqueConstraint("rma", name=op.f("uq_returns_rma")),
    )
    op.create_index("ix_returns_order_id", "returns", ["order_id"])
    op.create_table(
        "support_tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.String(20), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("follow_up_due", UTC_DATETIME, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_support_tickets_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_tickets")),
    )
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("customer_id", sa.String(20), nullable=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_password_resets_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
    )
    op.create_table(
        "identity_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("order_id", sa.String(20), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_failures")),
    )
    op.create_index(
        "ix_identity_failures_conversation_id",
        "identity_failures",
        ["conversation_id", "created_at"],
    )
    op.create_index("ix_identity_failures_created_at", "identity_failures", ["created_at"])


def downgrade() -> None:
    for table in (
        "identity_failures",
        "password_resets",
        "support_tickets",
        "returns",
        "order_items",
        "orders",
        "products",
        "customers",
    ):
        op.drop_table(table)
