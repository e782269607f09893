"""Thin HTTP handlers: validate the request, call the plain function that does the work, answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backend import accounts, orders, returns, tickets, validation
from bot.backend.errors import ApiError
from bot.backend.identity import IdentityLimits, OrderCall
from bot.backend.middleware import API_PREFIX
from bot.backend.validation import path_value, query_value, read_json, validate

ENGINE = web.AppKey("engine", AsyncEngine)
IDENTITY_LIMITS = web.AppKey("identity_limits", IdentityLimits)
TICKET_FOLLOW_UP = web.AppKey("ticket_follow_up", timedelta)
OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.yaml"


def _now() -> datetime:
    return datetime.now(UTC)


async def _body(request: web.Request, spec: dict[str, validation.Field]) -> dict:
    return validate(await read_json(request), spec)


def _order_call(request: web.Request, order_id: str, body: dict) -> OrderCall:
    """Who asks about ``order_id`` (from the validated body), from where, and the app's limits."""
    return OrderCall(
        order_id,
        body["identity"],
        body["conversation_id"],
        client_address=body["client_address"],
        limits=request.app[IDENTITY_LIMITS],
    )


async def health(request: web.Request) -> web.Response:
    try:
        async with request.app[ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        message = "The backend cannot reach its database."
        raise ApiError(503, "database_unavailable", message) from exc
    return web.json_response({"status": "ok"})


async def openapi(_request: web.Request) -> web.Response:
    return web.Response(body=OPENAPI_PATH.read_bytes(), content_type="application/yaml")


async def _one(
    request: web.Request,
    name: str,
    parse: validation.Parser,
    load: Callable[[AsyncEngine, str], Awaitable[dict]],
) -> web.Response:
    """The record the path segment ``name`` (checked by ``parse``) names."""
    value = path_value(request, name, parse)
    return web.json_response(await load(request.app[ENGINE], value))


async def get_customer(request: web.Request) -> web.Response:
    return await _one(request, "customer_id", validation.customer_id, accounts.get_customer)


CustomerList = Callable[[AsyncEngine, str, int], Awaitable[list[dict]]]


async def _customer_list(request: web.Request, key: str, load: CustomerList) -> web.Response:
    """``{key: [...]}``: the customer's newest records, at most ``?limit=`` of them."""
    customer_id = path_value(request, "customer_id", validation.customer_id)
    limit = query_value(
        request, "limit", validation.orders_limit, default=validation.DEFAULT_ORDERS_LIMIT
    )
    return web.json_response({key: await load(request.app[ENGINE], customer_id, limit)})


async def list_customer_orders(request: web.Request) -> web.Response:
    return await _customer_list(request, "orders", accounts.customer_orders)


async def list_customer_tickets(request: web.Request) -> web.Response:
    return await _customer_list(request, "tickets", accounts.customer_tickets)


async def lookup_order(request: web.Request) -> web.Response:
    order_id = path_value(request, "order_id", validation.order_id)
    body = await _body(request, validation.ORDER_CALL)
    call = _order_call(request, order_id, body)
    return web.json_response(await orders.lookup_order(request.app[ENGINE], call, _now()))


async def cancel_order(request: web.Request) -> web.Response:
    order_id = path_value(request, "order_id", validation.order_id)
    body = await _body(request, validation.ORDER_CALL)
    call = _order_call(request, order_id, body)
    return web.json_response(await orders.cancel_order(request.app[ENGINE], call, _now()))


async def change_shipping_address(request: web.Request) -> web.Response:
    order_id = path_value(request, "order_id", validation.order_id)
    body = await _body(request, validation.ADDRESS_CHANGE)
    call = _order_call(request, order_id, body)
    order = await orders.change_shipping_address(request.app[ENGINE], call, body["address"], _now())
    return web.json_response(order)


async def create_return(request: web.Request) -> web.Response:
    body = await _body(request, validation.NEW_RETURN)
    call = _order_call(request, body["order_id"], body)
    created = await returns.create_return(
        request.app[ENGINE], call, body["item"], body["reason"], body["resolution"], _now()
    )
    return web.json_response(created, status=201)


async def list_returns(request: web.Request) -> web.Response:
    order_id = query_value(request, "order_id", validation.order_id)
    return web.json_response({"returns": await returns.list_returns(request.app[ENGINE], order_id)})


async def get_return(request: web.Request) -> web.Response:
    return await _one(request, "rma", validation.rma, returns.get_return)


async def create_ticket(request: web.Request) -> web.Response:
    body = await _body(request, validation.NEW_TICKET)
    ticket = await tickets.create_ticket(
        request.app[ENGINE], body, request.app[TICKET_FOLLOW_UP], _now()
    )
    return web.json_response(ticket, status=201)


async def get_ticket(request: web.Request) -> web.Response:
    return await _one(request, "ticket_id", validation.ticket_id, tickets.get_ticket)


async def request_password_reset(request: web.Request) -> web.Response:
    body = await _body(request, validation.PASSWORD_RESET)
    answer = await accounts.request_password_reset(
        request.app[ENGINE], body["email"], body["conversation_id"], _now()
    )
    return web.json_response(answer, status=202)


def routes() -> list[web.RouteDef]:
    """Every endpoint of docs/backend-api.md (openapi.yaml lists the same set; a test checks)."""
    api = API_PREFIX
    return [
        web.get(f"{api}/health", health),
        web.get(f"{api}/openapi.yaml", openapi),
        web.get(f"{api}/customers/{{customer_id}}", get_customer),
        web.get(f"{api}/customers/{{customer_id}}/orders", list_customer_orders),
        web.get(f"{api}/customers/{{customer_id}}/tickets", list_customer_tickets),
        web.post(f"{api}/orders/{{order_id}}/lookup", lookup_order),
        web.post(f"{api}/orders/{{order_id}}/cancel", cancel_order),
        web.put(f"{api}/orders/{{order_id}}/shipping-address", change_shipping_address),
        web.post(f"{api}/returns", create_return),
        web.get(f"{api}/returns", list_returns),
        web.get(f"{api}/returns/{{rma}}", get_return),
        web.post(f"{api}/tickets", create_ticket),
        web.get(f"{api}/tickets/{{ticket_id}}", get_ticket),
        web.post(f"{api}/password-resets", request_password_reset),
    ]
