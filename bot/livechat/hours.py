"""Agent working hours from ``HANDOFF_HOURS``, so the widget never promises a person at 3 a.m.

Syntax: ``always``, ``never``, or comma-separated rules ``<days> <HH:MM>-<HH:MM>`` where days
are ``mon``..``sun`` or a range like ``mon-fri``; times are in ``HANDOFF_TIMEZONE`` and the end
may be ``24:00``. Example: ``mon-fri 09:00-17:00, sat 10:00-14:00``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RULE = re.compile(
    r"(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{2}):(?P<start_min>\d{2})-(?P<end>\d{2}):(?P<end_min>\d{2})"
)


@dataclass(frozen=True)
class _Rule:
    days: frozenset[int]
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class WorkingHours:
    text: str
    timezone: ZoneInfo
    rules: tuple[_Rule, ...]

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.timezone)
        minute = local.hour * 60 + local.minute
        return any(
            local.weekday() in rule.days and rule.start_minute <= minute < rule.end_minute
            for rule in self.rules
        )

    def describe(self) -> str:
        return f"{self.text} ({self.timezone.key})"


def _day(name: str, spec: str) -> int:
    if name not in DAYS:
        raise ValueError(f"HANDOFF_HOURS: unknown day {name!r} in {spec!r} (use mon..sun)")
    return DAYS.index(name)


def _minute(hours: str, minutes: str, spec: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ValueError(f"HANDOFF_HOURS: bad time in {spec!r}")
    return value


def _rule(spec: str) -> _Rule:
    match = RULE.fullmatch(spec)
    if not match:
        raise ValueError(f"HANDOFF_HOURS: {spec!r} is not like 'mon-fri 09:00-17:00'")
    first = _day(match["first"], spec)
    last = _day(match["last"], spec) if match["last"] else first
    # A range may wrap around the week end: "fri-mon" is Friday to Monday.
    days = frozenset(day % 7 for day in range(first, first + (last - first) % 7 + 1))
    start = _minute(match["start"], match["start_min"], spec)
    end = _minute(match["end"], match["end_min"], spec)
    if start >= end:
        raise ValueError(f"HANDOFF_HOURS: {spec!r} ends before it starts")
    return _Rule(days, start, end)


def parse_hours(text: str, timezone: str) -> WorkingHours:
    """Parse the settings; raise ``ValueError`` naming the variable for anything malformed."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"HANDOFF_TIMEZONE: unknown time zone {timezone!r}") from error
    normalised = " ".join(text.lower().split())
    if normalised == "always":
        rules: tuple[_Rule, ...] = (_Rule(frozenset(range(7)), 0, 24 * 60),)
    elif normalised == "never":
        rules = ()
    else:
        rules = tuple(_rule(part.strip()) for part in normalised.split(",") if part.strip())
        if not rules:
            raise ValueError("HANDOFF_HOURS is empty (use 'always', 'never' or day/time rules)")
    return WorkingHours(normalised, zone, rules)
