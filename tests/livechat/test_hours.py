"""HANDOFF_HOURS: when the inbox may promise a person, in the configured time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.livechat.hours import parse_hours

# 2026-11-23 is a Monday.
MONDAY_10_UTC = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=UTC)


def test_always_and_never() -> None:
    assert parse_hours("always", "UTC").is_open(MONDAY_10_UTC)
    assert not parse_hours("never", "UTC").is_open(MONDAY_10_UTC)


def test_weekday_office_hours() -> None:
    hours = parse_hours("Mon-Fri 09:00-17:00", "UTC")
    assert hours.is_open(at(0, 9))
    assert hours.is_open(at(4, 16, 59))
    assert not hours.is_open(at(0, 17))
    assert not hours.is_open(at(0, 8, 59))
    assert not hours.is_open(at(5, 12))  # Saturday


def test_several_rules_and_a_range_across_the_weekend() -> None:
    hours = parse_hours("mon-fri 09:00-17:00, sat 10:00-14:00, fri-mon 22:00-24:00", "UTC")
    assert hours.is_open(at(5, 11))  # Saturday late morning
    assert not hours.is_open(at(6, 11))  # Sunday late morning
    assert hours.is_open(at(6, 23, 30))  # Sunday night, inside fri-mon
    assert not hours.is_open(at(2, 23))  # Wednesday night


def test_times_are_read_in_the_configured_zone() -> None:
    hours = parse_hours("mon 09:00-10:00", "America/New_York")
    assert hours.is_open(datetime(2026, 11, 23, 14, 30, tzinfo=UTC))  # 09:30 in New York
    assert not hours.is_open(MONDAY_10_UTC)
    assert hours.describe() == "mon 09:00-10:00 (America/New_York)"


@pytest.mark.parametrize(
    ("text", "zone", "names"),
    [
        ("weekdays 9-5", "UTC", "HANDOFF_HOURS"),
        ("mon-fri 17:00-09:00", "UTC", "HANDOFF_HOURS"),
        ("mon-fri 09:00-25:00", "UTC", "HANDOFF_HOURS"),
        ("mon-fri 09:61-10:00", "UTC", "HANDOFF_HOURS"),
        ("xyz 09:00-10:00", "UTC", "HANDOFF_HOURS"),
        (" , ", "UTC", "HANDOFF_HOURS"),
        ("always", "Mars/Olympus", "HANDOFF_TIMEZONE"),
    ],
)
def test_malformed_settings_name_the_variable(text: str, zone: str, names: str) -> None:
    with pytest.raises(ValueError, match=names):
        parse_hours(text, zone)
