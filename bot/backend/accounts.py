"""Customers (their profile, orders and support tickets) and password-reset requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.backend.errors import ApiError
from bot.backend.orders import load_orders
from bot.backend.schema import customers, orders, password_resets, support_tickets
from bot.backend.tickets import ticket_payload

PASSWORD_RESET_ANSWER = {"status": "sent_if_account_exists"}


def _customer_not_found(customer_id: str) -> ApiError:
    return ApiError(404, "customer_not_found", f"No customer with id {customer_id}.")


async def get_customer(engine: AsyncEngine, customer_id: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(select(customers).where(customers.c.customer_id == customer_id))
        ).first()
    if row is None:
        raise _customer_not_found(customer_id)
    return {
        "customer_id": row.customer_id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
    }


async def _require_customer(conn: AsyncConnection, customer_id: str) -> None:
    known = await conn.execute(
        select(customers.c.customer_id).where(customers.c.customer_id == customer_id)
    )
    if known.first() is None:
        raise _customer_not_found(customer_id)


async def customer_orders(engine: AsyncEngine, customer_id: str, limit: int) -> list[dict]:
    """The customer's ``limit`` newest orders."""
    async with engine.connect() as conn:
        await _require_customer(conn, customer_id)
        order_ids = (
            await conn.execute(
                select(orders.c.order_id)
                .where(orders.c.customer_id == customer_id)
                .order_by(orders.c.created_at.desc(), orders.c.order_id.desc())
                .limit(limit)
            )
        ).scalars()
        return await load_orders(conn, list(order_ids))


async def customer_tickets(engine: AsyncEngine, customer_id: str, limit: int) -> list[dict]:
    """The customer's ``limit`` newest support tickets: what an agent sees is still pending."""
    async with engine.connect() as conn:
        await _require_customer(conn, customer_id)
        rows = await conn.execute(
            select(support_tickets)
            .where(support_tickets.c.customer_id == customer_id)
            .order_by(support_tickets.c.created_at.desc(), support_tickets.c.id.desc())
            .limit(limit)
        )
        return [ticket_payload(row) for row in rows]


async def request_password_reset(
    engine: AsyncEngine, email: str, conversation_id: str, now: datetime
) -> dict[str, str]:
    """Record the request (sending the mail is the company's job); the answer is the same
    whether or not the email has an account, so it cannot be used to find customers."""
    async with engine.begin() as conn:
        customer_id = (
            await conn.execute(select(customers.c.customer_id).where(customers.c.email == email))
        ).scalar_one_or_none()
        await conn.execute(
            insert(password_resets).values(
                email=email,
                customer_id=customer_id,
                conversation_id=conversation_id,
                created_at=now,
            )
        )
    return PASSWORD_RESET_ANSWER
