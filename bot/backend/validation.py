"""Strict request validation: every field is type-, format- and length-checked up front.

Invalid values are rejected with a 400 naming the field, never truncated or coerced, so nothing
half-valid reaches the database. Free text (addresses, reasons, transcripts) may contain any
printable character, quotes included: it is stored verbatim through bound parameters.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.backend.errors import ApiError, invalid_request

MAX_BODY_BYTES = 64 * 1024
MAX_EMAIL = 254
MAX_ADDRESS = 500
MAX_ITEM = 200
MAX_TEXT = 5_000
# Must fit with the rest of a ticket inside the 64 KiB body cap (JSON escapes take room).
MAX_TRANSCRIPT = 50_000
MAX_ORDERS_LIMIT = 50
DEFAULT_ORDERS_LIMIT = 10

ORDER_ID = re.compile(r"[0-9]{1,20}", re.ASCII)
CUSTOMER_ID = re.compile(r"C[0-9]{1,19}", re.ASCII)
RMA = re.compile(r"RMA-[A-Z0-9]{8}", re.ASCII)
TICKET_ID = re.compile(r"T-[0-9]{1,18}", re.ASCII)
CONVERSATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@+/=-]{0,127}", re.ASCII)
CATEGORY = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)
_EMAIL_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(
    rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})+", re.ASCII
)
# C0 controls except tab/newline/carriage return, DEL, and C1 controls (NUL breaks Postgres).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\t]")


class FieldProblem(ValueError):
    """One field's value is unacceptable; the message says why in a few words."""


Parser = Callable[[object], Any]


@dataclass(frozen=True)
class Field:
    parse: Parser
    required: bool = True


@dataclass(frozen=True)
class Identity:
    """Who the caller says they are for an order: the order's email or a verified customer id."""

    email: str | None = None
    customer_id: str | None = None

    def matches(self, customer_id: str, email: str) -> bool:
        if self.customer_id is not None:
            return self.customer_id == customer_id
        return self.email == email


def _string(value: object, max_length: int) -> str:
    if not isinstance(value, str):
        raise FieldProblem("must be a string")
    if len(value) > max_length:
        raise FieldProblem(f"must be at most {max_length} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FieldProblem("must be valid Unicode text") from exc
    return value


def text(max_length: int, *, multiline: bool = True, allow_empty: bool = False) -> Parser:
    """Free text: any printable characters, surrounding whitespace stripped."""

    def parse(value: object) -> str:
        cleaned = _string(value, max_length).strip()
        if _CONTROL.search(cleaned) or (not multiline and _LINE_BREAK.search(cleaned)):
            raise FieldProblem("must not contain control characters")
        if not cleaned and not allow_empty:
            raise FieldProblem("must not be empty")
        return cleaned

    return parse


def pattern(regex: re.Pattern[str], description: str, max_length: int) -> Parser:
    def parse(value: object) -> str:
        checked = _string(value, max_length)
        if not regex.fullmatch(checked):
            raise FieldProblem(f"must be {description}")
        return checked

    return parse


def email(value: object) -> str:
    """An address like ``name@example.com``; compared case-insensitively, so stored lowercased."""
    raw = _string(value, MAX_EMAIL).strip()
    if not EMAIL.fullmatch(raw):
        raise FieldProblem("must be an email address like name@example.com")
    return raw.lower()


def choice(*allowed: str) -> Parser:
    def parse(value: object) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise FieldProblem("must be one of: " + ", ".join(allowed))
        return value

    return parse


order_id = pattern(ORDER_ID, "an order number made of digits, like 10001", 20)
customer_id = pattern(CUSTOMER_ID, "a customer id like C1001", 20)
rma = pattern(RMA, "a return number like RMA-AB12CD34", 12)
ticket_id = pattern(TICKET_ID, "a ticket id like T-100001", 20)
conversation_id = pattern(
    CONVERSATION_ID, "1-128 letters, digits or _.:@+/=- starting with a letter or digit", 128
)
category = pattern(CATEGORY, "a lowercase code like complaint or payment_issue", 40)


def client_address(value: object) -> str:
    """The customer's IP address as the chat channel saw it, in one canonical spelling."""
    try:
        return str(ipaddress.ip_address(_string(value, 45).strip()))
    except ValueError as exc:
        raise FieldProblem("must be an IPv4 or IPv6 address") from exc


def identity(value: object) -> Identity:
    kinds = {"email", "customer_id"}
    if not isinstance(value, dict) or len(value) != 1 or not value.keys() & kinds:
        raise FieldProblem('must be {"email": "..."} or {"customer_id": "C..."}')
    try:
        if "email" in value:
            return Identity(email=email(value["email"]))
        return Identity(customer_id=customer_id(value["customer_id"]))
    except FieldProblem as problem:
        name = next(iter(value))
        raise FieldProblem(f"{name} {problem}") from problem


def validate(payload: object, spec: Mapping[str, Field]) -> dict[str, Any]:
    """Check a JSON body against ``spec``; raise one 400 listing every problem, or return values."""
    if not isinstance(payload, dict):
        raise invalid_request({}, "The request body must be a JSON object.")
    problems = {name: "unknown field" for name in payload if name not in spec}
    values: dict[str, Any] = {}
    for name, field in spec.items():
        value = payload.get(name)
        if value is None:
            if field.required:
                problems[name] = "is required"
            values[name] = None
            continue
        try:
            values[name] = field.parse(value)
        except FieldProblem as problem:
            problems[name] = str(problem)
    if problems:
        raise invalid_request(problems)
    return values


def path_value(request: web.Request, name: str, parse: Parser) -> Any:
    try:
        return parse(request.match_info[name])
    except FieldProblem as problem:
        raise invalid_request({name: str(problem)}) from problem


def query_value(request: web.Request, name: str, parse: Parser, default: Any = None) -> Any:
    values = request.query.getall(name, [])
    if not values:
        if default is None:
            raise invalid_request({name: "is required"})
        return default
    if len(values) > 1:
        raise invalid_request({name: "must be given once"})
    try:
        return parse(values[0])
    except FieldProblem as problem:
        raise invalid_request({name: str(problem)}) from problem


def orders_limit(value: object) -> int:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value, re.ASCII):
        number = int(value)
        if 1 <= number <= MAX_ORDERS_LIMIT:
            return number
    raise FieldProblem(f"must be a whole number from 1 to {MAX_ORDERS_LIMIT}")


async def read_json(request: web.Request) -> object:
    """The decoded body; 415 unless JSON, 413 over 64 KiB, 400 when it does not parse."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise payload_too_large()
    raw = await request.read()  # the app's client_max_size also caps bodies without a length
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "The request body is not valid UTF-8 JSON.") from exc


def payload_too_large() -> ApiError:
    return ApiError(
        413, "payload_too_large", f"The request body must be at most {MAX_BODY_BYTES} bytes."
    )


ORDER_CALL = {
    "identity": Field(identity),
    "conversation_id": Field(conversation_id),
    "client_address": Field(client_address, required=False),
}
ADDRESS_CHANGE = {**ORDER_CALL, "address": Field(text(MAX_ADDRESS))}
NEW_RETURN = {
    **ORDER_CALL,
    "order_id": Field(order_id),
    "item": Field(text(MAX_ITEM, multiline=False)),
    "reason": Field(text(MAX_TEXT)),
    "resolution": Field(choice("refund", "exchange")),
}
NEW_TICKET = {
    "conversation_id": Field(conversation_id),
    "category": Field(category),
    "summary": Field(text(MAX_TEXT)),
    "transcript": Field(text(MAX_TRANSCRIPT, allow_empty=True)),
    "customer_id": Field(customer_id, required=False),
    "email": Field(email, required=False),
}
PASSWORD_RESET = {"email": Field(email), "conversation_id": Field(conversation_id)}
