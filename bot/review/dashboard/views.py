"""The dashboard page and its JSON (numbers and flow funnels); the browser draws the charts
(static/load_panel.js, static/dashboard.js, static/funnels.js)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiohttp import web

from bot.review.common.definitions import FUNNEL_TERMS, FUNNELS, METRICS, OUTCOMES
from bot.review.common.pages import render
from bot.review.common.state import db, state
from bot.review.conversations.filters import FilterError, parse_date_range
from bot.review.dashboard.funnels import funnels_data
from bot.review.dashboard.numbers import dashboard_data, date_range

routes = web.RouteTableDef()


def _range(request: web.Request) -> tuple[date, date]:
    try:
        date_from, date_to = parse_date_range(request.query)
        return date_range(date_from, date_to, datetime.now(UTC).date())
    except FilterError as error:
        raise web.HTTPBadRequest(text=str(error)) from None


@routes.get("/dashboard")
async def dashboard_page(request: web.Request) -> web.Response:
    first, last = _range(request)
    context = {
        "first": first,
        "last": last,
        "metric_definitions": METRICS,
        "outcome_definitions": OUTCOMES,
        "funnels": FUNNELS,
        "funnel_terms": FUNNEL_TERMS,
        "abandon_minutes": state(request).settings.cx_abandon_minutes,
    }
    return render(request, "dashboard.html", context)


@routes.get("/api/dashboard")
async def dashboard_api(request: web.Request) -> web.Response:
    first, last = _range(request)
    async with db(request) as session:
        return web.json_response(await dashboard_data(session, first, last))


@routes.get("/api/funnels")
async def funnels_api(request: web.Request) -> web.Response:
    first, last = _range(request)
    async with db(request) as session:
        return web.json_response(await funnels_data(session, first, last))
