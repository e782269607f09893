"""Reading posted form fields: text where text belongs, or a 400 saying which field is wrong."""

from __future__ import annotations

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
