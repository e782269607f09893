"""Signing in and out, and the public health check.

The login form is protected against cross-site posting by its own token (a signed cookie that
must match a hidden field), because there is no session yet to hold one. A successful login
always starts a new session, so a session id planted before login is useless afterwards.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from aiohttp import web

from bot.review.auth.security import safe_next
from bot.review.auth.sessions import SESSION_LIFETIME, end_session, start_session
from bot.review.auth.users import authenticate
from bot.review.common.pages import render
from bot.review.common.state import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    current_user,
    db,
    signed_in,
    state,
)

routes = web.RouteTableDef()
LOGIN_FORM_SECONDS = 3600


def _set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    max_age = LOGIN_FORM_SECONDS if name == LOGIN_COOKIE else SESSION_LIFETIME.total_seconds()
    response.set_cookie(
        name,
        value,
        max_age=int(max_age),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.secure,
    )


def _login_form(
    request: web.Request, next_page: str, error: str | None = None, status: int = 200
) -> web.Response:
    token = state(request).login_cookie.unsign(request.cookies.get(LOGIN_COOKIE))
    token = token or secrets.token_urlsafe(24)
    context = {"login_token": token, "next_page": next_page, "error": error}
    response = render(request, "login.html", context, status=status)
    _set_cookie(request, response, LOGIN_COOKIE, state(request).login_cookie.sign(token))
    return response


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    next_page = safe_next(request.query.get("next"))
    if current_user(request) is not None:
        raise web.HTTPFound(next_page)
    return _login_form(request, next_page)


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    next_page = safe_next(str(form.get("next", "")))
    expected = state(request).login_cookie.unsign(request.cookies.get(LOGIN_COOKIE))
    sent = form.get("login_token")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        return _login_form(request, next_page, "The form expired; please sign in again.", 403)
    username, password = form.get("username"), form.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        return _login_form(request, next_page, "Enter your username and password.", 400)
    now = datetime.now(UTC)
    async with db(request) as session, session.begin():
        result = await authenticate(session, username, password, request.remote, now)
        if result.user is not None:
            token = await start_session(session, result.user, now)
    if result.locked_for is not None:
        seconds = max(1, int(result.locked_for.total_seconds()))
        message = f"Too many failed sign-ins. Try again in {seconds} seconds."
        response = _login_form(request, next_page, message, 429)
        response.headers["Retry-After"] = str(seconds)
        return response
    if result.user is None:
        return _login_form(request, next_page, "Wrong username or password.", 401)
    redirect = web.HTTPFound(next_page)
    _set_cookie(request, redirect, SESSION_COOKIE, state(request).session_cookie.sign(token))
    redirect.del_cookie(LOGIN_COOKIE, path="/")
    raise redirect


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    async with db(request) as session, session.begin():
        await end_session(session, signed_in(request).token_hash)
    redirect = web.HTTPFound("/login")
    redirect.del_cookie(SESSION_COOKIE, path="/")
    raise redirect


@routes.get("/healthz")
async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/")
async def home(_: web.Request) -> web.Response:
    raise web.HTTPFound("/conversations")
