"""Cross-cutting HTTP behaviour: the error JSON every failure becomes, and bearer-token auth."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.backend.errors import ApiError
from bot.backend.validation import payload_too_large

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
PUBLIC_PATHS = frozenset({f"{API_PREFIX}/health", f"{API_PREFIX}/openapi.yaml"})

_HTTP_ERRORS = {
    404: ("not_found", "There is no such endpoint; see /api/v1/openapi.yaml."),
    405: ("method_not_allowed", "This endpoint does not support that method."),
}


def error_response(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.status, headers=error.headers)


def _from_http_exception(exc: web.HTTPException) -> ApiError:
    if exc.status == 413:
        return payload_too_large()
    code, message = _HTTP_ERRORS.get(exc.status, ("http_error", exc.reason))
    allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
    return ApiError(exc.status, code, message, headers=allow)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as the contract's error JSON; tracebacks only go to the log."""
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(_from_http_exception(exc))
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(
            ApiError(500, "internal_error", "The backend failed to handle this request.")
        )


def bearer_auth(token: str) -> Middleware:
    """Reject every request without ``Authorization: Bearer <token>`` except the public paths.
    Unknown paths get 401 too, so the API's shape is not revealed to strangers."""
    expected = token.encode()

    @web.middleware
    async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path not in PUBLIC_PATHS:
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            given_bytes = given.strip().encode("utf-8", "replace")
            # compare_digest takes as long for a near miss as for a wild guess.
            if scheme.lower() != "bearer" or not hmac.compare_digest(given_bytes, expected):
                raise ApiError(
                    401,
                    "unauthorized",
                    "A valid bearer token is required (Authorization: Bearer <BACKEND_TOKEN>).",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return await handler(request)

    return require_token


async def no_store_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """Order data must not be cached by proxies or sniffed into another content type."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
