"""A refused labelling request as the HTTP error the review app's error pages understand."""

from __future__ import annotations

from aiohttp import web

from bot.review.nlu.labelling import Refused

STATUS_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
}


def http_error(refusal: Refused) -> web.HTTPException:
    return STATUS_ERRORS[refusal.status](text=str(refusal))
