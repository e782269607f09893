"""How values look in the API: ISO dates, UTC datetimes to the second, money as numbers."""

from __future__ import annotations

from datetime import date, datetime


def iso_datetime(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def money(cents: int | None) -> float | None:
    # Stored as integer cents so sums are exact; shown as a number with two decimals.
    return None if cents is None else round(cents / 100, 2)
