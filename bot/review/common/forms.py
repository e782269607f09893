"""Reading posted form fields: text where text belongs, or a 400 saying which field is wrong; and
the names people type (usernames, tags), folded to one spelling."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

Form = MultiDictProxy[str | bytes | FileField]


def form_text(form: Form, name: str) -> str:
    """The field's text, ``""`` when it is missing."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise web.HTTPBadRequest(text=f"{name} must be text")
    return value


def folded_name(raw: str, pattern: re.Pattern[str], refusal: ValueError) -> str:
    """``raw`` trimmed and in lower case if ``pattern`` matches it whole; else ``refusal`` is
    raised (the caller's own error, saying what a good name looks like)."""
    name = raw.strip().lower()
    if not pattern.fullmatch(name):
        raise refusal
    return name
