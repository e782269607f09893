"""Backend values (ISO dates, amounts, item lists) turned into the words the responses show.

The backend speaks ISO 8601 and plain numbers; customers read "Wednesday 25 November". Values the
backend leaves empty become a neutral phrase instead of a guess.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from babel.numbers import format_currency

from actions.settings import get_settings

UNKNOWN = "not known yet"


def day(value: str | None) -> str:
    """``2026-11-25`` or a full ISO datetime → ``Wednesday 25 November``."""
    parsed = _parse(value)
    return f"{parsed:%A} {parsed.day} {parsed:%B}" if parsed else UNKNOWN


def day_and_time(value: str | None) -> str:
    """An ISO datetime → ``Wednesday 25 November, 10:00 UTC`` (the backend's times are UTC)."""
    if not value:
        return UNKNOWN
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return UNKNOWN
    return f"{moment:%A} {moment.day} {moment:%B}, {moment:%H:%M} UTC"


def amount(value: Any, currency: str | None = None) -> str:
    """``120`` → ``$120.00`` in the shop's currency (``SHOP_CURRENCY``; the backend sends bare
    numbers)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return UNKNOWN
    if number != number:  # NaN
        return UNKNOWN
    return format_currency(number, currency or get_settings().shop_currency, locale="en_US")


def item_names(items: list[dict[str, Any]]) -> list[str]:
    return [str(item.get("name", "")) for item in items if item.get("name")]


def items_summary(items: list[dict[str, Any]]) -> str:
    """``2 × Organic Cotton T-Shirt, Insulated Water Bottle``."""
    parts = []
    for item in items:
        quantity = item.get("quantity") or 1
        name = item.get("name", "")
        parts.append(f"{quantity} × {name}" if quantity > 1 else name)
    return ", ".join(parts)


def one_of(names: list[str]) -> str:
    """``A, B or C`` for a question that offers choices."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _parse(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def parse_moment(value: str | None) -> datetime | None:
    """An ISO datetime from the backend as an aware UTC moment (naive means UTC)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
