"""Orders: reading them in the contract's shape, cancelling, changing the shipping address."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Select

from bot.backend.errors import ApiError
from bot.backend.formatting import iso_date, iso_datetime, money
from bot.backend.identity import OrderCall
from bot.backend.schema import order_items, orders, products


async def load_orders(conn: AsyncConnection, order_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Orders with their items, in the order of ``order_ids`` (two queries, however many)."""
    if not order_ids:
        return []
    rows = (await conn.execute(select(orders).where(orders.c.order_id.in_(order_ids)))).all()
    item_rows = (
        await conn.execute(order_lines().where(order_items.c.order_id.in_(order_ids)))
    ).all()
    items: dict[str, list[Any]] = {}
    for item in item_rows:
        items.setdefault(item.order_id, []).append(item)
    by_id = {row.order_id: _order_payload(row, items.get(row.order_id, [])) for row in rows}
    return [by_id[order_id] for order_id in order_ids if order_id in by_id]


def order_lines() -> Select:
    """Order lines with their product names, in the order they were bought (add a ``where``)."""
    return (
        select(order_items, products.c.name)
        .join(products, products.c.sku == order_items.c.sku)
        .order_by(order_items.c.id)
    )


def _order_payload(row: Any, items: list[Any]) -> dict[str, Any]:
    return {
        "order_id": row.order_id,
        "customer_id": row.customer_id,
        "status": row.status,
        "carrier": row.carrier,
        "tracking_number": row.tracking_number,
        "tracking_url": row.tracking_url,
        "expected_delivery": iso_date(row.expected_delivery),
        "delivered_at": iso_datetime(row.delivered_at),
        "shipping_address": row.shipping_address,
        "created_at": iso_datetime(row.created_at),
        "total": money(sum(item.unit_price_cents * item.quantity for item in items)),
        "items": [
            {
                "sku": item.sku,
                "name": item.name,
                "quantity": item.quantity,
                "unit_price": money(item.unit_price_cents),
            }
            for item in items
        ],
    }


async def _load_order(engine: AsyncEngine, order_id: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        return (await load_orders(conn, [order_id]))[0]


async def lookup_order(engine: AsyncEngine, call: OrderCall, now: datetime) -> dict[str, Any]:
    await call.verify(engine, now)
    return await _load_order(engine, call.order_id)


async def _change_while_processing(
    engine: AsyncEngine, order_id: str, values: dict[str, Any], code: str, rule: str
) -> dict[str, Any]:
    """Apply ``values`` only while the order is still processing (one atomic UPDATE, so two
    racing requests cannot both win) and return the changed order; otherwise answer 409
    ``code`` with the blocking status and the ``rule`` it broke."""
    async with engine.begin() as conn:
        result = await conn.execute(
            update(orders)
            .where(orders.c.order_id == order_id, orders.c.status == "processing")
            .values(**values)
        )
        blocking_status = None
        if result.rowcount != 1:
            blocking_status = (
                await conn.execute(select(orders.c.status).where(orders.c.order_id == order_id))
            ).scalar_one()
    if blocking_status is not None:
        raise ApiError(
            409,
            code,
            f"Order {order_id} is {blocking_status}; {rule}",
            extra={"status": blocking_status},
        )
    return await _load_order(engine, order_id)


async def cancel_order(engine: AsyncEngine, call: OrderCall, now: datetime) -> dict[str, Any]:
    await call.verify(engine, now)
    return await _change_while_processing(
        engine,
        call.order_id,
        {"status": "cancelled", "updated_at": now},
        "not_cancellable",
        "only processing orders can be cancelled.",
    )


async def change_shipping_address(
    engine: AsyncEngine, call: OrderCall, address: str, now: datetime
) -> dict[str, Any]:
    await call.verify(engine, now)
    return await _change_while_processing(
        engine,
        call.order_id,
        {"shipping_address": address, "updated_at": now},
        "address_locked",
        "the address can only change before shipping.",
    )
