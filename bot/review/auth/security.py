"""The review app's guards, as middlewares and a response hook.

- Everything is behind login except the public paths (the login page, static files, the health
  check, and whatever an extension marks public with :func:`mark_public`, e.g. the widget).
  Pages redirect to ``/login``; the JSON API (``/api/...``) answers 401.
- State-changing requests behind login must come from our own origin and carry the session's
  CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``). Public routes guard
  themselves: the login form checks its own token, an extension's public routes theirs.
- Every response gets security headers: a CSP allowing only our own scripts and styles (no inline
  code anywhere), no framing, no MIME sniffing, a same-origin referrer, and HSTS over https.
  A handler may set its own CSP (the widget's demo page does); the other headers are ours.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlsplit

from aiohttp import web
from yarl import URL

from bot.review.auth.sessions import load_session
from bot.review.common.pages import render
from bot.review.common.roles import Role
from bot.review.common.state import (
    SESSION_COOKIE,
    SignedIn,
    current_user,
    set_signed_in,
    signed_in,
    state,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC_PATHS = web.AppKey("review_public_paths", list[str])
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PAGE = "/conversations"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def mark_public(app: web.Application, *paths: str) -> None:
    """Serve ``paths`` without login: ``"/demo"`` is that path, ``"/widget/"`` everything under."""
    app[PUBLIC_PATHS].extend(paths)


def is_public(request: web.Request) -> bool:
    path = request.path
    return any(
        path.startswith(public) if public.endswith("/") else path == public
        for public in request.config_dict[PUBLIC_PATHS]
    )


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another origin."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return DEFAULT_PAGE
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return DEFAULT_PAGE
    return target


def _login_redirect(request: web.Request) -> web.HTTPFound:
    if request.method == "GET":
        return web.HTTPFound(URL("/login").with_query(next=request.path_qs))
    return web.HTTPFound("/login")


def _same_origin(request: web.Request) -> bool:
    """Browsers send ``Origin`` with every POST; clients without one still need the token."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.host


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """4xx/5xx as JSON ``{"error": ...}`` for the API and as a page for people."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        message = error.text or error.reason
        if is_api(request):
            response: web.Response = web.json_response({"error": message}, status=error.status)
        else:
            context = {"status": error.status, "reason": error.reason, "message": message}
            response = render(request, "error.html", context, status=error.status)
        for name in ("Retry-After", "Allow"):
            if name in error.headers:
                response.headers[name] = error.headers[name]
        return response


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find the session behind the cookie; send strangers to the login page (or a 401)."""
    if request.path.startswith("/static/"):
        return await handler(request)
    review = state(request)
    token = review.session_cookie.unsign(request.cookies.get(SESSION_COOKIE))
    who = None
    if token is not None:
        async with review.db() as db:
            who = await load_session(db, token, datetime.now(UTC))
    set_signed_in(request, who)
    if who is None and not is_public(request):
        if is_api(request):
            raise web.HTTPUnauthorized(text="sign in first")
        raise _login_redirect(request)
    return await handler(request)


@web.middleware
async def csrf_protect(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in UNSAFE_METHODS and not is_public(request):
        if not _same_origin(request):
            raise web.HTTPForbidden(text="cross-site request refused")
        sent = request.headers.get("X-CSRF-Token")
        if sent is None:
            sent = (await request.post()).get("csrf_token")
        expected = signed_in(request).csrf_token
        if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
            raise web.HTTPForbidden(text="the form expired or came from elsewhere; reload the page")
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.update(SECURITY_HEADERS)
    if request.secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if not request.path.startswith("/static/"):
        # Pages show customer conversations: keep them out of shared and browser caches.
        response.headers.setdefault("Cache-Control", "no-store")


def requires(role: Role) -> Callable[[Handler], Handler]:
    """Handler decorator: 403 for signed-in users below ``role``."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not signed_in(request).may(role):
                raise web.HTTPForbidden(text=f"this needs the {role.label} role or higher")
            return await handler(request)

        return guarded

    return decorate


async def signed_in_agent(request: web.Request) -> SignedIn:
    """For the agent inbox: the signed-in user if they are an agent (or admin).

    Raises a redirect to the login page for strangers and 403 for users below the agent role.
    """
    who = current_user(request)
    if who is None:
        raise _login_redirect(request)
    if not who.may(Role.AGENT):
        raise web.HTTPForbidden(text="the agent inbox needs the agent role or higher")
    return who
