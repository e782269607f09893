"""Reading the JSON API's request bodies: an object with known fields, or a 4xx naming the
problem. Unknown fields are refused so a typo never silently does something else."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

MAX_TEXTS = 500
MAX_TEXT_CHARS = 5000


async def read_json(
    request: web.Request,
    required: frozenset[str] = frozenset(),
    optional: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The body as a dict; 415 unless it is JSON, 400 for bad JSON or wrong/missing fields."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send the body as application/json")
    try:
        body = json.loads(await request.text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise web.HTTPBadRequest(text="the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    unknown = sorted(set(body) - required - optional)
    missing = sorted(required - set(body))
    if unknown or missing:
        problems = [f"unknown field {name!r}" for name in unknown]
        problems += [f"missing field {name!r}" for name in missing]
        raise web.HTTPBadRequest(text="; ".join(problems))
    return body


def string_field(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        raise web.HTTPBadRequest(text=f"{name} must be a string")
    return value.strip()


def text_list(body: dict[str, Any], name: str = "texts") -> list[str]:
    """A non-empty list of distinct message texts, at most ``MAX_TEXTS`` of them."""
    value = body.get(name)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(text, str) and 0 < len(text) <= MAX_TEXT_CHARS for text in value)
    ):
        raise web.HTTPBadRequest(text=f"{name} must be a non-empty list of message texts")
    if len(value) > MAX_TEXTS:
        raise web.HTTPBadRequest(text=f"at most {MAX_TEXTS} messages at once")
    return list(dict.fromkeys(value))


def optional_int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise web.HTTPBadRequest(text=f"{name} must be a whole number from {low} to {high}")
    return value
