"""Demo and test data from docs/backend-api.md, with dates relative to now so the return-window
cases (5 or 10 days vs 90 days after delivery) stay true whenever the database is created."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backend.schema import customers, order_items, orders, products

CUSTOMERS = [
    ("C1001", "Alex", "Kim", "alex.kim@example.com"),
    ("C1002", "Sam", "Lee", "sam.lee@example.com"),
]

PRODUCTS = [
    ("WH-1000", "Wireless Noise-Cancelling Headphones", 19900),
    ("TS-CTN-M", "Organic Cotton T-Shirt", 2500),
    ("WB-750", "Insulated Water Bottle", 3200),
    ("TRS-42", "Trail Running Shoes", 12000),
    ("SK-RUN-3", "Merino Running Socks (3-pack)", 1800),
    ("RJ-200", "Waterproof Rain Jacket", 15000),
    ("CG-BURR", "Burr Coffee Grinder", 8900),
]

ALEX_ADDRESS = "12 Harbor Street, Apt 4B, Portland, OR 97201, USA"
SAM_ADDRESS = "48 Elm Avenue, Austin, TX 78701, USA"


def _tracking(carrier: str, number: str) -> dict[str, str]:
    urls = {
        "UPS": "https://www.ups.com/track?tracknum={}",
        "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    }
    return {
        "carrier": carrier,
        "tracking_number": number,
        "tracking_url": urls[carrier].format(number),
    }


def _processing(
    order_id: str, customer_id: str, expected: date, address: str, created_at: datetime
) -> dict[str, Any]:
    """An order not shipped yet: no tracking, still cancellable, its address still changeable."""
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "status": "processing",
        "expected_delivery": expected,
        "shipping_address": address,
        "created_at": created_at,
    }


def _delivered(
    order_id: str,
    customer_id: str,
    tracking: dict[str, str],
    delivered_at: datetime,
    address: str,
    created_at: datetime,
) -> dict[str, Any]:
    """An order delivered on the day it was expected."""
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "status": "delivered",
        **tracking,
        "expected_delivery": delivered_at.date(),
        "delivered_at": delivered_at,
        "shipping_address": address,
        "created_at": created_at,
    }


def seed_orders(now: datetime) -> list[tuple[dict[str, Any], list[tuple[str, int]]]]:
    """Each order's row and its (sku, quantity) lines."""
    today = now.date()
    days = timedelta(days=1)
    shipped = {
        "order_id": "10001",
        "customer_id": "C1001",
        "status": "shipped",
        **_tracking("UPS", "1Z999AA10123456784"),
        "expected_delivery": today + 2 * days,
        "shipping_address": ALEX_ADDRESS,
        "created_at": now - 3 * days,
    }
    return [
        (shipped, [("WH-1000", 1)]),
        (
            _processing("10002", "C1001", today + 5 * days, ALEX_ADDRESS, now - days),
            [("TS-CTN-M", 2), ("WB-750", 1)],
        ),
        (
            _delivered(
                "10003",
                "C1001",
                _tracking("FedEx", "794612345678"),
                now - 10 * days,
                ALEX_ADDRESS,
                now - 15 * days,
            ),
            [("TRS-42", 1), ("SK-RUN-3", 1)],
        ),
        (
            _delivered(
                "10004",
                "C1001",
                _tracking("UPS", "1Z999AA10123456785"),
                now - 90 * days,
                ALEX_ADDRESS,
                now - 95 * days,
            ),
            [("RJ-200", 1)],
        ),
        (
            _processing("20001", "C1002", today + 4 * days, SAM_ADDRESS, now - timedelta(hours=2)),
            [("CG-BURR", 1)],
        ),
        (
            _delivered(
                "20002",
                "C1002",
                _tracking("UPS", "1Z999AA10123456786"),
                now - 5 * days,
                SAM_ADDRESS,
                now - 9 * days,
            ),
            [("WB-750", 1), ("SK-RUN-3", 2)],
        ),
    ]


async def seed_if_empty(engine: AsyncEngine, now: datetime) -> bool:
    """Load the seed data unless there are customers already; return whether it loaded."""
    async with engine.begin() as conn:
        if await conn.scalar(select(func.count()).select_from(customers)):
            return False
        await conn.execute(
            insert(customers),
            [
                {"customer_id": c, "first_name": f, "last_name": la, "email": e, "created_at": now}
                for c, f, la, e in CUSTOMERS
            ],
        )
        prices = {sku: cents for sku, _, cents in PRODUCTS}
        await conn.execute(
            insert(products),
            [{"sku": sku, "name": name, "price_cents": cents} for sku, name, cents in PRODUCTS],
        )
        for order, lines in seed_orders(now):
            await conn.execute(insert(orders).values(updated_at=order["created_at"], **order))
            await conn.execute(
                insert(order_items),
                [
                    {
                        "order_id": order["order_id"],
                        "sku": sku,
                        "quantity": quantity,
                        "unit_price_cents": prices[sku],
                    }
                    for sku, quantity in lines
                ],
            )
    return True
