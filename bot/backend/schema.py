"""Table definitions; the alembic migrations create exactly these (a test compares them).

Timestamps are always timezone-aware UTC in Python. SQLite stores no offset, so ``UTCDateTime``
writes naive UTC there and re-attaches UTC on read; Postgres uses ``timestamptz``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

ORDER_STATUSES = ("processing", "shipped", "delivered", "cancelled")
RETURN_STATUSES = ("requested", "received", "refunded")
REFUND_STATUSES = ("pending", "issued")
RESOLUTIONS = ("refund", "exchange")


class UTCDateTime(TypeDecorator):
    """A datetime column that only accepts and returns aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(20), primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("sku", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("price_cents", Integer, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(20), primary_key=True),
    Column("customer_id", String(20), ForeignKey("customers.customer_id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("carrier", String(40)),
    Column("tracking_number", String(64)),
    Column("tracking_url", String(500)),
    Column("expected_delivery", Date),
    Column("delivered_at", UTCDateTime()),
    Column("shipping_address", String(500), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
    Index("ix_orders_customer_id", "customer_id"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(20), ForeignKey("orders.order_id"), nullable=False),
    Column("sku", String(40), ForeignKey("products.sku"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_order_items_order_id", "order_id"),
)

returns = Table(
    "returns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rma", String(12), nullable=False, unique=True),
    Column("order_id", String(20), ForeignKey("orders.order_id"), nullable=False),
    # One return per order line: the unique constraint makes "already returned" race-free.
    Column("order_item_id", Integer, ForeignKey("order_items.id"), nullable=False, unique=True),
    Column("conversation_id", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("resolution", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("refund_method", String(40)),
    Column("refund_status", String(20)),
    Column("refund_amount_cents", Integer),
    Column("refund_eta", Date),
    Column("refunded_at", UTCDateTime()),
    Column("dropoff_instructions", Text, nullable=False),
    Column("label_url", String(500), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint(_in("resolution", RESOLUTIONS), name="resolution"),
    CheckConstraint(_in("status", RETURN_STATUSES), name="status"),
    Index("ix_returns_order_id", "order_id"),
)

support_tickets = Table(
    "support_tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(128), nullable=False),
    Column("category", String(40), nullable=False),
    Column("summary", Text, nullable=False),
    Column("transcript", Text, nullable=False),
    Column("customer_id", String(20), ForeignKey("customers.customer_id")),
    Column("email", String(254)),
    Column("status", String(20), nullable=False),
    Column("follow_up_due", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

password_resets = Table(
    "password_resets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False),
    # Set when the email belongs to a customer; the API answer never reveals which.
    Column("customer_id", String(20), ForeignKey("customers.customer_id")),
    Column("conversation_id", String(128), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

identity_failures = Table(
    "identity_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(128), nullable=False),
    Column("order_id", String(20), nullable=False),
    # The customer's IP address as the chat channel saw it (unknown for older callers).
    Column("client_address", String(45)),
    Column("created_at", UTCDateTime(), nullable=False),
    # Failures are counted per order and per client address (bot/backend/identity.py).
    Index("ix_identity_failures_order_id", "order_id", "created_at"),
    Index("ix_identity_failures_client_address", "client_address", "created_at"),
    Index("ix_identity_failures_created_at", "created_at"),
)
