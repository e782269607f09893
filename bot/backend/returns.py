"""Returns: the 30-day window, item matching, RMA numbers and refund estimates."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.backend.errors import ApiError
from bot.backend.formatting import iso_date, iso_datetime, money
from bot.backend.identity import OrderCall
from bot.backend.orders import order_lines
from bot.backend.schema import order_items, orders, products, returns

RETURN_WINDOW_DAYS = 30
REFUND_BUSINESS_DAYS = 7  # the far end of the "5-7 business days" customers are promised
REFUND_METHOD = "original_payment_method"
# No 0/O/1/I: RMA numbers get read out over the phone. 32**8 (about 10**12) values, random.
RMA_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LABEL_URL = "https://returns.example.com/labels/{rma}.pdf"
DROPOFF_INSTRUCTIONS = (
    "Pack the item with its original tags, write {rma} on the parcel, attach the prepaid label "
    "and drop it at any UPS Store or UPS Access Point within 14 days."
)


def new_rma() -> str:
    return "RMA-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(8))


def add_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def return_payload(row: Any) -> dict[str, Any]:
    return {
        "rma": row.rma,
        "order_id": row.order_id,
        "item": {"sku": row.sku, "name": row.name},
        "reason": row.reason,
        "resolution": row.resolution,
        "status": row.status,
        "refund_method": row.refund_method,
        "refund_status": row.refund_status,
        "refund_amount": money(row.refund_amount_cents),
        "refund_eta": iso_date(row.refund_eta),
        "refunded_at": iso_datetime(row.refunded_at),
        "dropoff_instructions": row.dropoff_instructions,
        "label_url": row.label_url,
        "created_at": iso_datetime(row.created_at),
    }


def _returns_query() -> Any:
    return (
        select(returns, order_items.c.sku, products.c.name)
        .join(order_items, order_items.c.id == returns.c.order_item_id)
        .join(products, products.c.sku == order_items.c.sku)
    )


def match_item(items: list[Any], wanted: str) -> Any:
    """The one order line ``wanted`` names: an exact SKU or name first, else a substring of the
    name or SKU, case-insensitively. 404 if none, 409 listing the candidates if several."""
    key = wanted.casefold()
    exact = [i for i in items if key in (i.sku.casefold(), i.name.casefold())]
    candidates = exact or [i for i in items if key in i.name.casefold() or key in i.sku.casefold()]
    names = [i.name for i in items]
    if not candidates:
        raise ApiError(
            404,
            "item_not_found",
            f"No item in this order matches {wanted!r}.",
            extra={"items": names},
        )
    if len(candidates) > 1:
        raise ApiError(
            409,
            "item_ambiguous",
            f"Several items in this order match {wanted!r}; name one of them.",
            extra={"items": [i.name for i in candidates]},
        )
    return candidates[0]


async def _check_returnable(conn: AsyncConnection, order_id: str, now: datetime) -> None:
    order = (
        await conn.execute(
            select(orders.c.status, orders.c.delivered_at).where(orders.c.order_id == order_id)
        )
    ).one()
    if order.status != "delivered" or order.delivered_at is None:
        raise ApiError(
            409,
            "not_delivered",
            f"Order {order_id} is {order.status}; only delivered orders can be returned.",
            extra={"status": order.status},
        )
    if now > order.delivered_at + timedelta(days=RETURN_WINDOW_DAYS):
        raise ApiError(
            409,
            "return_window_expired",
            f"Order {order_id} was delivered on {order.delivered_at.date().isoformat()}; "
            f"returns are accepted for {RETURN_WINDOW_DAYS} days after delivery.",
            extra={
                "window_days": RETURN_WINDOW_DAYS,
                "delivered_at": iso_datetime(order.delivered_at),
            },
        )


def _refund_fields(line: Any, now: datetime) -> dict[str, Any]:
    """An exchange has no refund; a refund goes back to the original payment method."""
    return {
        "refund_method": REFUND_METHOD,
        "refund_status": "pending",
        "refund_amount_cents": line.unit_price_cents * line.quantity,
        "refund_eta": add_business_days(now.date(), REFUND_BUSINESS_DAYS),
    }


def _already_returned(sku: str) -> ApiError:
    return ApiError(409, "already_returned", f"A return for {sku} in this order already exists.")


async def create_return(
    engine: AsyncEngine, call: OrderCall, item: str, reason: str, resolution: str, now: datetime
) -> dict[str, Any]:
    await call.verify(engine, now)
    order_id, conversation_id = call.order_id, call.conversation_id
    rma = new_rma()
    try:
        async with engine.begin() as conn:
            await _check_returnable(conn, order_id, now)
            lines = (
                await conn.execute(order_lines().where(order_items.c.order_id == order_id))
            ).all()
            line = match_item(lines, item)
            same_line = select(returns.c.id).where(returns.c.order_item_id == line.id)
            taken = await conn.execute(same_line)
            if taken.first() is not None:
                raise _already_returned(line.sku)
            refund = _refund_fields(line, now) if resolution == "refund" else {}
            await conn.execute(
                insert(returns).values(
                    rma=rma,
                    order_id=order_id,
                    order_item_id=line.id,
                    conversation_id=conversation_id,
                    reason=reason,
                    resolution=resolution,
                    status="requested",
                    **refund,
                    dropoff_instructions=DROPOFF_INSTRUCTIONS.format(rma=rma),
                    label_url=LABEL_URL.format(rma=rma),
                    created_at=now,
                )
            )
    except IntegrityError as exc:
        # Two simultaneous requests for the same line: the unique constraint picked one winner.
        raise _already_returned(item) from exc
    return await get_return(engine, rma)


async def get_return(engine: AsyncEngine, rma: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (await conn.execute(_returns_query().where(returns.c.rma == rma))).first()
    if row is None:
        raise ApiError(404, "return_not_found", f"No return with number {rma}.")
    return return_payload(row)


async def list_returns(engine: AsyncEngine, order_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            _returns_query().where(returns.c.order_id == order_id).order_by(returns.c.id)
        )
        return [return_payload(row) for row in rows]
